import { createHash } from 'node:crypto';
import type { ApolloGateway, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { DeferredNode, FetchNode, PlanNode, QueryPlan, ResponsePath, SubscriptionNode } from '@apollo/query-planner';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  getVariableValues,
  GraphQLError,
  Kind,
  valueFromAST,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { tracingEnabled } from '../../schema/protocol/trace-propagation.ts';
import { INCOMING_OPERATION } from '../transport/fetch-layer.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { applyRewrites, isObjectOfType, isPlainObject, mergeInto, representationOf } from './entity-representations.ts';
import { executionInternalsOf, type GatewayExecutionInternals } from './gateway-internals.ts';
import { conditionVariables, OperationShape, type ConditionValues } from './result-shape.ts';
import { deferConditionVariables, operationDeliveredSoFar, withDeferDirective } from './deferred-fragments.ts';
import { deliverDeferred, type DeferredRun } from './incremental-delivery.ts';
import { planOperation, publicErrorPath, requiresArgumentsRefusal } from './requires-argument-aliases.ts';
import type { ExecutorRequest, ExecutorResult, GatewayExecutor, GatewayInterface } from './gateway-contract.ts';

type Data = Record<string, unknown>;
type OperationFetch = Extract<GraphQLDataSourceProcessOptions<GatewayContext>, { incomingRequestContext: unknown }>;
type IncomingRequest = OperationFetch['incomingRequestContext'];

/** The same span names Apollo Gateway's executor opens, so traces read as Apollo Gateway's do. */
const tracer = trace.getTracer('meshgate');

async function inSpan<T>(name: string, run: () => Promise<T>): Promise<T> {
  if (!tracingEnabled()) return run();
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await run();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** What is decided once per query plan and kept with it (the plan object is the key). */
interface CompiledPlan {
  /** Why this plan is not executed here, when it is not. */
  refusal: MeshError | undefined;
  /** Variables that decide `@skip`/`@include`, and the result shape per combination of their values. */
  conditionVariables: readonly string[];
  shapes: Map<string, OperationShape>;
}

/** Where a plan node runs: the objects of the response tree at `path` (a list when the path crossed lists). */
interface Cursor {
  path: ResponsePath;
  data: Data | Data[];
}

/** One request's execution. */
interface Execution {
  readonly internals: GatewayExecutionInternals;
  readonly request: ExecutorRequest;
  readonly variables: Data;
  readonly operation: OperationDefinitionNode;
  readonly root: Data;
  readonly errors: GraphQLError[];
  /** Deferred blocks met so far, when the client takes parts (else they run in line: one whole answer). */
  readonly deferred?: DeferredNode[];
  /** The products fetched, for a deferred part's product signals. */
  readonly products?: Set<string>;
  /** A deferred block's own context: the products it asks report into its own `answeredBy`. */
  readonly context?: GatewayContext;
  /** Deferred blocks started with the first part (they depend on none of its fetches), by block. */
  readonly early?: Map<DeferredNode, Promise<DeferredRun>>;
}

/**
 * meshgate's executor for Apollo's query plans. Apollo Gateway still
 * loads and reloads the supergraph and plans (into its own plan cache, under its own keys, so
 * the plan warmer keeps working); every fetch still goes through each product's data source
 * (ProductDataSource: signing, caches, breaker, retries). What is ours is running the plan and
 * shaping the answer:
 *
 * - product answers are merged in place into one response tree, `_entities` by index, with
 *   no deep copies;
 * - the result shape (selection walk, aliases, type conditions, abstract types, nullability)
 *   is compiled once per plan and `@skip`/`@include` values, and kept with the plan;
 * - a null in a non-null position propagates as the GraphQL spec says and carries its error
 *   (see {@link OperationShape}).
 *
 * Plan nodes executed: Sequence, Parallel, Fetch (with requires, variable usages, input and
 * output rewrites), Flatten (`@` and `... on T` path elements), Condition and Defer (the first
 * part answered, the deferred blocks delivered after it by incremental-delivery.ts when the
 * client takes parts, else run in line). Refused with PLAN_NODE_UNSUPPORTED before any
 * fetch: subscription plans and fetches with context rewrites, which Apollo Gateway's
 * planner does not produce with the gateway's settings.
 */
class PlanExecutor {
  private readonly compiled = new WeakMap<QueryPlan, CompiledPlan>();

  constructor(private readonly gateway: ApolloGateway) {}

  /** Checked at load: an Apollo Gateway whose internals moved cannot be driven, and the gateway refuses to start. */
  static assertUsable(gateway: ApolloGateway): void {
    if (!executionInternalsOf(gateway))
      throw new Error("meshgate's executor cannot run on this Apollo Gateway version (its planning internals moved); install the @apollo/gateway version meshgate's package.json names");
  }

  readonly execute: GatewayExecutor = (request) => inSpan('gateway.request', () => this.run(request));

  private async run(request: ExecutorRequest): Promise<ExecutorResult> {
    const internals = executionInternalsOf(this.gateway);
    if (!internals) throw new Error("meshgate's executor: Apollo Gateway has no supergraph loaded");
    // Read from the document, as Apollo Gateway does: a plugin that rewrites the document
    // (access pruning) rewrites what is planned, and the shape must be the same operation.
    const operation = operationIn(request);
    const rawVariables = (request.request.variables ?? {}) as Data;
    const coerced = getVariableValues(internals.schema, operation.variableDefinitions ?? [], rawVariables);
    if (coerced.errors) return { errors: coerced.errors };

    // Progressive @override: the labels on for this request (plugins/override-labels-plugin.ts); none, the shared plan.
    const labels = (request.context as GatewayContext).overrideLabels;
    const plan = await this.planFor(internals, request, labels && labels.length > 0 ? new Map(labels.map((label) => [label, true])) : undefined);
    const compiled = this.compile(plan, request);
    if (compiled.refusal) return { errors: [compiled.refusal] };
    const conditions = conditionValues(internals.schema, operation, compiled.conditionVariables, rawVariables);
    let shape = this.shapeFor(compiled, internals.schema, operation, request, conditions);

    const incremental = (request.context as GatewayContext).incremental;
    const deferring = incremental?.deferring === true;
    const execution: Execution = { internals, request, variables: rawVariables, operation, root: {}, errors: [], ...(deferring && { deferred: [], early: new Map() }) };
    const node = plan.node as PlanNode | undefined;
    if (node) await runNode(execution, node, { path: [], data: execution.root }, conditions);
    if (incremental && execution.deferred && execution.deferred.length > 0) {
      // The first part is shaped without any deferred fragment; the rest follow as they complete.
      const shapeOf = (delivered: ReadonlySet<string>) => this.shapeFor(compiled, internals.schema, operation, request, conditions, delivered);
      shape = shapeOf(new Set());
      incremental.parts = deliverDeferred(execution.deferred, {
        schema: internals.schema,
        delivery: incremental,
        variables: rawVariables,
        root: execution.root,
        shapeOf,
        run: (deferred) => execution.early?.get(deferred) ?? runDeferred(execution, deferred, conditions),
      });
    }
    const { data, errors } = shape.complete(execution.root, execution.errors, rawVariables);
    const all = execution.errors.length === 0 ? errors : errors.length === 0 ? execution.errors : [...execution.errors, ...errors];
    return all.length === 0 ? { data } : { errors: all, data };
  }

  /**
   * The gateway's cached plan for this operation, or a new one stored under Apollo Gateway's
   * own key (so the plan warmer's plans serve it). Planned per request, so that progressive
   * `@override(label:)` can pass the labels decided for this request as
   * `overrideConditions`: a plan made under a set of labels is cached under a key that
   * names that set, never under the plain key another set would read.
   */
  private async planFor(internals: GatewayExecutionInternals, request: ExecutorRequest, overrideConditions?: ReadonlyMap<string, boolean>): Promise<QueryPlan> {
    const { queryHash, document } = request;
    const operationName = request.request.operationName ?? undefined;
    let key = operationName ? createHash('sha256').update(queryHash).update(operationName).digest('hex') : queryHash;
    if (overrideConditions && overrideConditions.size > 0) {
      const labels = [...overrideConditions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([label, on]) => `${on ? '+' : '-'}${label}`);
      key = createHash('sha256').update(key).update(labels.join('\n')).digest('hex');
    }
    const cached = await internals.queryPlanStore.get(key);
    if (cached) return cached;
    const options = overrideConditions && overrideConditions.size > 0 ? { overrideConditions: new Map(overrideConditions) } : undefined;
    const plan = await inSpan('gateway.plan', async () => planOperation(internals, document, operationName, options));
    await internals.queryPlanStore.set(key, plan);
    return plan;
  }

  private compile(plan: QueryPlan, request: ExecutorRequest): CompiledPlan {
    let compiled = this.compiled.get(plan);
    if (!compiled) {
      compiled = {
        refusal: refusalOf(plan.node) ?? requiresArgumentsRefusal(plan),
        conditionVariables: [...new Set([...conditionVariables(request.document), ...deferConditionVariables(request.document)])].sort(),
        shapes: new Map(),
      };
      this.compiled.set(plan, compiled);
    }
    return compiled;
  }

  private shapeFor(
    compiled: CompiledPlan,
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    request: ExecutorRequest,
    conditions: ConditionValues,
    delivered?: ReadonlySet<string>,
  ): OperationShape {
    let key = compiled.conditionVariables.length === 0 ? '' : compiled.conditionVariables.map((name) => (conditions[name] === true ? '1' : '0')).join('');
    // With @defer in parts: one shape per set of fragments delivered so far (keys hold no newline).
    if (delivered) key += `\n${[...delivered].sort().join('\n')}`;
    let shape = compiled.shapes.get(key);
    if (!shape) {
      const fragments: Record<string, FragmentDefinitionNode> = {};
      for (const definition of request.document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
      shape = delivered
        ? new OperationShape(schema, operationDeliveredSoFar(request.document, operation, conditions, delivered), {}, conditions)
        : new OperationShape(schema, operation, fragments, conditions);
      compiled.shapes.set(key, shape);
    }
    return shape;
  }
}

function operationIn(request: ExecutorRequest): OperationDefinitionNode {
  const name = request.request.operationName;
  for (const definition of request.document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION && (!name || definition.name?.value === name)) return definition;
  }
  return request.operation as OperationDefinitionNode;
}

/** Why a plan is not executed here, found once per plan before anything is fetched. */
export function refusalOf(node: PlanNode | SubscriptionNode | undefined): MeshError | undefined {
  if (!node) return undefined;
  const refuse = (what: string) => new MeshError(MeshErrorCode.PLAN_NODE_UNSUPPORTED, `This gateway does not execute ${what}`);
  switch (node.kind) {
    case 'Subscription':
      return refuse('subscriptions');
    case 'Defer':
      for (const child of [node.primary.node, ...node.deferred.map((deferred) => deferred.node)]) {
        const refusal = refusalOf(child);
        if (refusal) return refusal;
      }
      return undefined;
    case 'Sequence':
    case 'Parallel':
      for (const child of node.nodes) {
        const refusal = refusalOf(child);
        if (refusal) return refusal;
      }
      return undefined;
    case 'Flatten':
      return refusalOf(node.node);
    case 'Condition':
      return refusalOf(node.ifClause) ?? refusalOf(node.elseClause);
    case 'Fetch':
      return node.contextRewrites && node.contextRewrites.length > 0 ? refuse('@fromContext arguments') : undefined;
  }
}

/** The boolean of every variable `@skip`/`@include` read, provided or defaulted. */
function conditionValues(schema: GraphQLSchema, operation: OperationDefinitionNode, names: readonly string[], variables: Data): ConditionValues {
  if (names.length === 0) return variables;
  const values: Data = { ...variables };
  for (const name of names) {
    if (values[name] !== undefined) continue;
    const definition = operation.variableDefinitions?.find((d) => d.variable.name.value === name);
    if (definition?.defaultValue) values[name] = valueFromAST(definition.defaultValue, schema.getType('Boolean') as GraphQLInputType);
  }
  return values;
}

async function runNode(execution: Execution, node: PlanNode, cursor: Cursor, conditions: ConditionValues): Promise<void> {
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await runNode(execution, child, cursor, conditions);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => runNode(execution, child, cursor, conditions)));
      return;
    case 'Flatten': {
      const data: Data[] = [];
      collectAt(execution.internals.supergraphSchema, cursor.data, node.path, 0, data);
      // Nothing to fetch for: every object on the way was null (e.g. a failed parent).
      if (data.length === 0) return;
      await runNode(execution, node.node, { path: [...cursor.path, ...node.path], data }, conditions);
      return;
    }
    case 'Fetch':
      try {
        await inSpan('gateway.fetch', () => runFetch(execution, node, cursor));
      } catch (error) {
        execution.errors.push(error as GraphQLError);
      }
      return;
    case 'Condition': {
      const branch = conditions[node.condition] === true ? node.ifClause : node.elseClause;
      if (branch) await runNode(execution, branch, cursor, conditions);
      return;
    }
    case 'Defer': {
      const { early } = execution;
      if (early) {
        // A block that depends on no fetch of this plan (e.g. a deferred root aggregate) is
        // fetched alongside the first part; it is still shaped and sent after it.
        for (const deferred of node.deferred) {
          if (deferred.depends.length > 0) continue;
          const run = runDeferred(execution, deferred, conditions);
          run.catch(() => undefined); // read when delivered; a failure is reported there
          early.set(deferred, run);
        }
      }
      if (node.primary.node) await runNode(execution, node.primary.node, cursor, conditions);
      // Deferred blocks address the response from its root (their Flatten paths are whole).
      if (execution.deferred) execution.deferred.push(...node.deferred);
      else for (const deferred of node.deferred) if (deferred.node) await runNode(execution, deferred.node, { path: [], data: execution.root }, conditions);
      return;
    }
  }
}

/** One deferred block, on the same response tree, with its own errors, products and nested blocks. */
async function runDeferred(base: Execution, node: DeferredNode, conditions: ConditionValues): Promise<DeferredRun> {
  // Its products' reports are its part's signals, never the first part's (which may still be on its way).
  const answeredBy: GatewayContext['answeredBy'] = new Map();
  const context: GatewayContext = { ...(base.request.context as GatewayContext), answeredBy };
  const part: Execution = { ...base, context, errors: [], deferred: [], products: new Set() };
  if (node.node) await runNode(part, node.node, { path: [], data: base.root }, conditions);
  return { errors: part.errors, products: [...part.products!].map((name) => [name, answeredBy.get(name) ?? null]), nested: part.deferred! };
}

/** The non-null objects at a Flatten path: field names, `@` for every element of a list, `... on T` for objects of a type. */
function collectAt(schema: GraphQLSchema, value: unknown, path: ResponsePath, index: number, out: Data[]): void {
  if (value === null || value === undefined) return;
  if (index === path.length) {
    if (Array.isArray(value)) {
      for (const item of value) if (item !== null && item !== undefined) out.push(item as Data);
    } else out.push(value as Data);
    return;
  }
  const element = path[index]!;
  if (Array.isArray(value)) {
    const next = element === '@' ? index + 1 : index;
    for (const item of value) collectAt(schema, item, path, next, out);
    return;
  }
  if (typeof element === 'string' && element.startsWith('... on ')) {
    if (isObjectOfType(schema, value as Data, element.slice(7))) collectAt(schema, value, path, index + 1, out);
    return;
  }
  if (element === '@') {
    collectAt(schema, value, path, index + 1, out);
    return;
  }
  const object = value as Data;
  if (Object.hasOwn(object, element)) collectAt(schema, object[element as string], path, index + 1, out);
}

async function runFetch(execution: Execution, fetch: FetchNode, cursor: Cursor): Promise<void> {
  const { internals, request } = execution;
  const service = internals.serviceMap[fetch.serviceName]?.dataSource;
  if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
  execution.products?.add(fetch.serviceName);
  const entities = Array.isArray(cursor.data) ? cursor.data : [cursor.data];
  if (entities.length === 0) return;
  const variables: Data = {};
  for (const name of fetch.variableUsages ?? []) {
    const value = execution.variables[name];
    if (value !== undefined) variables[name] = value;
  }
  const send = async (variables: Data): Promise<Data | null | undefined> => {
    const options: GraphQLDataSourceProcessOptions<GatewayContext> = {
      kind: INCOMING_OPERATION,
      request: { query: fetch.operation, variables, operationName: fetch.operationName },
      incomingRequestContext: request as IncomingRequest,
      context: execution.context ?? (request.context as GatewayContext),
      document: fetch.operationDocumentNode,
      pathInIncomingRequest: cursor.path,
    };
    const response = await service.process(options);
    if (response.errors) {
      // The entities' paths are found once per answer, however many errors it carries:
      // finding them per error made a product's N errors cost N walks of the tree.
      let entityPaths: (string | number)[][] | undefined;
      const pathsOfEntities = () => (entityPaths ??= hydratePaths(cursor.path, execution.root));
      for (const error of response.errors) execution.errors.push(productError(error, fetch, cursor, pathsOfEntities));
    }
    return response.data as Data | null | undefined;
  };

  if (!fetch.requires) {
    const answer = await send(variables);
    if (!answer) return;
    applyRewrites(internals.supergraphSchema, fetch.outputRewrites, answer);
    for (const entity of entities) mergeInto(entity, answer);
    return;
  }
  const representations: Data[] = [];
  const targets: Data[] = [];
  for (const entity of entities) {
    const representation = representationOf(internals.supergraphSchema, entity, fetch.requires);
    if (!representation) continue;
    applyRewrites(internals.supergraphSchema, fetch.inputRewrites, representation);
    representations.push(representation);
    targets.push(entity);
  }
  if (representations.length === 0) return;
  // The planner passes the client's variables through by name: one called `representations` would collide.
  if ('representations' in variables) throw new MeshError(MeshErrorCode.BAD_USER_INPUT, 'A variable named "representations" cannot be passed to a data product');
  variables.representations = representations;
  const answer = await send(variables);
  if (!answer) return;
  const received = answer._entities;
  // Entities are merged by index: an answer of another length cannot be placed (Apollo Gateway
  // throws an uncoded error here, which reaches the client as INTERNAL_SERVER_ERROR).
  // So must an entry that is neither an object nor null: setting its __typename would throw
  // an uncoded TypeError, and a list would be merged index by index into the entity.
  if (!Array.isArray(received) || received.length !== representations.length || !received.every((entity) => entity === null || isPlainObject(entity))) {
    throw new MeshError(MeshErrorCode.PRODUCT_ERROR, `Data product "${fetch.serviceName}" sent an invalid response`, { extensions: { product: fetch.serviceName } });
  }
  for (let i = 0; i < received.length; i++) {
    const entity = received[i] as Data | null;
    if (!entity) continue;
    const target = targets[i]!;
    if (!entity.__typename) entity.__typename = target.__typename;
    applyRewrites(internals.supergraphSchema, fetch.outputRewrites, entity);
    mergeInto(target, entity);
  }
}

/**
 * A product's error as the client sees it: its message, its code (PRODUCT_ERROR when it sent
 * none: Apollo Gateway says DOWNSTREAM_SERVICE_ERROR, which is no code of ours and which
 * masking would turn into PRODUCT_ERROR anyway), the product's tag, and its path in the client's response. `_entities` errors are placed on the
 * entity they are about.
 */
function productError(error: GraphQLFormattedError, fetch: FetchNode, cursor: Cursor, pathsOfEntities: () => (string | number)[][]): GraphQLError {
  const extensions: Record<string, unknown> = { ...error.extensions, serviceName: fetch.serviceName };
  if (extensions.code === undefined) extensions.code = MeshErrorCode.PRODUCT_ERROR;
  return new GraphQLError(error.message || `Error while fetching subquery from service "${fetch.serviceName}"`, {
    originalError: error as Error,
    path: errorPath(publicErrorPath(fetch, error.path), fetch, cursor, pathsOfEntities),
    extensions,
  });
}

function errorPath(path: GraphQLFormattedError['path'], fetch: FetchNode, cursor: Cursor, pathsOfEntities: () => (string | number)[][]): (string | number)[] | undefined {
  if (fetch.requires && typeof path?.[1] === 'number') {
    // Apollo Gateway's reading, kept so our executor places an error as Apollo's does: the entity's
    // index among the objects at the Flatten path (before unrepresentable ones were dropped).
    return [...(pathsOfEntities()[path[1]] ?? []), ...path.slice(2)];
  }
  return path ? [...cursor.path, ...path] : undefined;
}

/** The response path of every object at a Flatten path, in the order the fetch's entities were collected. */
function hydratePaths(path: ResponsePath, root: Data): (string | number)[][] {
  const paths: (string | number)[][] = [];
  hydratePathsInto([], path, 0, root, paths);
  return paths;
}

function hydratePathsInto(parent: (string | number)[], path: ResponsePath, index: number, data: unknown, out: (string | number)[][]): void {
  if (data === null || data === undefined) return;
  if (index === path.length) {
    out.push([...parent]);
    return;
  }
  const head = path[index]!;
  if (head === '@' || Array.isArray(data)) {
    if (!Array.isArray(data)) return;
    const next = head === '@' ? index + 1 : index;
    data.forEach((item, i) => {
      parent.push(i);
      hydratePathsInto(parent, path, next, item, out);
      parent.pop();
    });
  } else if (typeof head === 'string' && Object.hasOwn(data as Data, head)) {
    parent.push(head);
    hydratePathsInto(parent, path, index + 1, (data as Data)[head], out);
    parent.pop();
  }
}

/** Apollo Gateway, with query plans executed by {@link PlanExecutor} instead of its own executor. */
export function withPlanExecutor(gateway: ApolloGateway): GatewayInterface {
  const executor = new PlanExecutor(gateway);
  return {
    load: async (options) => {
      const loaded = await gateway.load(options);
      PlanExecutor.assertUsable(gateway);
      return { ...loaded, executor: executor.execute };
    },
    // Apollo Server validates against this schema: it gets `@defer`, which this executor runs.
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate((update) => callback({ ...update, apiSchema: withDeferDirective(update.apiSchema) })),
    stop: () => gateway.stop(),
  };
}
