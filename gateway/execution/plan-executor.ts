import { createHash } from 'node:crypto';
import type { ApolloGateway, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { DeferredNode, FetchNode, PlanNode, QueryPlan, QueryPlanSelectionNode, ResponsePath, SubscriptionNode } from '@apollo/query-planner';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  getVariableValues,
  GraphQLError,
  Kind,
  parse,
  valueFromAST,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { tracingEnabled } from '../../schema/protocol/trace-propagation.ts';
import { INCOMING_OPERATION } from '../transport/fetch-layer.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { applyRewrites, isEntityOf, isObjectOfType, isPlainObject, markAnsweredNull, markUnresolved, mergeInto, RepresentationKeys, representationOf } from './entity-representations.ts';
import { nullKeyField } from './entity-keys.ts';
import { executionInternalsOf, type GatewayExecutionInternals } from './gateway-internals.ts';
import { conditionVariables, included, OperationShape, type ConditionValues } from './result-shape.ts';
import { deferConditionVariables, operationDeliveredSoFar, withDeferDirective } from './deferred-fragments.ts';
import { deliverDeferred, type DeferredRun } from './incremental-delivery.ts';
import { positionOf, skippedInputs } from './skipped-inputs.ts';
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
  /** Per combination of those values: the `@requires` inputs left unfetched by them (`skippedInputs`), null for none. */
  skipped: Map<string, ReadonlySet<string> | null>;
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
  /** `@requires` inputs `@skip`/`@include` kept from being fetched, which representations may lack. */
  readonly skipped: ReadonlySet<string> | undefined;
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
 * meshgate's executor for Apollo's query plans (Apollo Gateway loads, reloads and plans; each
 * fetch goes through its product's layers): product answers merged in place into one tree,
 * `_entities` by index, and the result shape compiled once per plan and condition values
 * ({@link OperationShape}). Plan nodes run: Sequence, Parallel, Fetch (requires, variable usages,
 * input and output rewrites), Flatten (`@` and `... on T` path elements), Condition and Defer
 * (deferred blocks delivered by `deliverDeferred` when the client takes parts, else run in line).
 * Refused with PLAN_NODE_UNSUPPORTED before any fetch: subscription plans and fetches with
 * context rewrites, which the planner does not produce with the gateway's settings.
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

    // Progressive @override: the labels on for this request (drawn by the override labels plugin); none, the shared plan.
    const labels = (request.context as GatewayContext).overrideLabels;
    const plan = await this.planFor(internals, request, labels && labels.length > 0 ? new Map(labels.map((label) => [label, true])) : undefined);
    const compiled = this.compile(plan, request);
    if (compiled.refusal) return { errors: [compiled.refusal] };
    const conditions = conditionValues(internals.schema, operation, compiled.conditionVariables, rawVariables);
    let shape = this.shapeFor(compiled, internals.schema, operation, request, conditions);

    const incremental = (request.context as GatewayContext).incremental;
    const deferring = incremental?.deferring === true;
    const skipped = skippedFor(compiled, plan, conditions);
    const execution: Execution = { internals, request, variables: rawVariables, operation, root: {}, errors: [], skipped, ...(deferring && { deferred: [], early: new Map() }) };
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
        skipped: new Map(),
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
    let key = conditionKey(compiled, conditions);
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

/** Which values the operation's `@skip`/`@include` variables have: what a shape, and skipped inputs, are kept under. */
function conditionKey(compiled: CompiledPlan, conditions: ConditionValues): string {
  return compiled.conditionVariables.length === 0 ? '' : compiled.conditionVariables.map((name) => (conditions[name] === true ? '1' : '0')).join('');
}

function skippedFor(compiled: CompiledPlan, plan: QueryPlan, conditions: ConditionValues): ReadonlySet<string> | undefined {
  const key = conditionKey(compiled, conditions);
  let skipped = compiled.skipped.get(key);
  if (skipped === undefined) {
    skipped = skippedInputs(plan.node as PlanNode | undefined, conditions) ?? null;
    compiled.skipped.set(key, skipped);
  }
  return skipped ?? undefined;
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
        await inSpan('gateway.fetch', () => runFetch(execution, node, cursor, conditions));
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

async function runFetch(execution: Execution, fetch: FetchNode, cursor: Cursor, conditions: ConditionValues): Promise<void> {
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
  /** Whether the product sent errors with its answer, or the fetch failed and was told. */
  let erred = false;
  /** `groups[i]`: the objects the answer's `i`th entity is for (a plain fetch: its objects, one group). */
  const send = async (variables: Data, groups: readonly (readonly Data[])[]): Promise<Data | null | undefined> => {
    const options: GraphQLDataSourceProcessOptions<GatewayContext> = {
      kind: INCOMING_OPERATION,
      request: { query: fetch.operation, variables, operationName: fetch.operationName },
      incomingRequestContext: request as IncomingRequest,
      context: execution.context ?? (request.context as GatewayContext),
      document: fetch.operationDocumentNode,
      pathInIncomingRequest: cursor.path,
    };
    let response: Awaited<ReturnType<typeof service.process>>;
    try {
      response = await service.process(options);
    } catch (error) {
      // A fetch that failed whole (a product down, a timeout) leaves every field it should have
      // filled null: each gets the error at its own path, as the spec wants of a field error.
      trace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR });
      erred = true;
      execution.errors.push(...failedFetchErrors(internals.supergraphSchema, error as GraphQLError, fetch, groups.flat(), placesOf(execution, cursor), conditions));
      return undefined;
    }
    if (response.errors) {
      erred = response.errors.length > 0;
      // The places of the fetch's objects are found once per answer, and only if an error needs
      // them: finding them per error made a product's N errors cost N walks of the tree.
      let places: ((target: Data) => readonly Path[]) | undefined;
      const placeOf = (target: Data) => {
        places ??= placesOf(execution, cursor);
        return places(target);
      };
      const spread = new Set<string>();
      for (const error of response.errors) {
        const placed = productErrors(error, fetch, cursor, groups, placeOf, spread);
        if (placed.length === 0) continue;
        // No data and an error that names no field (a query the product refused): the fetch failed whole.
        if (!error.path && !response.data) execution.errors.push(...failedFetchErrors(internals.supergraphSchema, placed[0]!, fetch, groups.flat(), placeOf, conditions));
        else execution.errors.push(...placed);
      }
    }
    return response.data as Data | null | undefined;
  };

  if (!fetch.requires) {
    const answer = await send(variables, [entities]);
    if (!answer) return;
    applyRewrites(internals.supergraphSchema, fetch.outputRewrites, answer);
    for (const entity of entities) mergeInto(entity, answer);
    return;
  }
  // Each representation is sent once: the product is asked for an entity once however many
  // places of the response hold it (one object reached by two paths, or equal objects such as
  // the same product under two reviews), and its answer is merged into every one of them.
  // What an entity came to (its group, or why it cannot be asked) is kept for the entities
  // equal to it, so most are placed without building their representation.
  const representations: Data[] = [];
  const groups: Data[][] = [];
  const sent = new Map<string, Data[]>();
  const seen = new Set<Data>();
  const equal = execution.skipped ? undefined : representationKeysOf(internals.supergraphSchema, fetch.requires, fetch);
  const kept = new Map<unknown, unknown>();
  const at = execution.skipped ? positionOf(cursor.path) : '';
  const outcomeOf = (entity: Data): Outcome => {
    const representation = representationOf(internals.supergraphSchema, entity, fetch.requires!, execution.skipped, at);
    if (!representation) {
      // An entity of the fetch's type with no representation is a key chain broken before this
      // link (or a key field no product sent): its fields from here on are null, and say why.
      return isEntityOf(internals.supergraphSchema, entity, fetch.requires!) ? `data product "${fetch.serviceName}" could not be asked for it (a key it needs is missing)` : null;
    }
    applyRewrites(internals.supergraphSchema, fetch.inputRewrites, representation);
    const nullKey = nullKeyField(internals.supergraphSchema, representation, fetch.serviceName);
    if (nullKey !== undefined) return `data product "${fetch.serviceName}" could not be asked for it (its key field ${nullKey} is null)`;
    // Its own type too: rewrites may make two types' representations equal (an @interfaceObject's
    // `__typename` set to the interface), and the answer is typed after the group's first entity.
    const key = `${String(entity.__typename)}\n${JSON.stringify(representation)}`;
    let group = sent.get(key);
    if (!group) {
      group = [];
      sent.set(key, group);
      groups.push(group);
      representations.push(representation);
    }
    return group;
  };
  for (let i = 0; i < entities.length; i++) {
    const entity = entities[i]!;
    if (seen.has(entity)) continue;
    seen.add(entity);
    const outcome = equal ? equal.keep(kept, entity, outcomeOf) : outcomeOf(entity);
    if (typeof outcome === 'string') markUnresolved(entity, outcome);
    else outcome?.push(entity);
  }
  if (representations.length === 0) return;
  // The planner passes the client's variables through by name: one called `representations` would collide.
  if ('representations' in variables) throw new MeshError(MeshErrorCode.BAD_USER_INPUT, 'A variable named "representations" cannot be passed to a data product');
  variables.representations = representations;
  const answer = await send(variables, groups);
  if (!answer) {
    // With an error of its own (a failed `_entities` is one error for them all), the product already told why.
    for (const target of groups.flat()) markUnresolved(target, `data product "${fetch.serviceName}" answered no data`, erred);
    return;
  }
  const received = answer._entities;
  // Entities are merged by index: an answer of another length cannot be placed (Apollo Gateway
  // throws an uncoded error here, which reaches the client as INTERNAL_SERVER_ERROR).
  // So must an entry that is neither an object nor null: setting its __typename would throw
  // an uncoded TypeError, and a list would be merged index by index into the entity.
  // Each entity asked gets the error at its own places: the nulls it leaves are where the client looks.
  if (!Array.isArray(received) || received.length !== representations.length || !received.every((entity) => entity === null || isPlainObject(entity))) {
    const placeOf = placesOf(execution, cursor);
    for (const target of groups.flat()) {
      for (const path of placeOf(target))
        execution.errors.push(new MeshError(MeshErrorCode.PRODUCT_ERROR, `Data product "${fetch.serviceName}" sent an invalid response`, { path, extensions: { product: fetch.serviceName } }));
    }
    return;
  }
  for (let i = 0; i < received.length; i++) {
    const entity = received[i] as Data | null;
    const group = groups[i]!;
    if (!entity) {
      for (const target of group) markAnsweredNull(target, fetch.serviceName, entityKeysOf(fetch));
      continue;
    }
    if (!entity.__typename) entity.__typename = group[0]!.__typename;
    applyRewrites(internals.supergraphSchema, fetch.outputRewrites, entity);
    // The entity's objects become part of the tree at each place: every place is at the same
    // Flatten path, so later fetches reach all of them alike and add the same data.
    for (const target of group) mergeInto(target, entity);
  }
}

/** What an entity of an `_entities` fetch comes to: the group of entities sharing its representation, why it cannot be asked, or nothing (not of the fetch's type). */
type Outcome = Data[] | string | null;

/** Equal entities of a fetch found by their key values, compiled once per fetch node. */
const representationKeys = new WeakMap<FetchNode, RepresentationKeys<Outcome>>();

function representationKeysOf(schema: GraphQLSchema, requires: readonly QueryPlanSelectionNode[], fetch: FetchNode): RepresentationKeys<Outcome> {
  let keys = representationKeys.get(fetch);
  if (!keys) {
    keys = new RepresentationKeys(schema, requires);
    representationKeys.set(fetch, keys);
  }
  return keys;
}

/**
 * The response keys an `_entities` fetch asks of each entity (through its inline fragments
 * and named fragments), once per fetch node: a product that answers null for an entity
 * answers null for exactly these.
 */
const entityKeys = new WeakMap<FetchNode, ReadonlySet<string>>();

function entityKeysOf(fetch: FetchNode): ReadonlySet<string> {
  let keys = entityKeys.get(fetch);
  if (keys) return keys;
  const found = new Set<string>();
  // Apollo Gateway keeps the parsed operation only with some settings: else it is read once here.
  const document = fetch.operationDocumentNode ?? parse(fetch.operation);
  const fragments = new Map<string, SelectionSetNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition.selectionSet);
  const visit = (set: SelectionSetNode | undefined, seen: Set<string>): void => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) found.add(selection.alias?.value ?? selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet, seen);
      else if (!seen.has(selection.name.value)) visit(fragments.get(selection.name.value), seen.add(selection.name.value));
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const selection of definition.selectionSet.selections) if (selection.kind === Kind.FIELD && selection.name.value === '_entities') visit(selection.selectionSet, new Set());
  }
  keys = found;
  entityKeys.set(fetch, keys);
  return keys;
}

/**
 * A product's error as the client sees it: its message, its code (PRODUCT_ERROR when it sent
 * none: Apollo Gateway says DOWNSTREAM_SERVICE_ERROR, which is no code of ours and which
 * masking would turn into PRODUCT_ERROR anyway), the product's tag, and its path in the client's
 * response. An `_entities.N` error is placed on the entity representation N was made from, at
 * every path the client reaches it by (Apollo Gateway places it at the Nth object at the Flatten
 * path, which is another object when some were not represented: `search.1` for `search.3`).
 */
function productErrors(
  error: GraphQLFormattedError,
  fetch: FetchNode,
  cursor: Cursor,
  groups: readonly (readonly Data[])[],
  placeOf: (target: Data) => readonly Path[],
  spread: Set<string>,
): GraphQLError[] {
  const extensions: Record<string, unknown> = { ...error.extensions, serviceName: fetch.serviceName };
  if (extensions.code === undefined) extensions.code = MeshErrorCode.PRODUCT_ERROR;
  const message = error.message || `Error while fetching subquery from service "${fetch.serviceName}"`;
  const at = (path: Path | undefined) => new GraphQLError(message, { originalError: error as Error, path, extensions });
  const path = publicErrorPath(fetch, error.path);
  if (!path) return [at(undefined)];
  if (fetch.requires && path[0] === '_entities' && typeof path[1] === 'number') {
    // One representation may stand for many entities: an error at `_entities.N` is spread to all
    // of them once per place in the entity; a copy of one already spread is dropped, and any
    // other error at that place stands at the first entity's places only. So a product's errors
    // reach the client at most once per place plus once each, never errors times entities.
    const group = groups[path[1]];
    const pathKey = JSON.stringify(path);
    const copy = `${pathKey}\u0000${message}\u0000${String(extensions.code)}`;
    if (spread.has(copy)) return [];
    spread.add(copy);
    const first = !spread.has(pathKey);
    spread.add(pathKey);
    const places = (first ? group : group?.slice(0, 1))?.flatMap(placeOf) ?? [];
    // An index the fetch never sent: the error still reaches the client, with no place to stand.
    if (places.length === 0) return [at(undefined)];
    const rest = path.slice(2);
    return places.map((place) => at([...place, ...rest]));
  }
  return [at([...cursor.path, ...path])];
}

/**
 * A fetch that failed whole, as errors at each field it would have filled: per object it was
 * for, the top-level fields of its selection that apply to that object's type and that
 * `@skip`/`@include` keep. The code and message stay the failure's own (PRODUCT_UNAVAILABLE,
 * PRODUCT_TIMEOUT...). Worked out only when a fetch fails.
 */
function failedFetchErrors(
  schema: GraphQLSchema,
  error: GraphQLError,
  fetch: FetchNode,
  targets: readonly Data[],
  placeOf: (target: Data) => readonly Path[],
  conditions: ConditionValues,
): GraphQLError[] {
  const selection = fetchedSelection(fetch);
  const errors: GraphQLError[] = [];
  for (const target of targets) {
    // A private copy of a @requires input (`planOperation`) is no field the client sees.
    const fields = filledFields(schema, selection, target, conditions).filter((field) => publicErrorPath(fetch, [field])[0] === field);
    for (const place of placeOf(target)) for (const field of fields) errors.push(errorAt(error, [...place, field]));
  }
  // Nothing to place it on (no field survived the conditions): the failure is still told.
  return errors.length > 0 ? errors : [error];
}

/** The same error at another path, of the same class (a MeshError stays one, code and all). */
function errorAt(error: GraphQLError, path: Path): GraphQLError {
  const options = { path, originalError: error.originalError ?? error, extensions: { ...error.extensions } };
  return error instanceof MeshError ? new MeshError(error.code, error.message, options) : new GraphQLError(error.message, options);
}

/** What a fetch selects on each object it is for: under `_entities` for an entity fetch, else its root selection. */
function fetchedSelection(fetch: FetchNode): SelectionSetNode | undefined {
  const document = fetch.operationDocumentNode ?? parse(fetch.operation);
  const operation = document.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return undefined;
  if (!fetch.requires) return operation.selectionSet;
  const entities = operation.selectionSet.selections.find((selection) => selection.kind === Kind.FIELD && selection.name.value === '_entities');
  return entities?.kind === Kind.FIELD ? entities.selectionSet : undefined;
}

/** The response keys a selection fills on one object: fields, through fragments on its type, as `@skip`/`@include` leave them. */
function filledFields(schema: GraphQLSchema, set: SelectionSetNode | undefined, object: Data, conditions: ConditionValues, into: string[] = []): string[] {
  for (const selection of set?.selections ?? []) {
    if (!included(selection.directives, conditions)) continue;
    if (selection.kind === Kind.FIELD) {
      const name = selection.alias?.value ?? selection.name.value;
      if (name !== '__typename' && !into.includes(name)) into.push(name);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      // An object whose type is unknown (the root) takes every fragment: the plan chose them for it.
      const condition = selection.typeCondition?.name.value;
      if (!condition || isObjectOfType(schema, object, condition, true)) filledFields(schema, selection.selectionSet, object, conditions, into);
    }
  }
  return into;
}

type Path = (string | number)[];

/**
 * Where each object at a cursor's Flatten path stands in the client's response: field names,
 * `@` for every element of a list, `... on T` for objects of a type, walked as collectAt walks
 * them. Keyed by the object itself, so an object reached twice has both places.
 */
function placesOf(execution: Execution, cursor: Cursor): (target: Data) => readonly Path[] {
  const schema = execution.internals.supergraphSchema;
  const path = cursor.path;
  if (path.length === 0) return () => [[]];
  const places = new Map<Data, Path[]>();
  const walk = (value: unknown, index: number, at: Path): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      const next = path[index] === '@' ? index + 1 : index;
      for (let i = 0; i < value.length; i++) walk(value[i], next, [...at, i]);
      return;
    }
    const object = value as Data;
    if (index === path.length) {
      const known = places.get(object);
      if (known) known.push(at);
      else places.set(object, [at]);
      return;
    }
    const element = path[index]!;
    if (typeof element === 'string' && element.startsWith('... on ')) {
      if (isObjectOfType(schema, object, element.slice(7))) walk(object, index + 1, at);
    } else if (element === '@') walk(object, index + 1, at);
    else if (Object.hasOwn(object, element)) walk(object[element as string], index + 1, [...at, element]);
  };
  walk(execution.root, 0, []);
  return (target) => places.get(target) ?? [];
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
