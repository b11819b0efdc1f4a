import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import { escapeMarkup } from '../base/escape-markup.ts';
import type { Finding } from '../contracts/finding.ts';
import { httpStatusOf, MeshError, MeshErrorCode } from '../protocol/error-codes.ts';
import { agreementRoutes, type AgreementRoute } from './agreement-routes.ts';
import { assertProductName, type Registry } from './registry.ts';
import type { ApprovalRecord } from './registry-store.ts';
import type { RegistryPrincipal, RegistryTokens } from './registry-tokens.ts';

type Kind = RegistryPrincipal['kind'];
const ANY: readonly Kind[] = ['platform', 'steward', 'product', 'gateway', 'consumer'];

/** A refusal with its code and, for a failed check, the findings. */
class RegistryRefusal extends Error {
  constructor(
    readonly code: MeshErrorCode,
    message: string,
    readonly findings?: Finding[],
    /** For governed changes: the approval request that asks for them. */
    readonly approval?: ApprovalRecord,
  ) {
    super(message);
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const COORDINATE = /^[A-Za-z_]\w*\.[A-Za-z_]\w*$/;

const candidateSchema = z.strictObject({
  product: z.string().min(1).max(100),
  descriptor: z.string().max(1_000_000),
  sdl: z.string().max(1_000_000),
  /** Additive to the agreed API: where gateways reach the product. */
  url: z.url({ protocol: /^https?$/ }).optional(),
});

const decisionSchema = z.strictObject({ reason: z.string().trim().min(1, 'a decision gives its reason').max(2_000) });
const APPROVAL_STATUS = z.enum(['pending', 'decided', 'all']);

const importSchema = z.strictObject({ products: z.array(candidateSchema).max(500) });

const usageSchema = z.strictObject({
  records: z
    .array(
      z.strictObject({
        field: z.string().regex(COORDINATE, 'must be a Type.field coordinate').max(200),
        client: z.string().min(1).max(100),
        day: z.string().regex(DAY, 'must be a YYYY-MM-DD day'),
        count: z.number().int().positive().max(1_000_000_000),
        // The application the gateway read from the caller's verified token; only a gateway token posts here.
        application: z.string().min(1).max(200).optional(),
      }),
    )
    .max(10_000),
});

const usageQuerySchema = z.object({ field: z.string().regex(COORDINATE), since: z.string().regex(DAY), until: z.string().regex(DAY) });

/** A route of the registry's API; `startRegistryServer` takes more of them (`signingKeyRoutes`). */
export type RegistryRoute = Route;

interface Route {
  method: string;
  /** Path segments; `:name` captures one. */
  path: string[];
  who: readonly Kind[];
  handle(request: RouteRequest): Promise<void>;
}

interface RouteRequest {
  params: Record<string, string>;
  principal: RegistryPrincipal;
  body(): Promise<string>;
  json<T>(schema: z.ZodType<T>): Promise<T>;
  incoming: IncomingMessage;
  response: ServerResponse;
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

function sendError(response: ServerResponse, code: MeshErrorCode, message: string, findings?: Finding[], approval?: ApprovalRecord): void {
  sendJson(response, httpStatusOf(code), { error: { code, message, ...(findings ? { findings } : {}), ...(approval ? { approval } : {}) } });
}

/** Reads a body up to `limit` bytes; a longer one is refused as soon as it is known to be. */
function readBody(request: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new RegistryRefusal(MeshErrorCode.BODY_TOO_LARGE, `Request body is over ${limit} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new RegistryRefusal(MeshErrorCode.BODY_TOO_LARGE, `Request body is over ${limit} bytes`));
        request.pause();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function bearer(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** A product token may act on its own product only. */
function assertMayActFor(principal: RegistryPrincipal, product: string): void {
  if (principal.kind === 'product' && principal.product !== product) {
    throw new RegistryRefusal(MeshErrorCode.REGISTRY_FORBIDDEN, `The token of "${principal.product}" may not publish or check "${product.slice(0, 64)}"`);
  }
}

/** An agreements route (`agreementRoutes`) as a route of this server. */
function served(route: AgreementRoute): Route {
  return {
    method: route.method,
    path: route.path,
    who: route.who,
    async handle({ params, principal, json, incoming, response }) {
      const query = new URL(incoming.url ?? '/', 'http://registry').searchParams;
      const ifNoneMatch = typeof incoming.headers['if-none-match'] === 'string' ? incoming.headers['if-none-match'] : undefined;
      const answer = await route.handle({ params, principal, json, query, ifNoneMatch });
      if (answer.body === undefined) {
        response.writeHead(answer.status, answer.headers);
        response.end();
      } else sendJson(response, answer.status, answer.body, answer.headers);
    },
  };
}

function registryRoutes(registry: Registry): Route[] {
  return [
    ...agreementRoutes(registry.agreements).map(served),
    {
      method: 'GET',
      path: ['v1', 'supergraph'],
      who: ['gateway', 'platform'],
      async handle({ incoming, response }) {
        const current = await registry.supergraph();
        if (!current) throw new RegistryRefusal(MeshErrorCode.SUPERGRAPH_NOT_LOADED, 'Nothing is served yet: no product has been published');
        const etag = `"${current.build}-${current.hash.slice(0, 16)}"`;
        const headers = { etag, 'x-meshgate-build': String(current.build), 'cache-control': 'no-cache' };
        if (incoming.headers['if-none-match'] === etag) {
          response.writeHead(304, headers);
          response.end();
          return;
        }
        response.writeHead(200, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(current.sdl) });
        response.end(current.sdl);
      },
    },
    {
      method: 'GET',
      path: ['v1', 'mesh'],
      who: ANY,
      async handle({ response }) {
        const mesh = await registry.mesh();
        sendJson(response, 200, {
          build: mesh.build?.number ?? null,
          products: mesh.products.map((p) => ({
            name: p.product,
            version: p.version,
            descriptor: p.descriptor,
            sdl: p.sdl,
            url: p.url ?? null,
            publishedBy: p.publishedBy,
            publishedAt: p.publishedAt,
          })),
          governance: mesh.governance,
        });
      },
    },
    {
      method: 'GET',
      path: ['v1', 'products', ':name', 'baseline'],
      who: ANY,
      async handle({ params, response }) {
        assertProductName(params.name!);
        const baseline = await registry.baseline(params.name!);
        sendJson(response, 200, { name: baseline.product, version: baseline.version, descriptor: baseline.descriptor, sdl: baseline.sdl });
      },
    },
    {
      // Additive: every version of one product ever published, oldest first, with who published it and the check that let it in.
      method: 'GET',
      path: ['v1', 'products', ':name', 'versions'],
      who: ANY,
      async handle({ params, response }) {
        assertProductName(params.name!);
        const history = await registry.store.productHistory(params.name!);
        sendJson(
          response,
          200,
          history.map((v) => ({ version: v.version, publishedBy: v.publishedBy, publishedAt: v.publishedAt, url: v.url ?? null, checkId: v.checkId })),
        );
      },
    },
    {
      // Additive: the check history of one product, newest last.
      method: 'GET',
      path: ['v1', 'products', ':name', 'checks'],
      who: ANY,
      async handle({ params, response }) {
        assertProductName(params.name!);
        sendJson(response, 200, await registry.store.checks(params.name!));
      },
    },
    {
      method: 'POST',
      path: ['v1', 'check'],
      who: ['product', 'platform'],
      async handle({ json, principal, response }) {
        const candidate = await json(candidateSchema);
        assertMayActFor(principal, candidate.product);
        sendJson(response, 200, await registry.check(candidate, principal.name));
      },
    },
    {
      method: 'POST',
      path: ['v1', 'products', ':name', 'versions'],
      who: ['product', 'platform'],
      async handle({ params, json, principal, response }) {
        assertProductName(params.name!);
        assertMayActFor(principal, params.name!);
        const candidate = await json(candidateSchema);
        if (candidate.product !== params.name) throw new RegistryRefusal(MeshErrorCode.BAD_REQUEST, `The body's product "${candidate.product.slice(0, 64)}" differs from the path's "${params.name}"`);
        const outcome = await registry.publish(candidate, principal.name);
        if (!outcome.ok && outcome.approval) {
          const { id, status } = outcome.approval;
          throw new RegistryRefusal(
            outcome.code!,
            `${candidate.product} makes governed changes without an approval; nothing was published. Approval request ${id} is ${status}`,
            outcome.findings,
            outcome.approval,
          );
        }
        if (!outcome.ok) throw new RegistryRefusal(MeshErrorCode.PUBLISH_REFUSED, `${candidate.product} fails meshgate check; nothing was published`, outcome.findings);
        // The same version again, with the same content: the first publish's answer, nothing new made.
        sendJson(response, outcome.unchanged ? 200 : 201, { build: outcome.build, version: outcome.version, ...(outcome.unchanged ? { unchanged: true } : {}) });
      },
    },
    {
      // Additive: seeds an empty registry with a one-repository mesh's published baselines (build 1).
      method: 'POST',
      path: ['v1', 'import'],
      who: ['platform'],
      async handle({ json, principal, response }) {
        const { products } = await json(importSchema);
        const outcome = await registry.importMesh(products, principal.name);
        if (!outcome.ok) throw new RegistryRefusal(MeshErrorCode.PUBLISH_REFUSED, 'The mesh fails meshgate check; nothing was imported', outcome.findings);
        sendJson(response, 201, { build: outcome.build, products: products.length });
      },
    },
    {
      // Governed changes, pending and decided, each with who asked and who decided, when and why.
      method: 'GET',
      path: ['v1', 'approvals'],
      who: ['platform', 'steward', 'product'],
      async handle({ incoming, response }) {
        const status = APPROVAL_STATUS.parse(new URL(incoming.url ?? '/', 'http://registry').searchParams.get('status') ?? 'all', { error: () => 'status must be pending, decided or all' });
        const all = await registry.approvals();
        sendJson(
          response,
          200,
          all.filter((a) => status === 'all' || (status === 'pending') === (a.status === 'pending')),
        );
      },
    },
    ...(['approve', 'reject'] as const).map(
      (verb): Route => ({
        method: 'POST',
        path: ['v1', 'approvals', ':id', verb],
        // A product token may consent to a takeover of what it owns; `decideApproval` decides the rest.
        who: ['platform', 'steward', 'product'],
        async handle({ params, json, principal, response }) {
          if (!/^\d{1,9}$/.test(params.id!)) throw new RegistryRefusal(MeshErrorCode.APPROVAL_UNKNOWN, `There is no approval request ${JSON.stringify(params.id!.slice(0, 20))}`);
          const { reason } = await json(decisionSchema);
          sendJson(response, 200, await registry.decide(Number(params.id), principal, verb === 'approve' ? 'approved' : 'rejected', reason));
        },
      }),
    ),
    {
      method: 'GET',
      path: ['v1', 'builds'],
      who: ANY,
      async handle({ response }) {
        const builds = await registry.store.builds();
        const current = builds.at(-1)?.number;
        sendJson(
          response,
          200,
          builds.map((b) => ({ build: b.number, createdAt: b.createdAt, reason: b.reason, current: b.number === current })),
        );
      },
    },
    {
      method: 'POST',
      path: ['v1', 'builds', ':n', 'rollback'],
      who: ['platform'],
      async handle({ params, response }) {
        if (!/^\d{1,9}$/.test(params.n!)) throw new RegistryRefusal(MeshErrorCode.BUILD_UNKNOWN, `There is no build ${JSON.stringify(params.n!.slice(0, 20))}`);
        const build = await registry.rollback(Number(params.n));
        sendJson(response, 201, { build, rolledBackTo: Number(params.n) });
      },
    },
    {
      method: 'PUT',
      path: ['v1', 'governance'],
      who: ['platform'],
      async handle({ body, principal, response }) {
        const outcome = await registry.setGovernance(await body(), principal.name);
        if (!outcome.ok) throw new RegistryRefusal(MeshErrorCode.PUBLISH_REFUSED, 'The mesh would fail under this governance; nothing was changed', outcome.findings);
        sendJson(response, 200, { build: outcome.build ?? null });
      },
    },
    {
      method: 'POST',
      path: ['v1', 'usage'],
      who: ['gateway'],
      async handle({ json, response }) {
        const { records } = await json(usageSchema);
        await registry.recordUsage(records.map((r) => ({ day: r.day, client: r.client, coordinate: r.field, count: r.count, ...(r.application ? { application: r.application } : {}) })));
        sendJson(response, 202, { accepted: records.length });
      },
    },
    {
      // Additive: who used a field between two days, so a gateway's catalog sees every replica's usage.
      method: 'GET',
      path: ['v1', 'usage'],
      who: ['gateway', 'platform'],
      async handle({ incoming, response }) {
        const query = new URL(incoming.url ?? '/', 'http://registry').searchParams;
        const { field, since, until } = usageQuerySchema.parse(Object.fromEntries(query), { error: () => 'expected field=Type.field&since=YYYY-MM-DD&until=YYYY-MM-DD' });
        sendJson(response, 200, await registry.store.usage(field, since, until));
      },
    },
  ];
}

function match(route: Route, segments: readonly string[]): Record<string, string> | undefined {
  if (route.path.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of route.path.entries()) {
    if (part.startsWith(':')) params[part.slice(1)] = segments[index]!;
    else if (part !== segments[index]) return undefined;
  }
  return params;
}

/** A GET for a read-only page of the registry, by an identified caller. */
export interface RegistryPageRequest {
  path: string;
  query: URLSearchParams;
  principal: RegistryPrincipal;
}

/**
 * Renders the registry's read-only pages; undefined for a path it has no page for. Injected
 * by whoever starts the server: the pages reuse the gateway's catalog, which schema/ may not import.
 */
export type RegistryPages = (request: RegistryPageRequest) => Promise<{ status: number; html: string } | undefined>;

/**
 * Headers of every page: a page is rendered from what publishers sent, so no script runs on it
 * even if an escape were missed, and a token-protected page is never cached or framed.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function sendPage(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(html) });
  response.end(html);
}

/** A refusal on a page: a person is reading, but the code is the same one the API gives. */
function sendErrorPage(response: ServerResponse, code: MeshErrorCode, message: string): void {
  const status = httpStatusOf(code);
  sendPage(
    response,
    status,
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${status} ${code} · meshgate registry</title></head>\n<body><h1>${status} <code class="error-code">${code}</code></h1><p>${escapeMarkup(message)}</p></body></html>`,
  );
}

export interface RegistryServerOptions {
  registry: Registry;
  tokens: RegistryTokens;
  /** @default 0 (a free port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** @default 1048576 */
  maxBodyBytes?: number;
  log?: (line: string) => void;
  /**
   * Read-only HTML pages served for GETs outside `/v1/`, behind the same token as the API
   * (`Authorization: Bearer`, any kind). Without it the registry serves only its API.
   */
  pages?: RegistryPages;
  /** Routes served beside the registry's own, behind the same token check (the signing-key hand-out). */
  routes?: RegistryRoute[];
}

export interface RunningRegistry {
  url: string;
  close(): Promise<void>;
}

/**
 * The registry over HTTP. Nothing is anonymous but the health probe: the token is checked
 * before the route, so a caller without one learns nothing, not even which paths exist.
 */
const HEALTH_PATHS = new Set(['/health', '/healthz']);

export async function startRegistryServer(options: RegistryServerOptions): Promise<RunningRegistry> {
  const routes = [...registryRoutes(options.registry), ...(options.routes ?? [])];
  const limit = options.maxBodyBytes ?? 1_048_576;
  const log = options.log ?? ((line: string) => console.error(line));
  const isPagePath = (path: string) => options.pages !== undefined && !path.startsWith('/v1/');

  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    const path = (incoming.url ?? '/').split('?')[0]!;
    // A load balancer probes without a token. `/health` as on the gateway and every product; `/healthz` for probes set up before it.
    if (HEALTH_PATHS.has(path) && incoming.method === 'GET') return sendJson(response, 200, { status: 'ok' });
    const token = bearer(incoming);
    const principal = token === undefined ? undefined : options.tokens.identify(token);
    if (!principal) throw new RegistryRefusal(MeshErrorCode.UNAUTHENTICATED, token === undefined ? 'A registry token is required: Authorization: Bearer <token>' : 'The registry token is not known');
    if (options.pages && isPagePath(path) && incoming.method === 'GET') {
      const page = await options.pages({ path, query: new URL(incoming.url ?? '/', 'http://registry').searchParams, principal });
      if (page) return sendPage(response, page.status, page.html);
    }
    let segments: string[];
    try {
      segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new RegistryRefusal(MeshErrorCode.BAD_REQUEST, 'The path is not valid percent-encoding');
    }
    const matching = routes.flatMap((route) => {
      const params = match(route, segments);
      return params ? [{ route, params }] : [];
    });
    if (matching.length === 0) throw new RegistryRefusal(MeshErrorCode.NOT_FOUND, 'No such registry route');
    const found = matching.find((candidate) => candidate.route.method === incoming.method);
    if (!found) throw new RegistryRefusal(MeshErrorCode.METHOD_NOT_ALLOWED, `Use ${matching.map((m) => m.route.method).join(' or ')}`);
    if (!found.route.who.includes(principal.kind)) throw new RegistryRefusal(MeshErrorCode.REGISTRY_FORBIDDEN, `A ${principal.kind} token may not ${incoming.method} ${path}`);
    const body = () => readBody(incoming, limit);
    await found.route.handle({
      params: found.params,
      principal,
      incoming,
      response,
      body,
      async json(schema) {
        let raw: unknown;
        try {
          raw = JSON.parse(await body());
        } catch (error) {
          if (error instanceof RegistryRefusal) throw error;
          throw new RegistryRefusal(MeshErrorCode.BAD_REQUEST, 'The body is not valid JSON');
        }
        const result = schema.safeParse(raw);
        if (!result.success)
          throw new RegistryRefusal(MeshErrorCode.BAD_REQUEST, `The body is not as expected: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
        return result.data;
      },
    });
  };

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      if (response.headersSent) return void response.destroy();
      const refuse = isPagePath((incoming.url ?? '/').split('?')[0]!)
        ? (code: MeshErrorCode, message: string) => sendErrorPage(response, code, message)
        : (code: MeshErrorCode, message: string, findings?: Finding[], approval?: ApprovalRecord) => sendError(response, code, message, findings, approval);
      if (error instanceof RegistryRefusal) {
        // A refused body may still be arriving: answer, then close rather than read it all.
        if (error.code === MeshErrorCode.BODY_TOO_LARGE) response.setHeader('connection', 'close');
        if (error.code === MeshErrorCode.UNAUTHENTICATED) response.setHeader('www-authenticate', 'Bearer realm="meshgate-registry"');
        return refuse(error.code, error.message, error.findings, error.approval);
      }
      if (error instanceof MeshError) return refuse(error.code, error.message);
      if (error instanceof z.ZodError) return refuse(MeshErrorCode.BAD_REQUEST, error.issues.map((i) => i.message).join('; '));
      // Anything else is ours to fix, and its message may name internals: log it, say little.
      log(`registry: unexpected error on ${incoming.method} ${incoming.url}: ${(error as Error).stack ?? String(error)}`);
      refuse(MeshErrorCode.INTERNAL_SERVER_ERROR, 'Unexpected error.');
    });
  });
  // A client that trickles its headers or body must not hold a connection for minutes.
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
