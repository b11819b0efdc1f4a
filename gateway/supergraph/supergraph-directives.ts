import { Kind, parse, type ConstDirectiveNode, type ConstValueNode, type TypeNode } from 'graphql';

/**
 * What the supergraph says about each field that Apollo Gateway itself ignores: the
 * access directives of Federation 2.5/2.6 (`@authenticated`, `@requiresScopes`, `@policy`)
 * and the `preview` tag. They are read from the core supergraph SDL, because the API
 * schema the gateway serves has them stripped.
 *
 * A directive on a type applies to every field that returns the type, as in Apollo Router.
 */
export interface FieldDirectives {
  authenticated: boolean;
  /** Any one inner list suffices; every scope of it is needed. */
  requiresScopes: string[][];
  /** Any one inner list suffices; every policy of it must admit the caller. */
  policies: string[][];
  preview: boolean;
}

export const PREVIEW_TAG = 'preview';

/**
 * The directives of every field that carries one. The last supergraph read is kept: access
 * and the preview gate both read each newly loaded supergraph, and it is parsed once.
 */
export function readFieldDirectives(supergraphSdl: string): ReadonlyMap<string, FieldDirectives> {
  if (lastRead?.sdl !== supergraphSdl) lastRead = { sdl: supergraphSdl, directives: parseFieldDirectives(supergraphSdl) };
  return lastRead.directives;
}

let lastRead: { sdl: string; directives: ReadonlyMap<string, FieldDirectives> } | undefined;

/** The `Type.field` coordinates tagged preview. */
export function previewFieldsOf(directives: ReadonlyMap<string, FieldDirectives>): ReadonlySet<string> {
  return new Set([...directives].filter(([, field]) => field.preview).map(([coordinate]) => coordinate));
}

function parseFieldDirectives(supergraphSdl: string): Map<string, FieldDirectives> {
  const document = parse(supergraphSdl);
  const byType = new Map<string, FieldDirectives>();
  const fields: { coordinate: string; type: TypeNode; own: FieldDirectives }[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    byType.set(definition.name.value, fromDirectives(definition.directives ?? []));
    for (const field of definition.fields ?? []) {
      fields.push({ coordinate: `${definition.name.value}.${field.name.value}`, type: field.type, own: fromDirectives(field.directives ?? []) });
    }
  }
  const result = new Map<string, FieldDirectives>();
  for (const { coordinate, type, own } of fields) {
    const returned = byType.get(namedType(type));
    const merged = returned ? combine(own, returned) : own;
    if (merged.authenticated || merged.requiresScopes.length || merged.policies.length || merged.preview) result.set(coordinate, merged);
  }
  return result;
}

function fromDirectives(directives: readonly ConstDirectiveNode[]): FieldDirectives {
  const found: FieldDirectives = { authenticated: false, requiresScopes: [], policies: [], preview: false };
  for (const directive of directives) {
    const arg = (name: string) => directive.arguments?.find((a) => a.name.value === name)?.value;
    switch (directive.name.value) {
      case 'authenticated':
        found.authenticated = true;
        break;
      case 'requiresScopes':
        found.requiresScopes = listOfLists(arg('scopes'));
        break;
      case 'policy':
        found.policies = listOfLists(arg('policies'));
        break;
      case 'tag': {
        const name = arg('name');
        if (name?.kind === Kind.STRING && name.value === PREVIEW_TAG) found.preview = true;
        break;
      }
    }
  }
  return found;
}

/** Both must hold: AND of two OR-of-AND lists is every pairing of their inner lists. */
function combine(a: FieldDirectives, b: FieldDirectives): FieldDirectives {
  const both = (x: string[][], y: string[][]) => (x.length === 0 ? y : y.length === 0 ? x : x.flatMap((i) => y.map((j) => [...i, ...j])));
  return {
    authenticated: a.authenticated || b.authenticated,
    requiresScopes: both(a.requiresScopes, b.requiresScopes),
    policies: both(a.policies, b.policies),
    preview: a.preview || b.preview,
  };
}

function listOfLists(value: ConstValueNode | undefined): string[][] {
  if (value?.kind !== Kind.LIST) return [];
  return value.values.map((inner) => (inner.kind === Kind.LIST ? inner.values : [inner]).flatMap((item) => (item.kind === Kind.STRING ? [item.value] : [])));
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}
