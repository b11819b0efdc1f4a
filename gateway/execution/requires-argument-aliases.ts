import { operationFromDocument } from '@apollo/federation-internals';
import type { FetchNode, FlattenNode, PlanNode, QueryPlan, QueryPlanSelectionNode, ResponsePath } from '@apollo/query-planner';
import {
  BREAK,
  isAbstractType,
  Kind,
  parse,
  print,
  stripIgnoredCharacters,
  visit,
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import { linkedDirectiveNames } from '../../schema/supergraph/linked-directive-names.ts';
import { parseFieldSet } from '../../schema/product/subgraph-model.ts';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { GatewayPlanning } from './gateway-internals.ts';

/**
 * Apollo's plan for an operation, with `@requires` arguments kept apart: the one way the
 * executor and the plan warmer plan, so every plan in the gateway's cache is corrected once.
 */
export function planOperation(planning: GatewayPlanning, document: DocumentNode, operationName: string | undefined, options?: object): QueryPlan {
  const plan = planning.queryPlanner.buildQueryPlan(operationFromDocument(planning.apiSchema, document, { operationName }), options);
  return withRequiresArgumentsApart(plan, planning.supergraphSchema, document, operationName);
}

/**
 * Keeps a `@requires` selection's arguments apart from the caller's, once per query plan.
 * Apollo's planner merges the fields a fetch selects by response name, so a caller's
 * `reviews(first: 1)` beside a `@requires` of `reviews(first: 3)` would be answered three reviews,
 * silently. Where merged fields disagree on arguments, each set of required arguments gets its
 * own copy under a private alias, the merged field gets the caller's arguments back, and each
 * requiring fetch reads its copy; what cannot be corrected is refused with PLAN_NODE_UNSUPPORTED.
 * Plans with no disagreement are returned untouched. The life-cycle document ("Plans with
 * `@requires` arguments kept apart") says how, and why Apollo's planner is corrected, not replaced.
 */
export function withRequiresArgumentsApart(plan: QueryPlan, supergraph: GraphQLSchema, document: DocumentNode, operationName: string | undefined): QueryPlan {
  const index = requiresIndexOf(supergraph);
  if (index.fieldSets.size === 0 || !plan.node || !mayDisagree(index, document)) return plan;
  try {
    correct(plan, new PlanContext(supergraph, index, document, operationName));
  } catch (error) {
    if (!(error instanceof MeshError)) throw error;
    refusals.set(plan, error);
  }
  return plan;
}

/** Why a plan cannot be served with its `@requires` arguments kept apart, when it cannot. */
export function requiresArgumentsRefusal(plan: QueryPlan): MeshError | undefined {
  return refusals.get(plan);
}

/** A product error's path with each private alias of its fetch read back as the field it fetched. */
export function publicErrorPath<P extends readonly (string | number)[] | undefined>(fetch: FetchNode, path: P): P {
  const aliases = aliasesOf.get(fetch);
  if (!aliases || !path) return path;
  return path.map((segment) => (typeof segment === 'string' ? (aliases.get(segment) ?? segment) : segment)) as unknown as P;
}

const refusals = new WeakMap<QueryPlan, MeshError>();
/** Per corrected fetch: private alias -> the field it fetches. */
const aliasesOf = new WeakMap<FetchNode, Map<string, string>>();

// ---------------------------------------------------------------------------------------
// The supergraph's `@requires` field sets, read once per supergraph (Apollo Gateway replaces
// its graphql-js supergraph schema on every load, so the schema object is the key).

interface RequiresIndex {
  /** Each `@requires` field set, by product, type and field. */
  fieldSets: Map<string, SelectionSetNode>;
  /** Whether any field set passes an argument, at any depth. */
  argued: boolean;
  /** The fields the field sets select, at any depth. */
  required: Set<string>;
}
const indexes = new WeakMap<GraphQLSchema, RequiresIndex>();
const JOIN = 'https://specs.apollo.dev/join';

const indexKey = (product: string, typeName: string, field: string) => `${product}\u0000${typeName}\u0000${field}`;

function requiresIndexOf(schema: GraphQLSchema): RequiresIndex {
  let index = indexes.get(schema);
  if (index) return index;
  index = { fieldSets: new Map(), argued: false, required: new Set() };
  const definitions = [schema.astNode, ...schema.extensionASTNodes].filter((d) => d !== undefined && d !== null);
  const nameOf = linkedDirectiveNames({ kind: Kind.DOCUMENT, definitions });
  const joinField = nameOf(JOIN, 'field');
  const joinGraph = nameOf(JOIN, 'graph');
  const graphs = new Map<string, string>();
  const types = Object.values(schema.getTypeMap());
  for (const type of types) {
    if (type.astNode?.kind !== Kind.ENUM_TYPE_DEFINITION) continue;
    for (const value of type.astNode.values ?? []) {
      const name = value.directives?.find((d) => d.name.value === joinGraph)?.arguments?.find((a) => a.name.value === 'name')?.value;
      if (name?.kind === Kind.STRING) graphs.set(value.name.value, name.value);
    }
  }
  for (const type of types) {
    const node = type.astNode;
    if (node?.kind !== Kind.OBJECT_TYPE_DEFINITION && node?.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    for (const field of node.fields ?? []) {
      for (const directive of field.directives ?? []) {
        if (directive.name.value !== joinField) continue;
        const argument = (name: string) => directive.arguments?.find((a) => a.name.value === name)?.value;
        const requires = argument('requires');
        const graph = argument('graph');
        if (requires?.kind !== Kind.STRING || graph?.kind !== Kind.ENUM) continue;
        const selectionSet = parseFieldSet(requires.value);
        if (!selectionSet) continue;
        index.fieldSets.set(indexKey(graphs.get(graph.value) ?? graph.value, node.name.value, field.name.value), selectionSet);
        visit(selectionSet, {
          Field: (selected) => {
            (index as RequiresIndex).required.add(selected.name.value);
          },
          Argument: () => {
            (index as RequiresIndex).argued = true;
          },
        });
      }
    }
  }
  indexes.set(schema, index);
  return index;
}

/**
 * Whether the planner can have merged disagreeing fields for this operation: only where a
 * field set passes arguments, or the caller passes some to (or puts an alias on) a field a
 * field set selects. Every other plan (the federation benchmark's among them) is left as
 * planned without reading its fetches.
 */
function mayDisagree(index: RequiresIndex, document: DocumentNode): boolean {
  if (index.argued) return true;
  let found = false;
  visit(document, {
    Field: (field) => {
      if ((field.arguments?.length && index.required.has(field.name.value)) || (field.alias && index.required.has(field.alias.value))) {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

// ---------------------------------------------------------------------------------------
// The plan's fetches, where they run.

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer E)[] ? E[] : T[K] };

interface PlannedFetch {
  fetch: FetchNode;
  /** The response path its objects are at (the Flatten path; `[]` for a root fetch). */
  path: ResponsePath;
  /** Replaces the Flatten node around this (entity) fetch. */
  replaceFlatten?: (node: PlanNode) => void;
  flatten?: FlattenNode;
  /** Its operation, parsed (without locations) for rewriting, once it is needed. */
  document?: DocumentNode;
  changed?: boolean;
}

/** A fetch's operation, parsed once (without locations) and then rewritten in place. */
function documentOf(planned: PlannedFetch): DocumentNode {
  if (!planned.document) planned.document = parse(planned.fetch.operation, { noLocation: true });
  return planned.document;
}

/** The map's entry for a key, made and stored the first time. */
function entryOf<K, V>(map: { get(key: K): V | undefined; set(key: K, value: V): unknown }, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function fetchesOf(plan: QueryPlan): PlannedFetch[] {
  const found: PlannedFetch[] = [];
  const walk = (node: PlanNode | undefined, path: ResponsePath, replace: (node: PlanNode) => void): void => {
    if (!node) return;
    switch (node.kind) {
      case 'Sequence':
      case 'Parallel':
        node.nodes.forEach((child, i) => {
          walk(child, path, (next) => {
            (node.nodes as PlanNode[])[i] = next;
          });
        });
        return;
      case 'Flatten': {
        const inner = [...path, ...node.path];
        if (node.node.kind === 'Fetch') found.push({ fetch: node.node, path: inner, replaceFlatten: replace, flatten: node });
        else
          walk(node.node, inner, (next) => {
            (node as Mutable<FlattenNode>).node = next;
          });
        return;
      }
      case 'Fetch':
        found.push({ fetch: node, path });
        return;
      case 'Condition':
        walk(node.ifClause, path, (next) => {
          (node as { ifClause?: PlanNode }).ifClause = next;
        });
        walk(node.elseClause, path, (next) => {
          (node as { elseClause?: PlanNode }).elseClause = next;
        });
        return;
      case 'Defer':
        walk(node.primary.node, path, (next) => {
          (node.primary as { node?: PlanNode }).node = next;
        });
        for (const deferred of node.deferred)
          walk(deferred.node, [], (next) => {
            (deferred as { node?: PlanNode }).node = next;
          });
        return;
    }
  };
  const root = plan.node as PlanNode | undefined;
  walk(root, [], (next) => {
    (plan as { node?: PlanNode }).node = next;
  });
  return found;
}

// ---------------------------------------------------------------------------------------
// The correction.

class PlanContext {
  readonly operation: OperationDefinitionNode;
  readonly fragments: Record<string, FragmentDefinitionNode> = {};
  private readonly document: DocumentNode;
  private used: Set<string> | undefined;
  private next = 0;

  constructor(
    readonly schema: GraphQLSchema,
    readonly index: RequiresIndex,
    document: DocumentNode,
    operationName: string | undefined,
  ) {
    let operation: OperationDefinitionNode | undefined;
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments[definition.name.value] = definition;
      else if (definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName)) operation ??= definition;
    }
    if (!operation) throw new Error('no operation to plan');
    this.operation = operation;
    this.document = document;
  }

  /** A private alias: one the caller's document does not use anywhere. */
  privateAlias(): string {
    if (!this.used) {
      const used = new Set<string>();
      visit(this.document, {
        Field: (field) => {
          used.add(field.alias?.value ?? field.name.value);
        },
      });
      this.used = used;
    }
    let alias: string;
    do alias = `__requires${this.next++}`;
    while (this.used.has(alias));
    return alias;
  }

  /** Whether a fragment on `condition` applies to objects of `typeName`. */
  applies(condition: string | undefined, typeName: string | undefined): boolean {
    if (!condition || !typeName || condition === typeName) return true;
    const abstract = this.schema.getType(condition);
    const object = this.schema.getType(typeName);
    if (!abstract || !object || !isAbstractType(abstract)) return false;
    return 'getInterfaces' in object && this.schema.isSubType(abstract, object as never);
  }
}

/** One `@requires` field set's top field at a position, and the fetch/field that requires it. */
interface RequiresUse {
  fetch: PlannedFetch;
  typeName: string;
  /** The field of the requiring fetch that carries the `@requires`. */
  requiring: string;
  node: FieldNode;
}

interface Position {
  path: ResponsePath;
  typeName: string;
  field: string;
  uses: RequiresUse[];
}

function correct(plan: QueryPlan, context: PlanContext): void {
  const fetches = fetchesOf(plan);
  const positions = new Map<string, Position>();
  for (const planned of fetches) {
    if (!planned.fetch.requires) continue;
    for (const { typeName, fields } of entityFields(planned)) {
      for (const requiring of fields) {
        const requires = context.index.fieldSets.get(indexKey(planned.fetch.serviceName, typeName, requiring));
        if (!requires) continue;
        for (const selection of requires.selections) {
          if (selection.kind !== Kind.FIELD || selection.name.value === '__typename') continue;
          const key = `${planned.path.join('\u0000')}\u0001${typeName}\u0001${selection.name.value}`;
          const position = entryOf(positions, key, () => ({ path: planned.path, typeName, field: selection.name.value, uses: [] as RequiresUse[] }));
          position.uses.push({ fetch: planned, typeName, requiring, node: selection });
        }
      }
    }
  }
  /** Per requiring fetch and field: the private alias of each required field it reads. */
  const readsBy = new Map<PlannedFetch, Map<string, Map<string, string>>>();
  for (const position of positions.values()) {
    const groups = groupsOf(position.uses);
    const callers = fieldsAt(context, [context.operation.selectionSet], position.path, position.typeName, position.field, true).map((found) => found.field);
    const agrees = groups.length === 1 && callers.every((caller) => groups[0]!.every((use) => compatible(context, caller, use.node)));
    if (agrees) continue;
    const aliases = groups.map(() => context.privateAlias());
    // Whether a fetch runs below the merged field (on its objects): it then stays fetched as it was planned.
    const below = fetches.some((planned) => isPrefix([...position.path, position.field], planned.path));
    const copied = groups.map(() => false);
    for (const planned of fetches) {
      if (position.uses.some((use) => use.fetch === planned) || !isPrefix(planned.path, position.path)) continue;
      const document = documentOf(planned);
      const found = fieldsInFetch(context, planned, document, position);
      for (const { container, field } of found) {
        groups.forEach((group, g) => {
          if (container.some((selection) => selection.kind === Kind.FIELD && selection.alias?.value === aliases[g])) return;
          // Without the caller's @skip/@include: what a requires needs is fetched whatever the caller skips.
          const copy = withArgumentsOf(
            context,
            { ...field, alias: { kind: Kind.NAME, value: aliases[g]! }, directives: [] },
            group.map((use) => use.node),
          );
          // A copy holds what its requires need only if the product fetched all of it here.
          if (!group.every((use) => contains(context, copy, use.node))) return;
          container.push(copy);
          copied[g] = true;
          entryOf(aliasesOf, planned.fetch, () => new Map<string, string>()).set(aliases[g]!, position.field);
        });
        if (callers.length > 0) {
          const restored = restoreCaller(context, field, callers);
          container[container.indexOf(field)] = restored;
          addVariables(context, planned, document, restored);
        } else if (!below) {
          // Only the requires read it, and each now reads its own copy: fetched again, it would report its errors twice.
          container.splice(container.indexOf(field), 1);
        }
        planned.changed = true;
      }
    }
    if (copied.some((done) => !done)) {
      throw new MeshError(
        MeshErrorCode.PLAN_NODE_UNSUPPORTED,
        `This gateway does not execute ${position.typeName}.${position.field} required with other arguments than another selection of it, where what is required of it comes from more than one product`,
      );
    }
    groups.forEach((group, g) => {
      for (const use of group) {
        const reads = entryOf(readsBy, use.fetch, () => new Map<string, Map<string, string>>());
        entryOf(reads, `${use.typeName}.${use.requiring}`, () => new Map<string, string>()).set(`${use.typeName}.${position.field}`, aliases[g]!);
      }
    });
  }
  for (const planned of fetches) {
    if (planned.changed && planned.document) {
      const operation = stripIgnoredCharacters(print(planned.document));
      const fetch = planned.fetch as Mutable<FetchNode>;
      fetch.operation = operation;
      fetch.operationDocumentNode = planned.document;
    }
  }
  for (const [planned, reads] of readsBy) splitAndAlias(planned, reads);
}

/** Whether a response path begins with another (a fetch at `path` can hold what is at `longer`). */
function isPrefix(path: ResponsePath, longer: ResponsePath): boolean {
  return path.length <= longer.length && path.every((element, i) => element === longer[i]);
}

/** The entity fields a requiring fetch selects, by type: `_entities { ... on T { a b } }`. */
function entityFields(planned: PlannedFetch): { typeName: string; fields: string[] }[] {
  const operation = documentOf(planned).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  const entities = operation?.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === '_entities');
  const found: { typeName: string; fields: string[] }[] = [];
  for (const selection of entities?.selectionSet?.selections ?? []) {
    if (selection.kind !== Kind.INLINE_FRAGMENT || !selection.typeCondition) continue;
    const fields = selection.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
    found.push({ typeName: selection.typeCondition.name.value, fields });
  }
  return found;
}

/** Uses whose arguments agree, together: one fetch of the field serves each group. */
function groupsOf(uses: readonly RequiresUse[]): RequiresUse[][] {
  const groups: RequiresUse[][] = [];
  for (const use of uses) {
    const group = groups.find((members) => members.every((member) => compatible(undefined, member.node, use.node)));
    if (group) group.push(use);
    else groups.push([use]);
  }
  return groups;
}

const argumentsKey = (args: readonly ArgumentNode[] | undefined) =>
  (args ?? [])
    .map((a) => `${a.name.value}:${print(a.value)}`)
    .sort()
    .join(',');

/** Whether one fetch of `a` answers `b` too: the same field and arguments, and so for every sub-field both select. */
function compatible(context: PlanContext | undefined, a: FieldNode, b: FieldNode): boolean {
  if (a.name.value !== b.name.value || argumentsKey(a.arguments) !== argumentsKey(b.arguments)) return false;
  for (const child of childFields(context, a.selectionSet)) {
    for (const other of childFields(context, b.selectionSet)) {
      if (responseName(child) === responseName(other) && !compatible(context, child, other)) return false;
    }
  }
  return true;
}

/** Whether `held` fetched every field `needed` selects (response names, at every depth). */
function contains(context: PlanContext, held: FieldNode, needed: FieldNode): boolean {
  const children = childFields(context, held.selectionSet);
  return childFields(context, needed.selectionSet).every(
    (need) => need.name.value === '__typename' || children.some((child) => responseName(child) === need.name.value && contains(context, child, need)),
  );
}

const responseName = (field: FieldNode) => field.alias?.value ?? field.name.value;

/** The fields of a selection set, through inline fragments and (for the caller's document) named ones. */
function childFields(context: PlanContext | undefined, set: SelectionSetNode | undefined): FieldNode[] {
  const fields: FieldNode[] = [];
  const walk = (selections: readonly SelectionNode[]) => {
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet.selections);
      else {
        const fragment = context?.fragments[selection.name.value];
        if (fragment) walk(fragment.selectionSet.selections);
      }
    }
  };
  if (set) walk(set.selections);
  return fields;
}

/** `field` with the arguments of `templates` (fields that agree) at its level and every level below both select. */
function withArgumentsOf(context: PlanContext, field: FieldNode, templates: readonly FieldNode[]): FieldNode {
  const template = templates[0];
  if (!template) return field;
  const rewrite = (selections: readonly SelectionNode[]): SelectionNode[] =>
    selections.map((selection) => {
      if (selection.kind === Kind.INLINE_FRAGMENT) return { ...selection, selectionSet: { ...selection.selectionSet, selections: rewrite(selection.selectionSet.selections) } };
      if (selection.kind !== Kind.FIELD) return selection;
      const below = templates.flatMap((t) => childFields(context, t.selectionSet).filter((child) => responseName(child) === responseName(selection)));
      return below.length > 0 ? withArgumentsOf(context, selection, below) : selection;
    });
  return {
    ...field,
    name: template.name,
    arguments: template.arguments,
    ...(field.selectionSet && { selectionSet: { ...field.selectionSet, selections: rewrite(field.selectionSet.selections) } }),
  };
}

/** The merged field as the caller selected it: the caller's field and arguments (the planner's own sub-selection kept). */
function restoreCaller(context: PlanContext, merged: FieldNode, callers: readonly FieldNode[]): FieldNode {
  const caller = callers[0]!;
  if (caller.name.value !== merged.name.value) {
    // `reviews: name` beside a required `reviews(...)`: the planner kept only the required field.
    if (caller.selectionSet) throw new MeshError(MeshErrorCode.PLAN_NODE_UNSUPPORTED, `This gateway does not execute the alias "${responseName(caller)}" given to another field than a required one`);
    return { kind: Kind.FIELD, alias: caller.alias, name: caller.name, arguments: caller.arguments, directives: merged.directives };
  }
  return withArgumentsOf(context, merged, callers);
}

/** Declares, in a fetch's operation, the caller's variables a restored field now passes. */
function addVariables(context: PlanContext, planned: PlannedFetch, document: DocumentNode, field: FieldNode): void {
  const names = new Set<string>();
  visit(field, {
    Variable: (variable) => {
      names.add(variable.name.value);
    },
  });
  if (names.size === 0) return;
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as Mutable<OperationDefinitionNode>;
  const fetch = planned.fetch as Mutable<FetchNode>;
  operation.variableDefinitions = [...(operation.variableDefinitions ?? [])];
  fetch.variableUsages = [...(fetch.variableUsages ?? [])];
  const declared = operation.variableDefinitions as VariableDefinitionNode[];
  const usages = fetch.variableUsages;
  for (const name of names) {
    if (!declared.some((d) => d.variable.name.value === name)) {
      const definition = context.operation.variableDefinitions?.find((d) => d.variable.name.value === name);
      if (definition) declared.push(definition);
    }
    if (!usages.includes(name)) usages.push(name);
  }
}

/** Where a fetch's operation selects the position's field: each found field with the selection list holding it. */
function fieldsInFetch(context: PlanContext, planned: PlannedFetch, document: DocumentNode, position: Position): { container: SelectionNode[]; field: FieldNode }[] {
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) return [];
  const own = planned.path;
  let sets: SelectionSetNode[] = [operation.selectionSet];
  if (planned.fetch.requires) {
    const entities = operation.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === '_entities');
    if (!entities?.selectionSet) return [];
    sets = [entities.selectionSet];
  }
  return fieldsAt(context, sets, position.path.slice(own.length), position.typeName, position.field, false);
}

/**
 * The fields of response name `field`, on objects of `typeName`, at a response path below the
 * given selection sets: Flatten path elements are response names, `@` (a list) and `... on T`.
 * In the caller's document named fragments are followed; in a fetch's, the planner writes none.
 */
function fieldsAt(context: PlanContext, sets: readonly SelectionSetNode[], path: ResponsePath, typeName: string, field: string, caller: boolean): { container: SelectionNode[]; field: FieldNode }[] {
  let typeCondition: string | undefined;
  let current = sets;
  for (const element of path) {
    if (element === '@' || typeof element !== 'string') continue;
    if (element.startsWith('... on ')) {
      typeCondition = element.slice(7);
      continue;
    }
    current = collect(context, current, element, typeCondition, caller).flatMap((found) => (found.field.selectionSet ? [found.field.selectionSet] : []));
    typeCondition = undefined;
  }
  return collect(context, current, field, typeName, caller);
}

function collect(context: PlanContext, sets: readonly SelectionSetNode[], name: string, typeName: string | undefined, caller: boolean): { container: SelectionNode[]; field: FieldNode }[] {
  const found: { container: SelectionNode[]; field: FieldNode }[] = [];
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (responseName(selection) === name) found.push({ container: set.selections as SelectionNode[], field: selection });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (context.applies(selection.typeCondition?.name.value, typeName)) walk(selection.selectionSet);
      } else if (caller) {
        const fragment = context.fragments[selection.name.value];
        if (fragment && context.applies(fragment.typeCondition.name.value, typeName)) walk(fragment.selectionSet);
      }
    }
  };
  for (const set of sets) walk(set);
  return found;
}

/**
 * Points each requiring fetch at its private copies, splitting it where its fields need
 * different copies of one field: one representation carries one value per field name.
 * `reads`: per `Type.requiringField`, the private alias of each `Type.requiredField`.
 */
function splitAndAlias(planned: PlannedFetch, reads: Map<string, Map<string, string>>): void {
  const { fetch } = planned;
  const document = documentOf(planned);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
  const entities = operation.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === '_entities')!;
  // Fields with the same reads share a fetch; a field that reads no copy joins the first.
  const parts = new Map<string, { reads: Map<string, string>; fields: Set<string> }>();
  for (const selection of entities.selectionSet!.selections) {
    if (selection.kind !== Kind.INLINE_FRAGMENT || !selection.typeCondition) continue;
    const typeName = selection.typeCondition.name.value;
    for (const field of selection.selectionSet.selections) {
      if (field.kind !== Kind.FIELD) continue;
      const fieldReads = reads.get(`${typeName}.${field.name.value}`);
      if (!fieldReads) continue;
      const key = [...fieldReads].sort().join(',');
      const part = parts.get(key) ?? { reads: fieldReads, fields: new Set() };
      part.fields.add(`${typeName}.${field.name.value}`);
      parts.set(key, part);
    }
  }
  const all = [...parts.values()];
  const apart = new Set(all.flatMap((part) => [...part.reads.keys()]));
  const fetches = all.map((part, i) => {
    const keep = (typeName: string, field: string) => (i === 0 ? !all.slice(1).some((other) => other.fields.has(`${typeName}.${field}`)) : part.fields.has(`${typeName}.${field}`));
    const split = all.length === 1 ? document : only(document, keep);
    const node: Mutable<FetchNode> = { ...fetch, requires: aliasRequires(fetch.requires ?? [], part.reads, apart) };
    if (split !== document || planned.changed) {
      node.operation = stripIgnoredCharacters(print(split));
      node.operationDocumentNode = split;
      node.variableUsages = usedVariables(split, fetch.variableUsages);
    }
    if (i > 0) delete node.id;
    const aliases = aliasesOf.get(fetch);
    if (aliases) aliasesOf.set(node as FetchNode, aliases);
    return node as FetchNode;
  });
  if (fetches.length === 1) {
    Object.assign(fetch, fetches[0]);
    return;
  }
  const flatten = planned.flatten!;
  planned.replaceFlatten!({ kind: 'Parallel', nodes: fetches.map((node) => ({ ...flatten, node })) });
}

/**
 * A part of a requiring fetch's `requires`: each required field it reads from its private
 * alias; a field kept apart (`apart`) that only the other parts read is left out, since its
 * merged fetch may be gone and a missing field would drop the whole representation.
 */
function aliasRequires(requires: readonly QueryPlanSelectionNode[], reads: Map<string, string>, apart: ReadonlySet<string>): QueryPlanSelectionNode[] {
  return requires.map((selection) => {
    if (selection.kind !== 'InlineFragment' || !selection.typeCondition) return selection;
    const typeName = selection.typeCondition;
    return {
      ...selection,
      selections: selection.selections.flatMap((field): QueryPlanSelectionNode[] => {
        if (field.kind !== 'Field') return [field];
        const coordinate = `${typeName}.${field.name}`;
        const alias = reads.get(coordinate);
        if (alias) return [{ ...field, alias }];
        return apart.has(coordinate) ? [] : [field];
      }),
    };
  });
}

/** The entity fetch's operation with only the entity fields `keep` says (`_entities { ... on T { kept } }`). */
function only(document: DocumentNode, keep: (typeName: string, field: string) => boolean): DocumentNode {
  const definitions = document.definitions.map((definition) => {
    if (definition.kind !== Kind.OPERATION_DEFINITION) return definition;
    const selections = definition.selectionSet.selections.map((selection) => {
      if (selection.kind !== Kind.FIELD || selection.name.value !== '_entities' || !selection.selectionSet) return selection;
      const fragments = selection.selectionSet.selections.flatMap((fragment) => {
        if (fragment.kind !== Kind.INLINE_FRAGMENT || !fragment.typeCondition) return [fragment];
        const typeName = fragment.typeCondition.name.value;
        const kept = fragment.selectionSet.selections.filter((s) => s.kind !== Kind.FIELD || s.name.value === '__typename' || keep(typeName, s.name.value));
        return kept.some((s) => s.kind !== Kind.FIELD || s.name.value !== '__typename') ? [{ ...fragment, selectionSet: { ...fragment.selectionSet, selections: kept } }] : [];
      });
      return { ...selection, selectionSet: { ...selection.selectionSet, selections: fragments } };
    });
    return { ...definition, selectionSet: { ...definition.selectionSet, selections } };
  });
  return { ...document, definitions };
}

/** The variables an operation still uses, in the order the planner listed them; their definitions pruned to match. */
function usedVariables(document: DocumentNode, listed: readonly string[] | undefined): string[] {
  const used = new Set<string>();
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as Mutable<OperationDefinitionNode>;
  visit(operation.selectionSet, {
    Variable: (variable) => {
      used.add(variable.name.value);
    },
  });
  operation.variableDefinitions = (operation.variableDefinitions ?? []).filter((d) => used.has(d.variable.name.value));
  return (listed ?? []).filter((name) => used.has(name));
}
