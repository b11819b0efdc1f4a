import { isAbstractType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import type { FetchDataRewrite, QueryPlanSelectionNode } from '@apollo/query-planner';
import { setOwn } from '../primitives/set-own.ts';

type Data = Record<string, unknown>;

/**
 * Builds an entity's representation for an `_entities` fetch from a `requires` selection
 * (keys, `@requires` fields, `__typename`), read against the whole supergraph: requires may
 * name @inaccessible elements, which products know and clients never see.
 *
 * Kept as Apollo Gateway reads it, because products and plans rely on it: a field missing from
 * the entity (its fetch failed) drops the whole representation; an inline fragment whose type
 * does not match is left out; a representation with no `__typename` is not sent. One departure:
 * a field `@skip`/`@include` kept from being fetched (its place, from the entity's place `at`,
 * is in `skipped`: `skippedInputs`) is left out of the representation rather than dropping
 * it, since the field needing it is skipped in the same fetch.
 */
export function representationOf(schema: GraphQLSchema, entity: Data, requires: readonly QueryPlanSelectionNode[], skipped?: ReadonlySet<string>, at = ''): Data | null {
  const representation = select(schema, entity, requires, skipped, at);
  return representation?.__typename ? representation : null;
}

/** Whether an entity is one a `requires` selection asks about (by its inline fragments' types). */
export function isEntityOf(schema: GraphQLSchema, entity: Data, requires: readonly QueryPlanSelectionNode[]): boolean {
  return requires.some((selection) => selection.kind === 'InlineFragment' && selection.typeCondition !== undefined && isObjectOfType(schema, entity, selection.typeCondition));
}

function select(schema: GraphQLSchema, source: Data | null, selections: readonly QueryPlanSelectionNode[], skipped: ReadonlySet<string> | undefined, at: string): Data | null {
  if (source === null) return null;
  const result: Data = {};
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      // An alias says where the value is in the response tree (a private copy fetched with the
      // `@requires` arguments, `planOperation`); the product reads it by the field's name.
      const key = selection.alias ?? selection.name;
      // The place is spelled out only while some input is skipped: the usual fetch builds no string.
      const place = skipped ? `${at}.${key}` : at;
      if (!Object.hasOwn(source, key) || source[key] === undefined) {
        if (skipped?.has(place)) continue;
        return null;
      }
      const value = source[key];
      const sub = selection.selections;
      let read: unknown;
      if (Array.isArray(value)) read = sub ? value.map((item) => select(schema, item as Data | null, sub, skipped, place)) : value;
      else read = sub ? select(schema, value as Data | null, sub, skipped, place) : value;
      setOwn(result, selection.name, read);
    } else if (selection.typeCondition && isObjectOfType(schema, source, selection.typeCondition)) {
      mergeInto(result, select(schema, source, selection.selections, skipped, at));
    }
  }
  return result;
}

/**
 * Entities whose representations are equal, found without building them. For a `requires`
 * of inline fragments that select leaf fields only (the usual key, `... on Product {
 * __typename upc }`), what {@link representationOf} builds from an entity depends on nothing
 * but its `__typename` and the values of those fields: entities that agree on them, each value
 * a string, number, boolean or null, get equal representations. Such entities are looked up
 * by those values, one map per field (no string is built), so a representation is built once
 * for all entities equal to it. Any other entity (a value missing, an object or a list, a
 * nested selection, a skipped input) is not keyed: the caller represents it in full.
 */
export class RepresentationKeys<T> {
  /** Per `__typename`: the keys read from the entity in select's order, or null when not keyed. */
  private readonly fieldsByType = new Map<string, readonly string[] | null>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly requires: readonly QueryPlanSelectionNode[],
  ) {}

  /**
   * What was kept in `kept` (one map per fetch) for entities equal to `entity`, made by `make`
   * for the first of them; for an entity that is not keyed, `make`'s own result, not kept.
   */
  keep(kept: Map<unknown, unknown>, entity: Data, make: (entity: Data) => T): T {
    const fields = this.fieldsOf(entity);
    if (!fields) return make(entity);
    let map = kept;
    let key: unknown = entity.__typename;
    for (const field of fields) {
      let next = map.get(key) as Map<unknown, unknown> | undefined;
      if (!next) {
        next = new Map();
        map.set(key, next);
      }
      map = next;
      key = entity[field];
    }
    if (map.has(key)) return map.get(key) as T;
    const made = make(entity);
    map.set(key, made);
    return made;
  }

  /** The keys to compare `entity` by, or undefined when it is not keyed. */
  private fieldsOf(entity: Data): readonly string[] | undefined {
    const typename = entity.__typename;
    if (typeof typename !== 'string') return undefined;
    let fields = this.fieldsByType.get(typename);
    if (fields === undefined) {
      // Only the schema's types are remembered: a product naming new types would grow this.
      if (!this.schema.getType(typename)) return undefined;
      fields = this.leafKeys(typename);
      this.fieldsByType.set(typename, fields);
    }
    if (!fields) return undefined;
    for (const field of fields) {
      if (!Object.hasOwn(entity, field)) return undefined;
      const value = entity[field];
      if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
    }
    return fields;
  }

  /** The response keys select reads from an object of `typename`, when all are leaves under inline fragments. */
  private leafKeys(typename: string): readonly string[] | null {
    const keys: string[] = [];
    for (const selection of this.requires) {
      if (selection.kind !== 'InlineFragment') return null;
      if (!selection.typeCondition || !isObjectOfType(this.schema, { __typename: typename }, selection.typeCondition)) continue;
      for (const field of selection.selections) {
        if (field.kind !== 'Field' || field.selections) return null;
        keys.push(field.alias ?? field.name);
      }
    }
    return keys;
  }
}

/** Whether an object (by its `__typename`) is of a type or one of its implementations / members. */
export function isObjectOfType(schema: GraphQLSchema, object: Data, typeCondition: string, whenUnknown = false): boolean {
  const typename = object.__typename;
  if (typeof typename !== 'string' || typename === '') return whenUnknown;
  if (typename === typeCondition) return true;
  const type = schema.getType(typename);
  const condition = schema.getType(typeCondition);
  if (!type || !condition || !isAbstractType(condition)) return false;
  return (isObjectType(type) || isInterfaceType(type)) && schema.isSubType(condition, type);
}

/**
 * What an object of the response tree lacks of what products were to add to it, and why.
 * Kept on the object under a symbol, so no merge or answer ever carries it; read only when
 * the client's null is explained.
 */
const GAPS: unique symbol = Symbol('gaps');

export interface EntityGaps {
  /**
   * Response keys a product answered null for, by answering null for the whole entity: it
   * holds nothing for it, and those fields are null as its data says (no error).
   */
  readonly answeredNull: Set<string>;
  /** The first product that answered null for the entity, the cause of any link after it. */
  nullFrom: string | undefined;
  /** Why the rest is missing, in words for the client: the first reason, the cause of the ones after it. */
  why: string | undefined;
  /** The product's own error already tells the client (one it could not place on an entity, e.g. at `_entities`). */
  told: boolean;
}

function gapsOf(entity: Data): EntityGaps {
  let gaps = (entity as { [GAPS]?: EntityGaps })[GAPS];
  if (!gaps) {
    gaps = { answeredNull: new Set(), nullFrom: undefined, why: undefined, told: false };
    Object.defineProperty(entity, GAPS, { value: gaps, enumerable: false });
  }
  return gaps;
}

/** A product answered null for the entity: the fields it was asked are null by its data. */
export function markAnsweredNull(entity: Data, product: string, keys: Iterable<string>): void {
  const gaps = gapsOf(entity);
  for (const key of keys) gaps.answeredNull.add(key);
  gaps.nullFrom ??= product;
}

/** A product could not be asked for the entity, or answered nothing: the fields it would give are missing. */
export function markUnresolved(entity: Data, why: string, told = false): void {
  const gaps = gapsOf(entity);
  if (gaps.why !== undefined) return;
  gaps.why = gaps.nullFrom === undefined ? why : `data product "${gaps.nullFrom}" answered null for this ${String(entity.__typename)}, so ${why}`;
  gaps.told = told;
}

/** What a fetch left missing on an object, if any. */
export function gapsIn(object: Data): EntityGaps | undefined {
  return (object as { [GAPS]?: EntityGaps })[GAPS];
}

const FRAGMENT_PREFIX = '... on ';

/**
 * The planner's rewrites of a representation before it is sent (`inputRewrites`) or of an
 * answer before it is merged (`outputRewrites`): set a value (e.g. an @interfaceObject's
 * `__typename`) or rename a key, at a path of field names and `... on T` conditions.
 */
export function applyRewrites(schema: GraphQLSchema, rewrites: readonly FetchDataRewrite[] | undefined, value: Data): void {
  if (!rewrites) return;
  for (const rewrite of rewrites) {
    const last = rewrite.path[rewrite.path.length - 1];
    if (last === undefined || last.startsWith(FRAGMENT_PREFIX)) continue;
    applyAt(schema, rewrite.path, 0, value, (object) => {
      if (rewrite.kind === 'ValueSetter') setOwn(object, last, rewrite.setValueTo);
      else if (Object.hasOwn(object, last) && object[last]) {
        setOwn(object, rewrite.renameKeyTo, object[last]);
        object[last] = undefined;
      }
    });
  }
}

function applyAt(schema: GraphQLSchema, path: readonly string[], index: number, value: unknown, rewrite: (object: Data) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) applyAt(schema, path, index, item, rewrite);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const object = value as Data;
  // The last element names the key to rewrite on the object reached by the ones before it.
  if (index === path.length - 1) {
    rewrite(object);
    return;
  }
  const element = path[index]!;
  if (element.startsWith(FRAGMENT_PREFIX)) {
    // An object whose __typename is not known yet is rewritten anyway, as Apollo Gateway does.
    if (isObjectOfType(schema, object, element.slice(FRAGMENT_PREFIX.length), true)) applyAt(schema, path, index + 1, object, rewrite);
  } else if (Object.hasOwn(object, element)) {
    applyAt(schema, path, index + 1, object[element], rewrite);
  }
}

/**
 * Merges a product's answer into the response tree in place: objects key by key, lists of
 * equal length element by element, anything else replaced. Nothing is copied; the answer's
 * own objects become part of the tree. Pairs still to merge wait on a list rather than the
 * call stack: JSON.parse reads any depth, so two answers nesting one extra key deep enough
 * would otherwise overflow it. The order pairs are merged in does not matter: each pair
 * touches its own target object, and the client's key order comes from the result shape.
 */
export function mergeInto(target: Data, source: Data | null | undefined): void {
  if (source === null || source === undefined) return;
  const pending: Data[] = [target, source];
  while (pending.length > 0) {
    const from = pending.pop()!;
    const into = pending.pop()!;
    for (const key in from) {
      const value = from[key];
      if (value === undefined) continue;
      // A product may send `__proto__` as a key (JSON.parse makes it an own property): reading
      // it from the target would reach Object.prototype, and merging into that pollutes every
      // object in the process. It is plain data, set as an own property.
      if (key === '__proto__') {
        setOwn(into, key, value);
        continue;
      }
      const existing = into[key];
      if (existing && typeof value === 'object' && value !== null && !Array.isArray(value) && typeof existing === 'object') {
        pending.push(existing as Data, value as Data);
      } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          const current = existing[i];
          if (isPlainObject(item) && isPlainObject(current)) pending.push(current, item);
          else existing[i] = item;
        }
      } else {
        setOwn(into, key, value);
      }
    }
  }
}

export function isPlainObject(value: unknown): value is Data {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
