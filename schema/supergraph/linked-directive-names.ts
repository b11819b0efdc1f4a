import { Kind, type ConstDirectiveNode, type DocumentNode } from 'graphql';

/**
 * The name a linked spec's directive goes by in one supergraph. `@link` lets a schema
 * rename what it uses (`import: [{name: "@requiresScopes", as: "@scopes"}]`, or the whole
 * spec with `as:`), and a reader that looked for the spec's own spelling would see no
 * directive where the schema put one: an access rule silently not enforced.
 *
 * The rules are the link spec's: an imported directive takes its import name; the spec's
 * root directive (the one named like the spec, `@requiresScopes` of `.../requiresScopes/v0.1`)
 * takes the spec's local name (`as`, or the spec name); any other directive takes
 * `<local name>__<directive>`.
 */
export type DirectiveNameOf = (specIdentity: string, directive: string) => string;

interface Link {
  specName: string;
  localName: string;
  imports: Map<string, string>;
}

export function linkedDirectiveNames(document: DocumentNode): DirectiveNameOf {
  const links = new Map<string, Link>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const parsed = parseLink(directive);
      if (parsed) links.set(parsed.identity, parsed.link);
    }
  }
  return (identity, directive) => {
    // A spec the schema does not link keeps its own spelling: that is how a schema written
    // without `@link` (a test's, or an older composition's) spells it.
    const link = links.get(identity) ?? { specName: identity.slice(identity.lastIndexOf('/') + 1), localName: identity.slice(identity.lastIndexOf('/') + 1), imports: new Map() };
    const imported = link.imports.get(directive);
    if (imported !== undefined) return imported;
    return directive === link.specName ? link.localName : `${link.localName}__${directive}`;
  };
}

/** Whether the schema links the spec at all (any version). */
export function linksSpec(document: DocumentNode, specIdentity: string): boolean {
  return document.definitions.some(
    (d) => (d.kind === Kind.SCHEMA_DEFINITION || d.kind === Kind.SCHEMA_EXTENSION) && (d.directives ?? []).some((link) => link.name.value === 'link' && parseLink(link)?.identity === specIdentity),
  );
}

function parseLink(directive: ConstDirectiveNode): { identity: string; link: Link } | undefined {
  const arg = (name: string) => directive.arguments?.find((a) => a.name.value === name)?.value;
  const url = arg('url');
  if (url?.kind !== Kind.STRING) return undefined;
  // `https://specs.apollo.dev/requiresScopes/v0.1`: identity is all before the version.
  const match = /^(.*\/([^/]+))\/v\d+\.\d+$/.exec(url.value);
  if (!match) return undefined;
  const [, identity, specName] = match as unknown as [string, string, string];
  const as = arg('as');
  const imports = new Map<string, string>();
  const list = arg('import');
  for (const item of list?.kind === Kind.LIST ? list.values : []) {
    if (item.kind === Kind.STRING && item.value.startsWith('@')) imports.set(item.value.slice(1), item.value.slice(1));
    if (item.kind !== Kind.OBJECT) continue;
    const field = (name: string) => item.fields.find((f) => f.name.value === name)?.value;
    const name = field('name');
    const renamed = field('as');
    if (name?.kind === Kind.STRING && name.value.startsWith('@')) imports.set(name.value.slice(1), (renamed?.kind === Kind.STRING ? renamed.value : name.value).replace(/^@/, ''));
  }
  return { identity, link: { specName, localName: as?.kind === Kind.STRING ? as.value : specName, imports } };
}
