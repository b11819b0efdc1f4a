// The explorer's browser code, bundled by build-explorer.ts with esbuild into one script,
// one stylesheet and monaco's three workers, all served from the gateway's own origin.
// Plain JavaScript with createElement: it runs in the browser, outside the Node type-check.
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';

// The workers load from the folder this script came from, never from a CDN: a gateway
// behind a company proxy has no other host to reach.
const assetBase = new URL('.', document.currentScript.src);
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const file = label === 'graphql' ? 'graphql.worker.js' : label === 'json' ? 'json.worker.js' : 'editor.worker.js';
    return new Worker(new URL(file, assetBase));
  },
};

const config = JSON.parse(document.getElementById('explorer-config').textContent);
const endpoint = new URL(config.endpoint, location.href).href;

async function fetcher(params, options) {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(options?.headers ?? {}) },
    body: JSON.stringify(params),
  });
  return response.json();
}

const search = new URLSearchParams(location.search);
createRoot(document.getElementById('graphiql')).render(
  createElement(GraphiQL, {
    fetcher,
    initialQuery: search.get('query') ?? undefined,
    initialVariables: search.get('variables') ?? undefined,
    defaultQuery: config.defaultQuery,
    // The development token is written into the headers editor; a saved set of headers
    // from an earlier visit wins, so a developer's own edits survive a reload.
    initialHeaders: search.get('headers') ?? undefined,
    defaultHeaders: config.defaultHeaders,
    defaultEditorToolsVisibility: config.defaultHeaders ? 'headers' : undefined,
    shouldPersistHeaders: true,
  }),
);
