import { Kind, print, type ArgumentNode, type SelectionSetNode } from 'graphql';
import { parseFieldSet } from '../product/subgraph-model.ts';

/**
 * Two `@requires` on fields of one entity type that select the same field with different
 * arguments, e.g. `shippingClass @requires(fields: "weight(unit: \"kg\")")` beside
 * `postage @requires(fields: "weight(unit: \"g\")")`. Apollo's query planner fetches that
 * field once and sends one representation, so one of the two fields is computed from the
 * other's value: silently wrong data, identical in every engine that uses the planner.
 * Until the planner keeps them apart, the contract pipeline and the gateway both refuse it.
 *
 * The comparison is mesh-wide per type, not per product: the planner merges the required
 * selections of every product that extends the entity into one fetch from its owner.
 */
export interface RequiresDeclaration {
  /** The product (or supergraph graph) that declares the `@requires`. */
  product: string;
  /** The entity type the field set starts at. */
  typeName: string;
  /** `Type.field` carrying the `@requires`. */
  field: string;
  fieldSet: string;
}

/** One side of a clash: who requires the field, and with which arguments. */
export interface RequiresSide {
  product: string;
  field: string;
  /** The arguments as written, sorted by name, e.g. `(unit: "kg")`, or `()` for none. */
  arguments: string;
}

export interface RequiresArgumentClash {
  typeName: string;
  /** The selected field's path from the entity, e.g. `Book.weight` or `Book.dims.weight`. */
  path: string;
  first: RequiresSide;
  second: RequiresSide;
}

/** Every pair of declarations that selects one path of one type with different arguments. */
export function findRequiresArgumentClashes(declarations: readonly RequiresDeclaration[]): RequiresArgumentClash[] {
  const byPath = new Map<string, { typeName: string; path: string; sides: RequiresSide[] }>();
  for (const declaration of declarations) {
    for (const { path, args } of selectedArguments(declaration.typeName, declaration.fieldSet)) {
      const group = byPath.get(path) ?? { typeName: declaration.typeName, path, sides: [] };
      group.sides.push({ product: declaration.product, field: declaration.field, arguments: args });
      byPath.set(path, group);
    }
  }
  const clashes: RequiresArgumentClash[] = [];
  for (const { typeName, path, sides } of byPath.values()) {
    for (let i = 0; i < sides.length; i++) {
      for (let j = i + 1; j < sides.length; j++) {
        if (sides[i]!.arguments !== sides[j]!.arguments) clashes.push({ typeName, path, first: sides[i]!, second: sides[j]! });
      }
    }
  }
  return clashes;
}

/** One line naming the type, both fields and both argument sets. */
export function describeClash(clash: RequiresArgumentClash): string {
  const side = (s: RequiresSide) => `${s.field} (${s.product}) requires ${clash.path}${s.arguments === '()' ? ' with no arguments' : s.arguments}`;
  return `${side(clash.first)} but ${side(clash.second)}: the query planner fetches ${clash.path} once for ${clash.typeName}, so one of them would be computed from the wrong value`;
}

/** The fix, in one line. */
export function clashFix(clash: RequiresArgumentClash): string {
  return `Select ${clash.path} once with one set of arguments in every @requires of ${clash.typeName}, or alias the other argument set as a separate product field (e.g. a field that returns ${clash.path}${clash.second.arguments === '()' ? '' : clash.second.arguments}) and require that.`;
}

/** Each field a field set selects, by path from its root type, with its arguments printed canonically. */
function selectedArguments(rootType: string, fieldSet: string): { path: string; args: string }[] {
  const selectionSet = parseFieldSet(fieldSet);
  if (!selectionSet) return [];
  const found: { path: string; args: string }[] = [];
  const walk = (set: SelectionSetNode, path: string): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, selection.typeCondition ? `${path}<${selection.typeCondition.name.value}>` : path);
        continue;
      }
      if (selection.kind !== Kind.FIELD || selection.name.value === '__typename') continue;
      const fieldPath = `${path}.${selection.name.value}`;
      found.push({ path: fieldPath, args: printArguments(selection.arguments ?? []) });
      if (selection.selectionSet) walk(selection.selectionSet, fieldPath);
    }
  };
  walk(selectionSet, rootType);
  return found;
}

function printArguments(args: readonly ArgumentNode[]): string {
  const sorted = [...args].sort((a, b) => a.name.value.localeCompare(b.name.value));
  return `(${sorted.map((arg) => `${arg.name.value}: ${print(arg.value)}`).join(', ')})`;
}
