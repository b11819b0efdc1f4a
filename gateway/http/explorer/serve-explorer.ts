import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { MeshErrorCode } from '../../../schema/protocol/error-codes.ts';
import { writeError } from '../../../schema/protocol/apollo-http.ts';
import { DEV_ISSUER, mintDevToken } from '../../access/dev-identity.ts';
import type { GatewayConfig } from '../../config.ts';
import { escapeMarkup as e } from '../../../schema/base/escape-markup.ts';
import { ensureExplorerBuilt, EXPLORER_BUNDLE_DIR, EXPLORER_FILES, explorerBuilt } from './build-explorer.ts';

const ASSET_PREFIX = '/explorer/';

const CONTENT_TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * Everything the page may load comes from this origin; fonts and icons are inlined. Monaco
 * sets styles at run time, hence inline styles. A browser then refuses any request to
 * another host, so the explorer cannot silently depend on one.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "worker-src 'self'",
  "connect-src 'self'",
].join('; ');

/** Why the last build failed, shown on the page until a build succeeds. */
let lastFailure: string | undefined;

/**
 * Starts building the explorer in the background unless it is built: `npm start` calls it
 * once the gateway answers, and every explorer request while there is no bundle. Never throws.
 */
export function prepareExplorer(log: (line: string) => void = () => {}): void {
  if (explorerBuilt()) return;
  const started = Date.now();
  ensureExplorerBuilt().then(
    () => {
      lastFailure = undefined;
      log(`GraphiQL explorer built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
    (error: unknown) => {
      lastFailure = error instanceof Error ? error.message : String(error);
      log(`GraphiQL explorer not built: ${lastFailure}`);
    },
  );
}

/**
 * What `/` answers until the bundle exists (the first run installs and bundles GraphiQL in
 * the background, some seconds): a page that says so and reloads itself, 503 with
 * Retry-After for anything that is not a person.
 */
function writeNotReady(res: ServerResponse, head: boolean): void {
  const why = lastFailure
    ? `<p>The last build failed: ${e(lastFailure)}</p><p>Trying again on this reload.</p>`
    : '<p>First run: GraphiQL is being installed and bundled in the background. This page reloads itself in a few seconds.</p>';
  const page = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>GraphiQL · building</title></head>
<body style="font: 15px/1.5 system-ui, sans-serif; margin: 3em auto; max-width: 40em; color: #374151">
<h1 style="font-size: 1.3em">GraphiQL is building, reload in a few seconds</h1>${why}
<p>The gateway already answers at <code>/graphql</code>; the <a href="catalog">data product catalog</a> is ready too.</p>
</body></html>`;
  res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'retry-after': '3', 'cache-control': 'no-store', 'content-security-policy': CONTENT_SECURITY_POLICY });
  res.end(head ? undefined : page);
}

/** Whether a request is the explorer's: its page (asked for as HTML, so GraphQL GETs to `/` still reach Apollo) or an asset. */
export function isExplorerRequest(req: IncomingMessage, path: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (path.startsWith(ASSET_PREFIX)) return true;
  if (path === '/explorer') return true;
  return path === '/' && (req.headers.accept ?? '').includes('text/html') && !new URL(req.url ?? '/', 'http://localhost').searchParams.has('query');
}

/** The headers the editor starts with: a development token when the gateway trusts the development identity. */
async function defaultHeaders(config: GatewayConfig): Promise<string | undefined> {
  if (config.mode !== 'development' || config.auth.issuer !== DEV_ISSUER) return undefined;
  return JSON.stringify({ Authorization: `Bearer ${await mintDevToken()}` }, null, 2);
}

const DEFAULT_QUERY = `# GraphiQL, served by this gateway: it works without internet.
# Ctrl-Enter runs the query; the book icon opens the schema documentation.
{
  __typename
}
`;

function renderPage(config: GatewayConfig, headers: string | undefined): string {
  const settings = JSON.stringify({ endpoint: 'graphql', defaultQuery: DEFAULT_QUERY, defaultHeaders: headers }).replace(/</g, '\\u003c');
  const sandbox = config.sandbox ? `<a href="sandbox">Apollo Sandbox</a> (loads from Apollo's servers: needs internet)` : 'Apollo Sandbox is off on this gateway';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL · meshgate</title>
<link rel="stylesheet" href="explorer/explorer.css">
<style>
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font: 13px/1.4 system-ui, sans-serif; }
#explorer-banner { padding: 6px 14px; background: #f3f4f6; border-bottom: 1px solid #e5e7eb; color: #374151; }
#explorer-banner code { font-size: 12px; }
#graphiql { flex: 1; min-height: 0; }
</style></head>
<body>
<div id="explorer-banner"><strong>GraphiQL</strong>, served by this gateway: works offline. · ${sandbox} · <a href="catalog">Data product catalog</a> ·
Preview fields: add <code>"${e(config.preview.header)}": "true"</code> in Headers and reload the schema.${headers ? ' · The Headers tab holds a development token.' : ''}</div>
<div id="graphiql">Loading GraphiQL…</div>
<script id="explorer-config" type="application/json">${settings}</script>
<script src="explorer/explorer.js"></script>
</body></html>`;
}

/**
 * Serves the GraphiQL explorer from the gateway's own origin: the page at `/` and
 * `/explorer`, its bundle under `/explorer/`. Call it for requests {@link isExplorerRequest} accepts.
 */
export async function serveExplorer(req: IncomingMessage, res: ServerResponse, path: string, config: GatewayConfig): Promise<void> {
  if (!explorerBuilt()) {
    prepareExplorer();
    writeNotReady(res, req.method === 'HEAD');
    return;
  }
  if (path.startsWith(ASSET_PREFIX)) {
    const file = path.slice(ASSET_PREFIX.length);
    // A closed list of names: no path from the request ever reaches the file system.
    if (!(EXPLORER_FILES as readonly string[]).includes(file)) {
      writeError(res, MeshErrorCode.NOT_FOUND, `No explorer asset ${file}`);
      return;
    }
    const body = await readFile(join(EXPLORER_BUNDLE_DIR, file));
    res.writeHead(200, { 'content-type': CONTENT_TYPES[file.slice(file.lastIndexOf('.'))]!, 'cache-control': 'no-cache', 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  // Relative links: from `/` and from `/explorer` alike they resolve against `/`.
  const page = renderPage(config, await defaultHeaders(config));
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CONTENT_SECURITY_POLICY, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : page);
}
