import { createHash } from 'node:crypto';
import { Kind, print, type ConstDirectiveNode, type ConstValueNode, type DocumentNode } from 'graphql';
import { federationDirectiveNames } from './contract-compiler.ts';
import { CLASSIFICATIONS, type ProductDescriptor } from '../product/descriptor.ts';

/**
 * Access as contract: every access element of every coordinate of a product, so that a
 * baseline and a candidate can be compared element by element. The compatibility check
 * compares what consumers can query; this compares who may read it. Weakening is a
 * governed change (an approval, whatever the version); strengthening breaks consumers.
 */

/** One access element: `classification`, a federation access directive, `@inaccessible` or one of ours (`@meshgate__…`). */
export type AccessElement = 'classification' | '@authenticated' | '@requiresScopes' | '@policy' | '@inaccessible' | `@meshgate__${string}`;

/** OR of AND sets: a caller passes with every name of one inner set. */
type Requirement = string[][];

interface CoordinateAccess {
  classification?: string;
  authenticated: boolean;
  inaccessible: boolean;
  requiresScopes?: Requirement;
  policy?: Requirement;
  /** Our own directives applied here, each printed: `@meshgate__exposes(field: "Customer.segment")`. */
  ours: Set<string>;
}

export interface AccessChange {
  coordinate: string;
  element: AccessElement;
  before: string;
  after: string;
  direction: 'weakened' | 'strengthened';
}

const FEDERATION_ACCESS = ['@authenticated', '@requiresScopes', '@policy', '@inaccessible'] as const;

function requirement(directive: ConstDirectiveNode | undefined, argument: string): Requirement | undefined {
  if (!directive) return undefined;
  const value = directive.arguments?.find((a) => a.name.value === argument)?.value;
  const strings = (node: ConstValueNode): string[] => (node.kind === Kind.LIST ? node.values.flatMap(strings) : node.kind === Kind.STRING || node.kind === Kind.ENUM ? [node.value] : []);
  if (value?.kind !== Kind.LIST) return [];
  return value.values.map((inner) => [...new Set(strings(inner))].sort());
}

const showRequirement = (r: Requirement | undefined) => (r === undefined ? 'none' : JSON.stringify(r));

/**
 * Whether some caller passes `next` but not `previous`: the smallest caller passing one
 * inner set of `next` must also pass one of `previous`. No requirement passes everyone.
 */
function admitsMore(next: Requirement | undefined, previous: Requirement | undefined): boolean {
  if (previous === undefined) return false;
  const sets = next ?? [[]];
  return sets.some((held) => !previous.some((needed) => needed.every((name) => held.includes(name))));
}

/** Every coordinate of the SDL (types, fields, arguments, input fields, enum values) with its access elements. */
export function accessOf(document: DocumentNode, descriptor: Pick<ProductDescriptor, 'fields'>): Map<string, CoordinateAccess> {
  const names = federationDirectiveNames(document);
  // A directive the SDL defines itself is its own, not federation's: it shadows the access rule, which then no longer holds.
  const defined = new Set(document.definitions.flatMap((d) => (d.kind === Kind.DIRECTIVE_DEFINITION ? [d.name.value] : [])));
  // An access directive goes by its import's name, or by its namespaced name when not imported.
  const local = Object.fromEntries(
    FEDERATION_ACCESS.map((name) => [name, new Set([names.get(name)?.slice(1) ?? name.slice(1), `federation__${name.slice(1)}`].filter((n) => !defined.has(n)))]),
  ) as Record<(typeof FEDERATION_ACCESS)[number], Set<string>>;
  const found = new Map<string, CoordinateAccess>();
  const record = (coordinate: string, directives: readonly ConstDirectiveNode[] | undefined, external = false) => {
    // Another product's field: its access is that product's.
    if (external) return;
    const all = directives ?? [];
    const named = (name: (typeof FEDERATION_ACCESS)[number]) => all.find((d) => local[name].has(d.name.value));
    const access = found.get(coordinate) ?? { authenticated: false, inaccessible: false, ours: new Set<string>() };
    access.authenticated ||= named('@authenticated') !== undefined;
    access.inaccessible ||= named('@inaccessible') !== undefined;
    access.requiresScopes ??= requirement(named('@requiresScopes'), 'scopes');
    access.policy ??= requirement(named('@policy'), 'policies');
    for (const d of all) if (d.name.value.startsWith('meshgate__')) access.ours.add(print(d));
    const classification = descriptor.fields[coordinate]?.classification;
    if (classification) access.classification = classification;
    found.set(coordinate, access);
  };
  for (const definition of document.definitions) {
    if (!('name' in definition) || !definition.name || definition.kind === Kind.DIRECTIVE_DEFINITION || definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION)
      continue;
    const type = definition.name.value;
    record(type, definition.directives);
    if ('fields' in definition) {
      for (const field of definition.fields ?? []) {
        const coordinate = `${type}.${field.name.value}`;
        const external = (field.directives ?? []).some((d) => d.name.value === (names.get('@external')?.slice(1) ?? 'external'));
        record(coordinate, field.directives, external);
        if (!external && 'arguments' in field) for (const arg of field.arguments ?? []) record(`${coordinate}.${arg.name.value}`, arg.directives);
      }
    }
    if ('values' in definition) for (const value of definition.values ?? []) record(`${type}.${value.name.value}`, value.directives);
  }
  return found;
}

const rank = (level: string | undefined) => (level === undefined ? -1 : CLASSIFICATIONS.indexOf(level as (typeof CLASSIFICATIONS)[number]));

/** Access changes between a baseline and a candidate, on the coordinates both define. */
export function diffAccess(baseline: Map<string, CoordinateAccess>, candidate: Map<string, CoordinateAccess>): AccessChange[] {
  const changes: AccessChange[] = [];
  for (const [coordinate, before] of baseline) {
    const after = candidate.get(coordinate);
    // An element added or removed is the schema diff's business.
    if (!after) continue;
    const push = (element: AccessElement, from: string, to: string, direction: AccessChange['direction']) => changes.push({ coordinate, element, before: from, after: to, direction });
    if (before.classification !== after.classification) {
      // An unclassified field was never promised a level; losing one is a declassification.
      if (rank(after.classification) < rank(before.classification)) push('classification', before.classification!, after.classification ?? 'none', 'weakened');
      else if (before.classification !== undefined) push('classification', before.classification, after.classification!, 'strengthened');
    }
    for (const [element, was, is] of [
      ['@authenticated', before.authenticated, after.authenticated],
      ['@inaccessible', before.inaccessible, after.inaccessible],
    ] as const) {
      if (was && !is) push(element, 'present', 'removed', 'weakened');
      if (!was && is) push(element, 'absent', 'added', 'strengthened');
    }
    for (const [element, was, is] of [
      ['@requiresScopes', before.requiresScopes, after.requiresScopes],
      ['@policy', before.policy, after.policy],
    ] as const) {
      if (admitsMore(is, was)) push(element, showRequirement(was), showRequirement(is), 'weakened');
      if (admitsMore(was, is)) push(element, showRequirement(was), showRequirement(is), 'strengthened');
    }
    for (const applied of before.ours) if (!after.ours.has(applied)) push(applied.replace(/\(.*$/s, '') as AccessElement, applied, 'removed', 'weakened');
    for (const applied of after.ours) if (!before.ours.has(applied)) push(applied.replace(/\(.*$/s, '') as AccessElement, 'absent', applied, 'strengthened');
  }
  return changes;
}

/** A change's one-line description: `@authenticated present → removed`. */
export function describeAccessChange(change: Pick<AccessChange, 'element' | 'before' | 'after'>): string {
  return `${change.element} ${change.before} → ${change.after}`;
}

/**
 * The id of a governed change: a digest of the product, the version it ships in and what
 * changed, so an approval covers that change in that version and nothing else.
 */
export function governedChangeId(product: string, version: string, coordinate: string, what: string): string {
  return createHash('sha256')
    .update(JSON.stringify([product, version, coordinate, what]))
    .digest('hex')
    .slice(0, 16);
}
