import { isMeshErrorCode, MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';

/** One product's signals in an answer (`extensions.dataProducts`), as far as `meshgate test` reads them. */
export interface AnsweringProduct {
  name: string;
  dataAsOf: string | null;
}

export interface GatewayAnswer {
  data: Record<string, unknown>;
  dataProducts: AnsweringProduct[];
}

/** Options of {@link createGatewayClient}. */
export interface GatewayClientOptions {
  /** The gateway's GraphQL URL. */
  url: string;
  /** A bearer token; without one the tests read as an anonymous consumer. */
  token?: string;
  /** Per request. @default 30_000 */
  timeoutMs?: number;
}

export type GatewayClient = (query: string, variables: Record<string, unknown>, purpose: string) => Promise<GatewayAnswer>;

/**
 * Sends GraphQL to the gateway as any consumer would: HTTP POST, a bearer token, a client
 * name. Every refusal ends the run in one line with a code of our closed set: the gateway's
 * own code where it gave one (`UNAUTHENTICATED`, `FORBIDDEN_FIELD`, …), and
 * `GATEWAY_UNREACHABLE` when no GraphQL answer came back at all. A rule cannot be judged on
 * data the caller was refused, so a partial answer is a refusal too, not a finding.
 */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  guardGatewayUrl(options.url);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'apollographql-client-name': 'meshgate-test' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return async (query, variables, purpose) => {
    let response: Response;
    try {
      response = await fetch(options.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new MeshError(MeshErrorCode.GATEWAY_UNREACHABLE, `the gateway at ${options.url} did not answer (${cause}); start it or pass --gateway <url>`);
    }
    const text = await response.text();
    let body: { data?: Record<string, unknown> | null; errors?: { message?: string; extensions?: { code?: string } }[]; extensions?: { dataProducts?: AnsweringProduct[] } };
    try {
      body = JSON.parse(text);
    } catch {
      throw new MeshError(MeshErrorCode.GATEWAY_UNREACHABLE, `${options.url} answered HTTP ${response.status} without a GraphQL response; is it the gateway's GraphQL URL?`);
    }
    const error = body.errors?.[0];
    if (error) {
      const code = error.extensions?.code;
      const reason = (error.message ?? 'no message').replace(/\s+/g, ' ');
      const hint =
        code === 'UNAUTHENTICATED' ? '; pass a valid token with --token or MESHGATE_TEST_TOKEN' : code === 'FORBIDDEN_FIELD' ? '; use a token whose scopes cover every field the rules read' : '';
      throw new MeshError(isMeshErrorCode(code) ? code : MeshErrorCode.PRODUCT_ERROR, `the gateway refused ${purpose}: ${reason}${hint}`);
    }
    if (!body.data) throw new MeshError(MeshErrorCode.GATEWAY_UNREACHABLE, `${options.url} answered HTTP ${response.status} without data for ${purpose}`);
    return { data: body.data, dataProducts: body.extensions?.dataProducts ?? [] };
  };
}

/**
 * Refuses a gateway URL this client cannot or must not send to. Credentials in it are
 * refused without being repeated: every message here ends up in a terminal, a CI log and a
 * JUnit file, and fetch would not send them anyway (the token has its own option).
 */
function guardGatewayUrl(url: string): void {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed && (parsed.username || parsed.password)) {
    parsed.username = '';
    parsed.password = '';
    throw new MeshError(MeshErrorCode.CONFIG_INVALID, `--gateway must not carry credentials (got ${parsed.href} with a user or password); pass the token with MESHGATE_TEST_TOKEN or --token`);
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol)) throw new MeshError(MeshErrorCode.CONFIG_INVALID, `--gateway must be the gateway's http(s) GraphQL URL (got ${JSON.stringify(url)})`);
}
