import { Kind, type ConstDirectiveNode, type TypeNode } from 'graphql';
import { PREVIEW_TAG } from '../product/contract-spec.ts';
import type { DefinitionReader } from './definition-reader.ts';
import type { DirectiveNameOf } from './linked-directive-names.ts';
import { namedTypeOf, stringLists } from '../base/sdl-syntax.ts';

/**
 * What the supergraph says about each field that Apollo Gateway itself ignores: the
 * access directives of Federation 2.5/2.6 (`@authenticated`, `@requiresScopes`, `@policy`)
 * and the `preview` tag. They are read from the core supergraph SDL, because the API
 * schema the gateway serves has them stripped.
 *
 * Directives are found by the names the supergraph's `@link`s give them, renames included.
 */
export interface FieldDirectives {
  authenticated: boolean;
  /** Any one inner list suffices; every scope of it is needed. */
  requiresScopes: string[][];
  /** Any one inner list suffices; every policy of it must admit the caller. */
  policies: string[][];
  preview: boolean;
}

/** What the access reader gives the model. */
export interface SupergraphAccess {
  /** The directives of every field that carries one, by `Type.field`. */
  directives: ReadonlyMap<string, FieldDirectives>;
  /** Every `Type.field` of an object or interface type a client can select: neither it nor its type is `@inaccessible`. */
  served: readonly string[];
}

/** The `Type.field` coordinates tagged preview. */
export function previewFieldsOf(directives: ReadonlyMap<string, FieldDirectives>): ReadonlySet<string> {
  return new Set([...directives].filter(([, field]) => field.preview).map(([coordinate]) => coordinate));
}

const APOLLO_SPECS = 'https://specs.apollo.dev';

/** The local names of the directives read here, as this supergraph's `@link`s name them. */
function accessNames(nameOf: DirectiveNameOf): Record<'authenticated' | 'requiresScopes' | 'policy' | 'tag' | 'inaccessible', string> {
  const spec = (name: string) => nameOf(`${APOLLO_SPECS}/${name}`, name);
  return { authenticated: spec('authenticated'), requiresScopes: spec('requiresScopes'), policy: spec('policy'), tag: spec('tag'), inaccessible: spec('inaccessible') };
}

/**
 * A type's access directive applies to every field returning the type (as in Apollo Router)
 * and, here also, to the type's own fields: a client can reach an object through an
 * interface or union field that does not return it by name, and the type's rule must hold
 * there too. Scalars and enums carry access directives as object types do.
 */
export function accessReader(nameOf: DirectiveNameOf): DefinitionReader<SupergraphAccess> {
  const names = accessNames(nameOf);
  const byType = new Map<string, FieldDirectives>();
  const fields: { coordinate: string; parent: string; type: TypeNode; own: FieldDirectives }[] = [];
  const served: string[] = [];
  const inaccessible = (directives: readonly ConstDirectiveNode[] | undefined) => (directives ?? []).some((d) => d.name.value === names.inaccessible);
  return {
    read(definition) {
      if (definition.kind === Kind.SCALAR_TYPE_DEFINITION || definition.kind === Kind.ENUM_TYPE_DEFINITION) {
        byType.set(definition.name.value, fromDirectives(definition.directives ?? [], names));
      }
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) return;
      byType.set(definition.name.value, fromDirectives(definition.directives ?? [], names));
      const typeHidden = inaccessible(definition.directives);
      for (const field of definition.fields ?? []) {
        const coordinate = `${definition.name.value}.${field.name.value}`;
        fields.push({ coordinate, parent: definition.name.value, type: field.type, own: fromDirectives(field.directives ?? [], names) });
        if (!typeHidden && !inaccessible(field.directives)) served.push(coordinate);
      }
    },
    done() {
      const directives = new Map<string, FieldDirectives>();
      for (const { coordinate, parent, type, own } of fields) {
        const returned = byType.get(namedTypeOf(type));
        const owner = byType.get(parent);
        // The preview tag of a type is about the type, not the fields it holds: it travels to
        // fields returning the type only, as it always has.
        const fromOwner = owner ? { ...owner, preview: false } : undefined;
        const merged = [returned, fromOwner].reduce<FieldDirectives>((all, more) => (more ? combine(all, more) : all), own);
        if (merged.authenticated || merged.requiresScopes.length || merged.policies.length || merged.preview) directives.set(coordinate, merged);
      }
      return { directives, served };
    },
  };
}

function fromDirectives(directives: readonly ConstDirectiveNode[], names: ReturnType<typeof accessNames>): FieldDirectives {
  const found: FieldDirectives = { authenticated: false, requiresScopes: [], policies: [], preview: false };
  for (const directive of directives) {
    const arg = (name: string) => directive.arguments?.find((a) => a.name.value === name)?.value;
    const name = directive.name.value;
    if (name === names.authenticated) found.authenticated = true;
    else if (name === names.requiresScopes) found.requiresScopes = stringLists(arg('scopes'));
    else if (name === names.policy) found.policies = stringLists(arg('policies'));
    else if (name === names.tag) {
      const tag = arg('name');
      if (tag?.kind === Kind.STRING && tag.value === PREVIEW_TAG) found.preview = true;
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
