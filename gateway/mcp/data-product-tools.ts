import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { errorBody, thrownError } from '../../schema/protocol/apollo-http.ts';
import { httpStatusOf, MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { Catalog, CatalogField, CatalogProduct } from '../catalog/catalog-data.ts';
import type { GraphQLPipeline } from '../http/graphql-route.ts';
import type { CallerSchema } from '../access/caller-view.ts';

/**
 * The tools `/mcp` offers and the arguments each takes. `answerMcpMessage` refuses a call to any
 * other tool, or with other arguments, with our code before the SDK sees it (the SDK would
 * answer both as a failed tool call without one).
 */
export const DATA_PRODUCT_TOOLS = {
  list_data_products: {},
  describe_data_product: { product: z.string().min(1).describe('The product name, as list_data_products gives it') },
  run_graphql_query: {
    query: z.string().min(1).describe('The GraphQL document'),
    variables: z.record(z.string(), z.unknown()).optional().describe('Values of its variables'),
    operationName: z.string().min(1).optional().describe('Which operation of the document to run, when it holds several'),
  },
} as const satisfies Record<string, z.ZodRawShape>;

/** The one caller an MCP request is made for: every tool answers as this caller. */
export interface ToolCaller {
  /** The MCP request's headers: its token, preview opt-in and client name go to `/graphql`'s pipeline as they came. */
  headers: Record<string, string>;
  schema: CallerSchema;
  /** The MCP request's id: the tool call's query carries it, so the gateway's and the products' logs find it. */
  requestId: string;
}

export interface DataProductToolsOptions {
  /** The catalog the gateway serves at `/catalog`, built from the same cache. */
  catalog: () => Promise<Catalog>;
  /** The product's data watermark as it reports it now (`GET /watermark`), if it answers. */
  liveDataAsOf: (product: string) => Promise<string | undefined>;
  pipeline: GraphQLPipeline;
  /** Counts a refusal the pipeline threw before Apollo (as the router does for `/graphql`). */
  onRejection: (code: MeshErrorCode) => void;
  /** Logs an unexpected error; the agent gets it masked. */
  onUnexpected: (error: unknown) => void;
  /**
   * Whether the gateway publishes its schema to callers (`introspection` or the catalog on).
   * Off, `describe_data_product` is refused as `/graphql` refuses `__schema`: an operator who
   * keeps the schema from clients keeps it from agents too.
   */
  schemaPublished: boolean;
}

/**
 * Registers the three tools on `server` for one caller:
 * - `list_data_products`: every served product with its descriptor;
 * - `describe_data_product`: one product's fields as the caller's API schema has them
 *   (classification, scopes, whether this caller may read each), example queries, freshness;
 * - `run_graphql_query`: a query through `/graphql`'s pipeline with the caller's headers.
 *
 * Descriptions come from the catalog's data, filtered by {@link CallerSchema}: a field the
 * caller's `/graphql` would not admit exists (hidden, or preview without the opt-in) is not
 * named, nor one under access agreement that the caller's application holds none for. Errors are GraphQL-shaped (`errors[].extensions.code`), as on `/graphql`.
 */
export function registerDataProductTools(server: McpServer, caller: ToolCaller, options: DataProductToolsOptions): void {
  const answer = async (work: () => Promise<CallToolResult>): Promise<CallToolResult> => {
    try {
      return await work();
    } catch (error) {
      const { code, message } = thrownError(error);
      if (code === MeshErrorCode.INTERNAL_SERVER_ERROR) options.onUnexpected(error);
      else options.onRejection(code);
      return toolResult(errorBody(code, message), true, { 'meshgate/httpStatus': httpStatusOf(code) });
    }
  };

  server.registerTool(
    'list_data_products',
    {
      title: 'List data products',
      description:
        'Every data product this gateway serves, with its descriptor: domain, owning team, version, lifecycle status, SLA (freshness and availability), current freshness, and the products it is derived from (input ports).',
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () => answer(async () => toolResult({ products: await Promise.all(servedProducts(await options.catalog()).map(async (p) => descriptorOf(await withLiveFreshness(p, options)))) })),
  );

  server.registerTool(
    'describe_data_product',
    {
      title: 'Describe a data product',
      description:
        "One data product's published fields by type, as your token sees the schema: type, description, classification, the scopes it needs and whether you may read it; example queries to start from; and its freshness against its SLA.",
      inputSchema: DATA_PRODUCT_TOOLS.describe_data_product,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ product }) =>
      answer(async () => {
        if (!options.schemaPublished)
          throw new MeshError(MeshErrorCode.INTROSPECTION_DISABLED, 'This gateway publishes no schema (introspection and the catalog are off); list_data_products and run_graphql_query still answer');
        const found = servedProducts(await options.catalog()).find((p) => p.name === product);
        if (!found) throw new MeshError(MeshErrorCode.NOT_FOUND, `No data product named ${JSON.stringify(product)} is served here; list_data_products names them`);
        return toolResult(await describeProduct(await withLiveFreshness(found, options), caller.schema));
      }),
  );

  server.registerTool(
    'run_graphql_query',
    {
      title: 'Run a GraphQL query',
      description:
        'Runs a GraphQL operation on the data mesh, exactly as POST /graphql would with your token: the same access rules (refused fields come back null with FORBIDDEN_FIELD errors), limits, cost and masking. The result is the GraphQL response: data, errors, and extensions.dataProducts (each product that answered, its version and data watermark).',
      inputSchema: DATA_PRODUCT_TOOLS.run_graphql_query,
      annotations: { openWorldHint: false },
    },
    (args) => answer(() => runQuery(args, caller, options)),
  );
}

/** Products the served supergraph routes to: one the gateway does not serve cannot be queried here. */
function servedProducts(catalog: Catalog): CatalogProduct[] {
  return catalog.products.filter((product) => product.served);
}

/**
 * The product with its freshness as of now: the catalog knows a watermark only once a query
 * has reached the product, and an agent deciding whether to trust the data should not get
 * "unknown" for a product nobody asked yet. Probes are shared and at most one a second per
 * product (see `WatermarkTracker`); a product that does not answer keeps the catalog's.
 */
async function withLiveFreshness(product: CatalogProduct, options: DataProductToolsOptions): Promise<CatalogProduct> {
  const dataAsOf = await options.liveDataAsOf(product.name);
  if (!dataAsOf) return product;
  const { freshnessOf } = await import('../catalog/catalog-data.ts');
  return { ...product, freshness: freshnessOf(product.sla.freshness, dataAsOf, new Date()) };
}

function descriptorOf(product: CatalogProduct) {
  return {
    name: product.name,
    title: product.title,
    domain: product.domain,
    owner: product.owner,
    version: product.version,
    status: product.status,
    purpose: product.purpose,
    sla: product.sla,
    freshness: product.freshness,
    inputPorts: product.inputs,
    derived: product.derived,
  };
}

async function describeProduct(product: CatalogProduct, schema: CallerSchema) {
  // Loaded with the catalog's build, never before: see `CatalogCache`.
  const { isConnectionPlumbing } = await import('../catalog/catalog-data.ts');
  const typeDescriptions = new Map(product.types.map((type) => [type.name, type.description]));
  const types = new Map<string, ReturnType<typeof fieldOf>[]>();
  // Preview fields are in the list too: `schema.has` keeps them only for a caller who opted in.
  for (const field of [...product.fields, ...product.previewFields]) {
    const typeName = field.coordinate.slice(0, field.coordinate.indexOf('.'));
    // A field under agreement is named only to an application that holds one: an agent is told what it may read.
    if (isConnectionPlumbing(typeName) || !schema.has(field.coordinate) || schema.awaitsAgreement(field.coordinate)) continue;
    types.set(typeName, [...(types.get(typeName) ?? []), fieldOf(field, schema)]);
  }
  return {
    ...descriptorOf(product),
    limitations: product.limitations,
    usage: product.usage,
    types: [...types].map(([name, fields]) => ({ name, description: typeDescriptions.get(name) ?? null, fields })),
    examples: product.examples,
  };
}

function fieldOf(field: CatalogField, schema: CallerSchema) {
  const refusal = schema.refusal(field.coordinate);
  return {
    name: field.coordinate.slice(field.coordinate.indexOf('.') + 1),
    type: field.type,
    description: field.description,
    classification: field.classification,
    scopes: field.scopes,
    preview: field.preview,
    // Which clients still use a deprecated field is the operators' business, not an agent's.
    deprecation: field.deprecation ? { reason: field.deprecation.reason, sunset: field.deprecation.sunset } : null,
    readable: refusal === null,
    refusal,
  };
}

/**
 * The query goes through `/graphql`'s pipeline with the MCP request's own headers, so
 * authentication, access, preview opt-in, limits, cost, masking, usage and metrics are
 * those of `/graphql` by construction. The answer is the body `/graphql` would have sent;
 * `isError` is set when it carries no data at all (the call failed as a whole), and the
 * HTTP status and deprecation signals (headers on `/graphql`) go in `_meta`.
 */
async function runQuery(args: { query: string; variables?: Record<string, unknown>; operationName?: string }, caller: ToolCaller, options: DataProductToolsOptions): Promise<CallToolResult> {
  const { 'content-length': _length, ...headers } = caller.headers;
  // JSON in, JSON out: the MCP request's `Accept` lists text/event-stream, which is not a GraphQL response type.
  const request = { method: 'POST', url: '/graphql', headers: { ...headers, 'content-type': 'application/json', accept: 'application/json' }, requestId: caller.requestId };
  // A refusal before Apollo (a document limit) is thrown, and answered as the router answers it on /graphql.
  // Absent arguments stay absent: Apollo refuses `variables: undefined` as it would `null` in JSON.
  const body = Object.fromEntries(Object.entries({ query: args.query, variables: args.variables, operationName: args.operationName }).filter(([, value]) => value !== undefined));
  const response = await options.pipeline({ ...request, body });
  if (response.body.kind !== 'complete') throw new Error('The GraphQL pipeline streamed an answer to a JSON request');
  const answer = JSON.parse(response.body.string) as { data?: unknown };
  const meta: Record<string, unknown> = { 'meshgate/httpStatus': response.status ?? 200 };
  for (const name of ['deprecation', 'sunset']) {
    const value = response.headers.get(name);
    if (value) meta[`meshgate/${name}`] = value;
  }
  return toolResult(answer, answer.data === null || answer.data === undefined, meta);
}

/** A tool's answer: the JSON as text (what every MCP client shows) and as structured content. */
function toolResult(body: object, isError = false, meta?: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(body) }], structuredContent: body as Record<string, unknown>, ...(isError ? { isError } : {}), ...(meta ? { _meta: meta } : {}) };
}
