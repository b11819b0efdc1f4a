import type { ProcessOptions } from './fetch-layer.ts';

/** How many distinct queries one product's data source keeps serialized before starting over. */
const MAX_KEPT_QUERIES = 1000;

/**
 * Request bodies for one product: `JSON.stringify` of the request without its `http` part,
 * key for key as Apollo's own data source sends it, except that the query, the same text on
 * every fetch of a plan's node, is escaped once and kept: only the variables
 * (representations, mostly) are serialized per fetch.
 */
export class RequestBodies {
  private readonly queries = new Map<string, string>();

  serialize(request: ProcessOptions['request']): string {
    let body = '';
    for (const name of Object.keys(request)) {
      if (name === 'http') continue;
      const value = name === 'query' ? this.queryJson(request.query!) : JSON.stringify(request[name as keyof typeof request]);
      if (value === undefined) continue;
      body += `${body ? ',' : '{'}${JSON.stringify(name)}:${value}`;
    }
    return body ? `${body}}` : '{}';
  }

  private queryJson(query: string): string {
    let json = this.queries.get(query);
    if (json === undefined) {
      // Bounded: a gateway under invented operations must not keep every one it saw.
      if (this.queries.size >= MAX_KEPT_QUERIES) this.queries.clear();
      json = JSON.stringify(query);
      this.queries.set(query, json);
    }
    return json;
  }
}
