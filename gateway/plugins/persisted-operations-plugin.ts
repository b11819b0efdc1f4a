import { readFileSync } from 'node:fs';
import type { ApolloServerOptions, ApolloServerPlugin } from '@apollo/server';
import { stripIgnoredCharacters } from 'graphql';
import * as z from 'zod';
import { describeIssues } from '../../schema/product/descriptor.ts';
import type { GatewayConfig } from '../config.ts';
import { ConfigError, MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { ManifestBackedStore, MemoryOperationStore, SharedOperationStore, type PersistedOperationStore } from '../operation/persisted-operation-store.ts';
import type { SharedStateStore } from '../shared-state/key-value-store.ts';

/** Apollo's persisted-query-list manifest, as `generate-persisted-query-manifest` writes it. */
const manifestSchema = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string().optional(),
      type: z.enum(['query', 'mutation', 'subscription']).optional(),
      body: z.string().min(1),
    }),
  ),
});

export interface Safelist {
  /** Operation bodies by manifest id. */
  byId: ReadonlyMap<string, string>;
  /** Bodies with ignored characters stripped, so formatting does not matter. */
  bodies: ReadonlySet<string>;
}

/** Loads and checks a manifest; every problem is reported with the file and its path. */
function loadSafelist(path: string): Safelist {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(MeshErrorCode.CONFIG_INVALID, path, [`cannot read the persisted-query manifest: ${(error as Error).message}`]);
  }
  const result = manifestSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(MeshErrorCode.CONFIG_INVALID, path, describeIssues(result.error.issues, raw));
  const byId = new Map(result.data.operations.map((op) => [op.id, op.body]));
  return { byId, bodies: new Set(result.data.operations.map((op) => normalize(op.body))) };
}

function normalize(body: string): string {
  try {
    return stripIgnoredCharacters(body);
  } catch {
    return body; // does not parse: compared as written (and will fail to parse later)
  }
}

/**
 * Persisted operations: automatic persisted queries (Apollo Server's own APQ over our
 * store) and the safelist. With a manifest, a client may send an operation by its manifest
 * id (`extensions.persistedQuery.sha256Hash`) or in full; either way only operations in
 * the manifest run. `enforce` refuses the rest with OPERATION_NOT_IN_SAFELIST, `log`
 * lets them run and logs them, to see what a safelist would break before turning it on.
 */
export function persistedOperations(
  config: GatewayConfig['persistedOperations'],
  log: (line: string) => void = console.warn,
  /** Replicas' shared state: APQ registrations go there instead of this process's memory. */
  shared?: SharedStateStore,
): { apolloOption: ApolloServerOptions<GatewayContext>['persistedQueries']; plugin?: ApolloServerPlugin<GatewayContext>; store?: PersistedOperationStore } {
  const store = !config.apq ? undefined : shared ? new SharedOperationStore(shared) : new MemoryOperationStore(config.apqMaxEntries);
  if (!config.safelist) return { apolloOption: store ? { cache: store, ttl: null } : false, store };
  const { mode } = config.safelist;
  const safelist = loadSafelist(config.safelist.manifest);
  const plugin: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        // After validation, where Apollo turns a thrown error into a response with its
        // status; APQ registers a new query only after this hook, so a refused one is
        // never stored.
        async didResolveOperation({ source, operationName }) {
          if (safelist.bodies.has(normalize(source))) return;
          const message = `Operation ${operationName ? `"${operationName}" ` : ''}is not in the safelist`;
          if (mode === 'enforce') throw new MeshError(MeshErrorCode.OPERATION_NOT_IN_SAFELIST, message, { endsRequest: true });
          log(`${MeshErrorCode.OPERATION_NOT_IN_SAFELIST} (log mode, not refused): ${message}`);
        },
      };
    },
  };
  return { apolloOption: { cache: new ManifestBackedStore(safelist.byId, store), ttl: null }, plugin, store };
}
