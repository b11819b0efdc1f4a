import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ExecutionSharing } from '../../../gateway/execution/execution-sharing.ts';
import type { GatewayContext } from '../../../gateway/gateway-context.ts';

/** The text of a shared answer must be exactly what JSON.stringify would have written, whoever asks. */
describe('shared answer text', () => {
  it("equals JSON.stringify of each caller's own result, as its errors and extensions change", async () => {
    const sharing = new ExecutionSharing();
    const data = { users: [{ id: '1', name: 'Zoë ✓', reviews: [{ body: 'a "quoted" body\n' }] }] };
    let release: () => void = () => {};
    const executor = sharing.wrap(async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return { data };
    });
    const document = parse('{ users { id } }');
    const schema = {};
    const request = () =>
      executor({
        schema,
        queryHash: 'q',
        operationName: null,
        operation: document.definitions[0],
        request: { variables: {} },
        context: {
          requestId: 'r0',
          headers: {},
          principal: { authenticated: false, subject: null, scopes: new Set(), client: { name: null, version: null } },
          answeredBy: new Map(),
        } satisfies GatewayContext,
      } as never);
    const answers = [request(), request()];
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    const [leader, joiner] = await Promise.all(answers);
    expect(joiner!.data).toBe(leader!.data); // shared, hence serialized by the shared path
    const results = [
      { data: joiner!.data, extensions: { dataProducts: [{ name: 'accounts' }] } },
      { data: joiner!.data, extensions: { dataProducts: [{ name: 'accounts' }] } },
      { data: joiner!.data, extensions: { cost: { estimated: 3 } } },
      { errors: [{ message: 'partly', extensions: { code: 'PRODUCT_ERROR', requestId: 'r1' } }], data: joiner!.data, extensions: { cost: 1 } },
      { errors: [{ message: 'partly', extensions: { code: 'PRODUCT_ERROR', requestId: 'r2' } }], data: joiner!.data },
      { data: joiner!.data },
    ];
    for (const result of results) expect(sharing.stringifyResult(result)).toBe(JSON.stringify(result));
  });
});
