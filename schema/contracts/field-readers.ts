import { Kind, type DirectiveNode } from 'graphql';
import { federationDirectiveNames } from './contract-compiler.ts';
import { CLASSIFICATIONS, type Classification } from '../product/descriptor.ts';
import type { Governance } from './governance.ts';
import type { ValidProduct } from './mesh.ts';
import { stringLists } from '../base/sdl-syntax.ts';

/**
 * Who may read each field of a mesh, as the gateway decides it once composition has
 * compiled governance in: every access element of the field counts, whichever way it was
 * written. A classification (its scopes, and sign-in where governance asks for it),
 * `@authenticated`, `@requiresScopes` and `@policy` (a named policy's scopes and sign-in
 * from governance), on the field, on the type holding it and on the type it returns. All of
 * them must admit a caller (AND); within `@requiresScopes` and `@policy` any one inner list
 * does (OR).
 */

/** What a caller must hold to satisfy one alternative: scopes, and {@link SIGNED_IN} for a verified identity. */
export type Holding = ReadonlySet<string>;

/** The mark of a verified identity in a {@link Holding}. Every scope implies it: scopes come in a token. */
const SIGNED_IN = '@authenticated';

export interface Readers {
  /** Any one suffices. `[]`: nobody may read the field (e.g. a policy governance does not define). `[∅]`: anyone. */
  readonly anyOf: readonly Holding[];
  /** The access elements that restrict the field, for messages (`classification confidential`, `@policy customer-data-steward`). */
  readonly because: readonly string[];
}

const ANYONE: Readers = { anyOf: [new Set()], because: [] };

/** A holding with sign-in added where it has a scope. */
function holding(items: Iterable<string>): Holding {
  const set = new Set(items);
  if ([...set].some((item) => item !== SIGNED_IN)) set.add(SIGNED_IN);
  return set;
}

/** Both must hold: every pairing of their alternatives. */
function both(a: Readers, b: Readers): Readers {
  return { anyOf: a.anyOf.flatMap((x) => b.anyOf.map((y) => holding([...x, ...y]))), because: [...a.because, ...b.because] };
}

/** Whether `caller` satisfies one of the alternatives. */
export function admits(readers: Readers, caller: Holding): boolean {
  return readers.anyOf.some((needed) => [...needed].every((item) => caller.has(item)));
}

/** A caller holding exactly this, in words: "an anonymous caller", "a signed-in caller with pii:read". */
export function describeCaller(caller: Holding): string {
  const scopes = [...caller].filter((item) => item !== SIGNED_IN).sort();
  if (scopes.length > 0) return `a caller with ${scopes.join(' and ')} only`;
  return caller.has(SIGNED_IN) ? 'a signed-in caller with no scope' : 'an anonymous caller';
}

/** Who may read, in words: "anyone", "signed-in callers", "callers with pii:read or finance:read". */
export function describeReaders(readers: Readers): string {
  if (readers.anyOf.length === 0) return 'nobody';
  if (readers.anyOf.some((needed) => needed.size === 0)) return 'anyone';
  const alternatives = readers.anyOf.map((needed) => [...needed].filter((item) => item !== SIGNED_IN).sort());
  if (alternatives.some((scopes) => scopes.length === 0)) return 'signed-in callers';
  return `callers with ${[...new Set(alternatives.map((scopes) => scopes.join(' and ')))].join(' or ')}`;
}

/** The access directives' local names in a product's SDL (an import may rename them; `@federation__x` always works). */
function accessNames(product: ValidProduct): Map<string, 'authenticated' | 'requiresScopes' | 'policy'> {
  const imported = federationDirectiveNames(product.model.document);
  const names = new Map<string, 'authenticated' | 'requiresScopes' | 'policy'>();
  for (const name of ['authenticated', 'requiresScopes', 'policy'] as const) {
    names.set((imported.get(`@${name}`) ?? `@${name}`).slice(1), name);
    names.set(`federation__${name}`, name);
  }
  return names;
}

/** What one node's access directives ask, under governance's named policies. A policy it does not define admits nobody: fail closed. */
function readersOf(directives: readonly DirectiveNode[] | undefined, names: Map<string, 'authenticated' | 'requiresScopes' | 'policy'>, governance: Governance): Readers {
  let readers = ANYONE;
  for (const directive of directives ?? []) {
    const kind = names.get(directive.name.value);
    const arg = (name: string) => directive.arguments?.find((a) => a.name.value === name)?.value;
    if (kind === 'authenticated') readers = both(readers, { anyOf: [holding([SIGNED_IN])], because: ['@authenticated'] });
    if (kind === 'requiresScopes') {
      const lists = stringLists(arg('scopes'));
      if (lists.length > 0) readers = both(readers, { anyOf: lists.map(holding), because: [`@requiresScopes ${lists.map((l) => l.join(' and ')).join(' or ')}`] });
    }
    if (kind === 'policy') {
      const lists = stringLists(arg('policies'));
      const anyOf = lists.flatMap((names) => {
        const policies = names.map((name) => governance.policies[name]);
        if (policies.some((policy) => !policy)) return [];
        return [holding(policies.flatMap((policy) => [...(policy!.requiresScopes ?? []), ...(policy!.requiresAuthentication ? [SIGNED_IN] : [])]))];
      });
      if (lists.length > 0) readers = both(readers, { anyOf, because: [`@policy ${lists.map((l) => l.join(' and ')).join(' or ')}`] });
    }
  }
  return readers;
}

/** The strictest classification each field has in any product's descriptor, as composition enforces it. */
export function meshClassifications(products: readonly ValidProduct[]): Map<string, Classification> {
  const levels = new Map<string, Classification>();
  for (const product of products) {
    for (const [coordinate, policy] of Object.entries(product.descriptor.fields)) {
      const known = levels.get(coordinate);
      if (!known || CLASSIFICATIONS.indexOf(policy.classification) > CLASSIFICATIONS.indexOf(known)) levels.set(coordinate, policy.classification);
    }
  }
  return levels;
}

/**
 * Who may read each `Type.field` of the mesh. Directives from every product that writes
 * the field (not as `@external`) or the types it involves all hold, as composition merges
 * them; a field nobody restricts is readable by anyone.
 */
export function meshReaders(products: readonly ValidProduct[], governance: Governance): (coordinate: string) => Readers {
  const levels = meshClassifications(products);
  const byType = new Map<string, Readers>();
  const byField = new Map<string, { readers: Readers; parent: string; returnType: string }>();
  for (const product of products) {
    const names = accessNames(product);
    for (const definition of product.model.document.definitions) {
      if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
      const typeName = definition.name.value;
      byType.set(typeName, both(byType.get(typeName) ?? ANYONE, readersOf(definition.directives, names, governance)));
      if (!('fields' in definition) || definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION || definition.kind === Kind.INPUT_OBJECT_TYPE_EXTENSION) continue;
      for (const field of definition.fields ?? []) {
        const model = product.model.types.get(typeName)?.fields.get(field.name.value);
        if (!model || model.external) continue;
        const coordinate = model.coordinate;
        const own = readersOf(field.directives, names, governance);
        const known = byField.get(coordinate);
        byField.set(coordinate, { readers: known ? both(known.readers, own) : own, parent: typeName, returnType: model.returnType });
      }
    }
  }
  const cache = new Map<string, Readers>();
  return (coordinate) => {
    let readers = cache.get(coordinate);
    if (readers) return readers;
    const field = byField.get(coordinate);
    const level = levels.get(coordinate);
    readers = field ? both(field.readers, both(byType.get(field.parent) ?? ANYONE, byType.get(field.returnType) ?? ANYONE)) : ANYONE;
    if (level) {
      const scopes = governance.classificationScopes[level];
      const signedIn = governance.authenticatedClassifications.includes(level);
      if (scopes.length > 0 || signedIn) readers = both(readers, { anyOf: [holding([...scopes, ...(signedIn ? [SIGNED_IN] : [])])], because: [`classification ${level}`] });
    }
    cache.set(coordinate, readers);
    return readers;
  };
}
