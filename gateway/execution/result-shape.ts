import {
  executeSync,
  type GraphQLError,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLEnumType,
  type GraphQLOutputType,
  type GraphQLScalarType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { gapsIn } from './entity-representations.ts';

/** The values `@skip(if:)` / `@include(if:)` read, by variable name (defaults applied). */
export type ConditionValues = Readonly<Record<string, unknown>>;

type Path = (string | number)[];

// biome-ignore lint/suspicious/noConstEnum: file-local, so tsc and tsx's esbuild both inline its members on this hot path; never export one
const enum FieldKind {
  Typename,
  Introspection,
  Value,
}

/** One response key of an object, decided once for a runtime type: what to read and how to complete it. */
interface FieldShape {
  readonly kind: FieldKind;
  readonly responseName: string;
  /** The type named in messages: the object type the field was completed on. */
  readonly parentTypeName: string;
  readonly fieldName: string;
  readonly type: GraphQLOutputType;
  /** The type's wrappers and named type, decided once, so completing a value asks graphql-js nothing. */
  readonly chain: readonly TypeStep[];
  /** The merged sub-selection, for fields of a composite type. */
  readonly selection: SelectionShape | undefined;
  /** The field's first node, for introspection. */
  readonly node: FieldNode;
  /**
   * A response key every object inherits (`__proto__`, `constructor`, `toString`…): read only
   * when the product sent it, else a field it left out would complete as the inherited member,
   * and written as an own property, never through the prototype setter.
   */
  readonly ownKey: boolean;
}

// biome-ignore lint/suspicious/noConstEnum: file-local, so tsc and tsx's esbuild both inline its members on this hot path; never export one
const enum StepKind {
  NonNull,
  List,
  Leaf,
  Composite,
}

/** One layer of a field's type: `[Int!]!` is NonNull, List, NonNull, Leaf. */
interface TypeStep {
  readonly kind: StepKind;
  /** For NonNull: the inner type, as messages name it. */
  readonly inner?: string;
  /** For Leaf: how a product's value is checked against the type. */
  readonly leaf?: LeafKind;
  readonly enumType?: GraphQLEnumType;
  readonly composite?: GraphQLCompositeType;
}

function typeChain(type: GraphQLOutputType): TypeStep[] {
  const chain: TypeStep[] = [];
  for (let t: GraphQLOutputType = type; ; ) {
    if (isNonNullType(t)) {
      chain.push({ kind: StepKind.NonNull, inner: String(t.ofType) });
      t = t.ofType;
    } else if (isListType(t)) {
      chain.push({ kind: StepKind.List });
      t = t.ofType;
    } else {
      if (isCompositeType(t)) chain.push({ kind: StepKind.Composite, composite: t });
      else if (isEnumType(t)) chain.push({ kind: StepKind.Leaf, leaf: LeafKind.Enum, enumType: t });
      else chain.push({ kind: StepKind.Leaf, leaf: LEAF_KINDS[(t as GraphQLScalarType).name] ?? LeafKind.Custom });
      return chain;
    }
  }
}

// biome-ignore lint/suspicious/noConstEnum: file-local, so tsc and tsx's esbuild both inline its members on this hot path; never export one
const enum ConcreteTypeNeed {
  /** Fragments on other types: which apply cannot be told. */
  Fragments,
  /** `__typename`: the object has no name to answer. */
  Name,
}

/** Marks a completed value that is a null in a non-null position: the parent becomes null. */
const BUBBLE: unique symbol = Symbol('bubble');
type Completed = unknown;

/** The operation's pieces a shape is compiled from. */
interface ShapeSource {
  schema: GraphQLSchema;
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  conditions: ConditionValues;
}

/**
 * The fields one selection set (with every fragment that reaches it) asks of an object, per
 * runtime type: collected once (the GraphQL spec's CollectFields, with `@skip`/`@include`
 * already decided), then reused by every object of that type in every request.
 */
class SelectionShape {
  private readonly byType = new Map<string, TypeFields>();

  constructor(
    private readonly source: ShapeSource,
    readonly staticType: GraphQLCompositeType,
    private readonly selectionSets: readonly SelectionSetNode[],
  ) {}

  /** One lookup per object completed: this is the hot path. */
  forType(type: GraphQLCompositeType): TypeFields {
    let found = this.byType.get(type.name);
    if (!found) {
      found = this.collect(type);
      this.byType.set(type.name, found);
    }
    return found;
  }

  private collect(type: GraphQLCompositeType): TypeFields {
    const groups = new Map<string, FieldNode[]>();
    const skipped = { fragment: false };
    for (const set of this.selectionSets) collectFields(this.source, type, set, groups, new Set(), skipped);
    let need = skipped.fragment ? ConcreteTypeNeed.Fragments : undefined;
    const fields: FieldShape[] = [];
    for (const [responseName, nodes] of groups) {
      const node = nodes[0]!;
      const fieldName = node.name.value;
      const base = { responseName, parentTypeName: type.name, fieldName, node, ownKey: responseName in Object.prototype };
      if (fieldName === '__typename') {
        need = ConcreteTypeNeed.Name;
        fields.push({ ...base, kind: FieldKind.Typename, type: this.source.schema.getType('String') as GraphQLScalarType, chain: [], selection: undefined });
        continue;
      }
      if (fieldName === '__schema' || fieldName === '__type') {
        fields.push({ ...base, kind: FieldKind.Introspection, type: this.source.schema.getType('String') as GraphQLScalarType, chain: [], selection: undefined });
        continue;
      }
      // A union has no fields of its own; the query was validated, so a field here means a type we cannot place.
      const definition = 'getFields' in type ? type.getFields()[fieldName] : undefined;
      if (!definition) continue;
      let named: GraphQLOutputType = definition.type;
      while (isNonNullType(named) || isListType(named)) named = named.ofType;
      const sets = nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
      const selection = isCompositeType(named) ? new SelectionShape(this.source, named, sets) : undefined;
      fields.push({ ...base, kind: FieldKind.Value, type: definition.type, chain: typeChain(definition.type), selection });
    }
    // Only an object whose type is still abstract once every fetch is in can lack its concrete type.
    return { fields, concreteTypeNeed: isObjectType(type) ? undefined : need };
  }
}

/** The fields a selection asks of objects of one runtime type. */
interface TypeFields {
  readonly fields: readonly FieldShape[];
  /**
   * For an abstract type (an @interfaceObject never resolved): what of the selection needs
   * the object's concrete type, its name (`__typename`) or which fragments apply to it.
   */
  readonly concreteTypeNeed: ConcreteTypeNeed | undefined;
}

function collectFields(source: ShapeSource, type: GraphQLCompositeType, set: SelectionSetNode, groups: Map<string, FieldNode[]>, visited: Set<string>, skipped: { fragment: boolean }): void {
  for (const selection of set.selections) {
    if (!included(selection.directives, source.conditions)) continue;
    switch (selection.kind) {
      case Kind.FIELD: {
        const name = selection.alias?.value ?? selection.name.value;
        const group = groups.get(name);
        if (group) group.push(selection);
        else groups.set(name, [selection]);
        break;
      }
      case Kind.INLINE_FRAGMENT:
        if (!selection.typeCondition || conditionApplies(source.schema, selection.typeCondition.name.value, type)) collectFields(source, type, selection.selectionSet, groups, visited, skipped);
        else skipped.fragment = true;
        break;
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        const fragment = source.fragments[name];
        if (!fragment || visited.has(name)) break;
        visited.add(name);
        if (conditionApplies(source.schema, fragment.typeCondition.name.value, type)) collectFields(source, type, fragment.selectionSet, groups, visited, skipped);
        else skipped.fragment = true;
        break;
      }
    }
  }
}

/** Whether a fragment on `condition` applies to an object whose type is `type` (an interface when the object's concrete type is unknown). */
function conditionApplies(schema: GraphQLSchema, condition: string, type: GraphQLCompositeType): boolean {
  if (condition === type.name) return true;
  const conditionType = schema.getType(condition);
  if (!conditionType || !isAbstractType(conditionType)) return false;
  return (isObjectType(type) || 'getInterfaces' in type) && schema.isSubType(conditionType, type as Parameters<GraphQLSchema['isSubType']>[1]);
}

/** Whether `@skip`/`@include` keep a selection, given the values of their variables. */
export function included(directives: FieldNode['directives'], conditions: ConditionValues): boolean {
  if (!directives || directives.length === 0) return true;
  for (const directive of directives) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const argument = directive.arguments?.find((a) => a.name.value === 'if');
    if (!argument) continue;
    const value = argument.value.kind === Kind.VARIABLE ? conditions[argument.value.name.value] === true : argument.value.kind === Kind.BOOLEAN && argument.value.value;
    if (name === 'skip' ? value : !value) return false;
  }
  return true;
}

/** The variables that decide an operation's `@skip`/`@include`: the shape is compiled once per combination of their values. */
export function conditionVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  const walk = (set: SelectionSetNode | undefined): void => {
    for (const selection of set?.selections ?? []) {
      for (const directive of selection.directives ?? []) {
        if (directive.name.value !== 'skip' && directive.name.value !== 'include') continue;
        for (const argument of directive.arguments ?? []) if (argument.value.kind === Kind.VARIABLE) names.add(argument.value.name.value);
      }
      if (selection.kind !== Kind.FRAGMENT_SPREAD) walk(selection.selectionSet);
    }
  };
  for (const definition of document.definitions) if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) walk(definition.selectionSet);
  return [...names].sort();
}

/** What completing one response records besides the data. */
interface Completion {
  schema: GraphQLSchema;
  errors: GraphQLError[];
  /** Bumped by every error and every null a child already accounted for: a null with no bump since its subtree began is unexplained. */
  marks: number;
  /** Errors from fetching: a null they explain gets no error of its own. */
  fetchErrors: readonly GraphQLError[];
  fetchErrorWithoutPath: boolean;
  /** The fetch errors' paths, indexed on first use (see explainedAround). */
  errorPaths?: ErrorPathIndex;
  introspect: (node: FieldNode) => unknown;
}

/**
 * The result shape of one operation, compiled once per (query plan, operation, `@skip`/`@include`
 * values) and kept beside the plan. Completing a response walks it over the merged product
 * answers and builds the client's data in selection order: aliases, `__typename`, type
 * conditions, abstract types, leaf checks, and nulls propagated as the GraphQL spec says, each
 * with its error unless a fetch's error already explains it. Where that departs from Apollo
 * Gateway's executor, and why: the life-cycle document, beside where an error stands.
 */
export class OperationShape {
  private readonly root: SelectionShape;
  private readonly rootType: GraphQLCompositeType;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly operation: OperationDefinitionNode,
    private readonly fragments: Readonly<Record<string, FragmentDefinitionNode>>,
    conditions: ConditionValues,
  ) {
    const rootType = schema.getRootType(operation.operation);
    if (!rootType) throw new MeshError(MeshErrorCode.PLAN_NODE_UNSUPPORTED, `The schema has no ${operation.operation} type`);
    this.rootType = rootType;
    this.root = new SelectionShape({ schema, fragments, conditions }, rootType, [operation.selectionSet]);
  }

  /** The client's data from the merged answers, and the errors completing it found. */
  complete(input: Record<string, unknown>, fetchErrors: readonly GraphQLError[], variables: Record<string, unknown> | undefined): { data: Record<string, unknown> | null; errors: GraphQLError[] } {
    const state: Completion = {
      schema: this.schema,
      errors: [],
      marks: 0,
      fetchErrors,
      fetchErrorWithoutPath: fetchErrors.some((e) => !e.path),
      introspect: (node) => this.introspect(node, variables),
    };
    const data = completeObject(input, this.root, this.rootType, [], state);
    return { data: data === BUBBLE ? null : (data as Record<string, unknown>), errors: state.errors };
  }

  /** `__schema` / `__type`: answered by graphql-js against the API schema, as Apollo Gateway does. */
  private introspect(node: FieldNode, variables: Record<string, unknown> | undefined): unknown {
    const document: DocumentNode = {
      kind: Kind.DOCUMENT,
      definitions: [
        {
          kind: Kind.OPERATION_DEFINITION,
          operation: OperationTypeNode.QUERY,
          variableDefinitions: this.operation.variableDefinitions,
          selectionSet: { kind: Kind.SELECTION_SET, selections: [node] },
        },
        ...Object.values(this.fragments),
      ],
    };
    const { data } = executeSync({ schema: this.schema, document, rootValue: {}, variableValues: variables });
    return data?.[node.alias?.value ?? node.name.value] ?? null;
  }
}

function completeObject(input: Record<string, unknown>, shape: SelectionShape, type: GraphQLCompositeType, path: Path, state: Completion): Completed {
  const { fields, concreteTypeNeed } = shape.forType(type);
  if (concreteTypeNeed !== undefined && !completesWithoutConcreteType(input, concreteTypeNeed, type, path, state)) return BUBBLE;
  const output: Record<string, unknown> = {};
  for (const field of fields) {
    const { responseName } = field;
    let value: unknown;
    if (field.kind === FieldKind.Typename) {
      // The type the object is completed as (its product's __typename, checked when the
      // value was completed), never what a product sent under the client's alias.
      value = type.name;
    } else if (field.kind === FieldKind.Introspection) {
      value = state.introspect(field.node);
    } else {
      path.push(responseName);
      // A key like `constructor` reads only what a product sent under it, never the prototype's.
      const raw = field.ownKey && !Object.hasOwn(input, responseName) ? undefined : input[responseName];
      // No product answered this field: a null the client must be told of. (A non-null
      // field's null is told of where it propagates, in completeValue.)
      if (raw === undefined && field.chain[0]!.kind !== StepKind.NonNull) unanswered(input, field, type, path, state);
      value = completeValue(raw === undefined ? null : raw, 0, field, path, state);
      path.pop();
      if (value === BUBBLE) return BUBBLE;
    }
    if (field.ownKey) Object.defineProperty(output, responseName, { value, enumerable: true, writable: true, configurable: true });
    else output[responseName] = value;
  }
  return output;
}

/**
 * An @interfaceObject whose concrete type was never resolved has only an interface to name.
 * Its own fields need no concrete type and are answered. `__typename` does: the object
 * cannot be answered (Apollo Gateway nulls it too, silently) and its null says why. A
 * fragment on an implementation cannot be told to apply or not: it is left out, as Apollo
 * Gateway leaves it out, but with an error at the object saying so, never silently. (Nulling
 * the object there too would be the stricter reading of the GraphQL spec; the answer is kept
 * equal to Apollo's so that only the error differs.) Apart from completeObject, which every
 * object goes through: this is the cold path.
 */
function completesWithoutConcreteType(input: Record<string, unknown>, need: ConcreteTypeNeed, type: GraphQLCompositeType, path: Path, state: Completion): boolean {
  const gaps = gapsIn(input);
  if (!gaps?.told && !explainedAround(path, state)) {
    const why = gaps?.why ?? (gaps?.nullFrom && `data product "${gaps.nullFrom}" answered null for this ${type.name}`);
    const left = need === ConcreteTypeNeed.Fragments ? ' (its fragments on other types are left out)' : '';
    state.errors.push(new MeshError(MeshErrorCode.PRODUCT_ERROR, `No data product named the concrete type of this ${type.name}${why ? `: ${why}` : ''}${left}.`, { path: [...path] }));
  }
  state.marks++;
  return need !== ConcreteTypeNeed.Name;
}

function completeValue(value: unknown, depth: number, field: FieldShape, path: Path, state: Completion): Completed {
  const step = field.chain[depth]!;
  switch (step.kind) {
    case StepKind.NonNull: {
      const marks = state.marks;
      const completed = completeValue(value, depth + 1, field, path, state);
      if (completed !== null) return completed;
      if (state.marks === marks && !explainedByFetchError(path, state)) {
        const last = path[path.length - 1];
        const where = typeof last === 'number' ? `list element of type ${step.inner} at index ${last}` : `field ${field.parentTypeName}.${field.fieldName}`;
        state.errors.push(new MeshError(MeshErrorCode.NULL_IN_NON_NULL_FIELD, `Cannot return null for non-nullable ${where}.`, { path: [...path] }));
      }
      state.marks++;
      return BUBBLE;
    }
    case StepKind.List: {
      if (value === null) return null;
      if (!Array.isArray(value)) return invalid(field, path, state);
      const items = new Array<unknown>(value.length);
      let bubbled = false;
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        const item = value[i];
        const completed = completeValue(item === undefined ? null : item, depth + 1, field, path, state);
        path.pop();
        // Every element is still completed, so that each one's error is reported.
        if (completed === BUBBLE) bubbled = true;
        else items[i] = completed;
      }
      return bubbled ? null : items;
    }
    case StepKind.Composite: {
      if (value === null) return null;
      if (typeof value !== 'object' || Array.isArray(value)) return invalid(field, path, state);
      const object = value as Record<string, unknown>;
      const typename = object.__typename;
      let runtime = step.composite!;
      if (typename !== undefined && typename !== runtime.name) {
        const named = typeof typename === 'string' ? state.schema.getType(typename) : undefined;
        // A type outside the API schema (e.g. @inaccessible) is never named back to the client,
        // and neither is one this field cannot hold (a Box where an Item is asked for): its
        // fields would be completed as another type's.
        if (!named || !isCompositeType(named) || !canHold(state.schema, runtime, named)) {
          state.errors.push(new MeshError(MeshErrorCode.PRODUCT_ERROR, `Invalid __typename found for object at field ${field.parentTypeName}.${field.fieldName}.`, { path: [...path] }));
          state.marks++;
          return null;
        }
        runtime = named;
      }
      const completed = completeObject(object, field.selection!, runtime, path, state);
      return completed === BUBBLE ? null : completed;
    }
    case StepKind.Leaf:
      if (value === null) return null;
      if (!fits(value, step)) return invalid(field, path, state);
      // An ID is serialized as a String: an integer a product sent goes out as its text.
      return step.leaf === LeafKind.ID && typeof value === 'number' ? String(value) : value;
  }
}

/** Whether a value of the field's type may be an object of type `named`: the type itself, or one of an abstract type's possible types. */
function canHold(schema: GraphQLSchema, type: GraphQLCompositeType, named: GraphQLCompositeType): boolean {
  return isAbstractType(type) && (isObjectType(named) || isInterfaceType(named)) && schema.isSubType(type, named);
}

function invalid(field: FieldShape, path: Path, state: Completion): null {
  state.errors.push(new MeshError(MeshErrorCode.PRODUCT_ERROR, `Invalid value found for field ${field.parentTypeName}.${field.fieldName}.`, { path: [...path] }));
  state.marks++;
  return null;
}

/** What Apollo Gateway accepts as an Int: a number whose text is all digits (1e21 and up print with an exponent). */
function isInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 1e21;
}

// biome-ignore lint/suspicious/noConstEnum: file-local, so tsc and tsx's esbuild both inline its members on this hot path; never export one
const enum LeafKind {
  String,
  Boolean,
  Int,
  Float,
  ID,
  Enum,
  Custom,
}

const LEAF_KINDS: Readonly<Record<string, LeafKind>> = { String: LeafKind.String, Boolean: LeafKind.Boolean, Int: LeafKind.Int, Float: LeafKind.Float, ID: LeafKind.ID };

/**
 * A product's leaf value checked against its type, as Apollo Gateway checks it: custom
 * scalars pass as sent. One switch rather than a function per type: every leaf of every
 * answer goes through here, and a call site that sees many functions is slow.
 */
function fits(value: unknown, step: TypeStep): boolean {
  switch (step.leaf) {
    case LeafKind.String:
      return typeof value === 'string';
    case LeafKind.Int:
      return isInteger(value);
    case LeafKind.Boolean:
      return typeof value === 'boolean';
    case LeafKind.Float:
      return typeof value === 'number' && Number.isFinite(value);
    case LeafKind.ID:
      return typeof value === 'string' || isInteger(value);
    case LeafKind.Enum:
      return typeof value === 'string' && step.enumType!.getValue(value) !== undefined;
    default:
      return typeof value !== 'object' || nestedWithin(value, MAX_SCALAR_NESTING);
  }
}

/**
 * How deep a custom scalar's value (a JSON scalar, say) may nest. It passes as the product
 * sent it, and JSON.parse reads any depth while JSON.stringify overflows the stack after a
 * few thousand levels: one such value would turn the whole response into a 500. No real
 * value comes near this.
 */
const MAX_SCALAR_NESTING = 256;

function nestedWithin(value: object | null, levels: number): boolean {
  if (value === null) return true;
  if (levels === 0) return false;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'object' && !nestedWithin(item, levels - 1)) return false;
  }
  return true;
}

/**
 * A field no product answered: a key chain broke before the product that serves it (that
 * product could not be asked), a product answered nothing, or it left the field out.
 * PRODUCT_ERROR at the field's path (with no product: the gateway says it, as for a value
 * that does not fit its type), unless a fetch error about this object or below it already
 * tells why. A field whose product answered null for the whole entity is null by that
 * product's data: no error (the product holds nothing for it, as a null field would say).
 */
function unanswered(input: Record<string, unknown>, field: FieldShape, type: GraphQLCompositeType, path: Path, state: Completion): void {
  const gaps = gapsIn(input);
  if (gaps?.answeredNull.has(field.responseName)) {
    // The product asked for this field answered null for the whole entity: null by its data,
    // unless the object is an @interfaceObject no product named the type of (still abstract
    // here): the product that owns the interface does not know it, and the client is told so.
    if (!isAbstractType(type) || gaps.told || explainedAround(path, state)) return;
    state.errors.push(
      new MeshError(MeshErrorCode.PRODUCT_ERROR, `No data product named the concrete type of this ${type.name}: data product "${gaps.nullFrom}" answered null for this ${type.name}.`, {
        path: [...path],
      }),
    );
    state.marks++;
    return;
  }
  if (gaps?.told || explainedAround(path, state)) return;
  const why = gaps?.why ?? 'no data product answered it';
  state.errors.push(new MeshError(MeshErrorCode.PRODUCT_ERROR, `Cannot resolve ${field.parentTypeName}.${field.fieldName}: ${why}.`, { path: [...path] }));
  state.marks++;
}

/**
 * A fetch error at this path, below it or above it (an error on an entity explains every
 * field missing from it), or one with no path at all. Looked up in an index of the errors'
 * paths made on first use: a product failing for each of many entities leaves as many
 * fields unanswered, and a scan of every error for each would be quadratic.
 */
function explainedAround(path: Path, state: Completion): boolean {
  if (state.fetchErrorWithoutPath) return true;
  if (state.fetchErrors.length === 0) return false;
  state.errorPaths ??= indexErrorPaths(state.fetchErrors);
  const index = state.errorPaths;
  if (index.atOrAbove.has(pathKey(path, path.length))) return true;
  for (let length = path.length - 1; length > 0; length--) if (index.exact.has(pathKey(path, length))) return true;
  return false;
}

interface ErrorPathIndex {
  /** Every error's path. */
  exact: Set<string>;
  /** Every error's path and each of its prefixes: a path in here has an error at or below it. */
  atOrAbove: Set<string>;
}

function indexErrorPaths(errors: readonly GraphQLError[]): ErrorPathIndex {
  const index: ErrorPathIndex = { exact: new Set(), atOrAbove: new Set() };
  for (const error of errors) {
    const at = error.path;
    if (!at) continue;
    index.exact.add(pathKey(at, at.length));
    for (let length = at.length; length > 0; length--) index.atOrAbove.add(pathKey(at, length));
  }
  return index;
}

function pathKey(path: readonly (string | number)[], length: number): string {
  return JSON.stringify(path.slice(0, length));
}

/** A fetch error at this path or below it, or one with no path at all, already tells the client why this is null. */
function explainedByFetchError(path: Path, state: Completion): boolean {
  if (state.fetchErrorWithoutPath) return true;
  outer: for (const error of state.fetchErrors) {
    const at = error.path;
    if (!at || at.length < path.length) continue;
    for (let i = 0; i < path.length; i++) if (at[i] !== path[i]) continue outer;
    return true;
  }
  return false;
}
