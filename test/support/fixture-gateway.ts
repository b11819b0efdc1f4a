import { resolveGatewayConfig, type GatewayConfigInput } from '../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/create-gateway.ts';
import { serveComposedSubgraphs, type ComposedFixture, type FixtureSubgraph } from '../fixtures/executor/subgraphs.ts';

/** Fixture products served and composed, and a real gateway in front of them. */
export interface FixtureGateway {
  gateway: RunningGateway;
  fixture: ComposedFixture;
  close(): Promise<void>;
}

/**
 * Serves fixture products (signed, on port 0), composes their supergraph and starts a
 * gateway on it: no retries (each request reaches a product once), and error messages
 * shown, so a test can hold what the client is told. The fixtures are no data products:
 * nothing classifies their fields.
 */
export async function startFixtureGateway(subgraphs: readonly FixtureSubgraph[], config: Partial<GatewayConfigInput> = {}): Promise<FixtureGateway> {
  const fixture = await serveComposedSubgraphs(subgraphs);
  try {
    const gateway = await startGateway(
      resolveGatewayConfig({
        port: 0,
        supergraph: { file: fixture.file },
        access: { allowUnclassifiedFields: true },
        usage: { enabled: false },
        transport: { retry: { retries: 0 } },
        exposeErrorDetails: true,
        ...config,
      }),
    );
    return {
      gateway,
      fixture,
      close: async () => {
        await gateway.close();
        await fixture.close();
      },
    };
  } catch (error) {
    await fixture.close();
    throw error;
  }
}
