import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';

/** A subgraph a benchmark serves: its federation SDL and the resolvers that answer it. */
export interface BenchSubgraph {
  name: string;
  sdl: string;
  resolvers: GraphQLResolverMap<unknown>;
}

export interface RunningSubgraph {
  name: string;
  url: string;
  /** Requests served, for verifying how many fetches a gateway makes per query. */
  readonly requests: number;
  /** Of them, `_entities` fetches. */
  readonly entityRequests: number;
}

/**
 * Answers kept per subgraph. Requests with no two alike would otherwise grow the memo for as
 * long as a run lasts, and the products' process would be measuring its own heap.
 */
const MEMO_LIMIT = 10_000;

/**
 * Serves a subgraph over plain node:http, memoizing each response by request body, and each
 * query's parsed and validated document by its text (a body seen once still skips both): the
 * benchmark measures the gateway, so a subgraph must cost next to nothing once warm.
 */
export async function serveSubgraph(subgraph: BenchSubgraph, port = 0): Promise<RunningSubgraph & { server: Server }> {
  const schema: GraphQLSchema = buildSubgraphSchema({ typeDefs: parse(subgraph.sdl), resolvers: subgraph.resolvers });
  const memo = new Map<string, string>();
  // Bounded by the gateway's query shapes, not by requests: no limit needed.
  const documents = new Map<string, DocumentNode>();
  const answer = async ({ query, variables, operationName }: { query: string; variables?: Record<string, unknown>; operationName?: string }) => {
    let document = documents.get(query);
    if (!document) {
      const parsed = parse(query);
      const errors = validate(schema, parsed);
      if (errors.length > 0) return { errors };
      document = parsed;
      documents.set(query, document);
    }
    return execute({ schema, document, variableValues: variables, operationName });
  };
  const running = { name: subgraph.name, url: '', requests: 0, entityRequests: 0, server: createServer() };
  running.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      running.requests++;
      const body = Buffer.concat(chunks).toString('utf8');
      if (body.includes('_entities')) running.entityRequests++;
      let text = memo.get(body);
      if (text === undefined) {
        text = JSON.stringify(await answer(JSON.parse(body)));
        if (memo.size >= MEMO_LIMIT) memo.clear();
        memo.set(body, text);
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  running.server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => running.server.listen(port, '127.0.0.1', resolve));
  running.url = `http://127.0.0.1:${(running.server.address() as AddressInfo).port}/graphql`;
  return running;
}
