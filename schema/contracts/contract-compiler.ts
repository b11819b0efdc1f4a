import { Kind, parse, print, type ConstDirectiveNode, type ConstValueNode, type DefinitionNode, type DocumentNode, type FieldDefinitionNode } from 'graphql';
import type { Classification, ProductDescriptor } from '../product/descriptor.ts';
import type { Governance } from './governance.ts';
import { CONTRACT_DIRECTIVE_DEFINITIONS, CONTRACT_DIRECTIVES, CONTRACT_SPEC_IDENTITY, CONTRACT_SPEC_URL } from '../product/contract-spec.ts';
import { stringArgument } from '../base/sdl-syntax.ts';

/**
 * Compiles central governance and a product's descriptor into the product's SDL, so that
 * composition carries them into the supergraph as standard directives: a classification's
 * scopes become `@requiresScopes` (and `@authenticated` where governance asks for it),
 * and the product's metadata, each field's classification and the named policies become
 * composed directives of our spec. Product teams keep writing plain SDL; this runs on the way into composition.
 */
export type CompiledSubgraph = { ok: true; document: DocumentNode } | { ok: false; errors: string[] };

const FEDERATION_IDENTITY = 'https://specs.apollo.dev/federation/';
/** `@requiresScopes` and `@authenticated` arrived in Federation 2.5. */
const ACCESS_MINOR = 5;
const NEEDED_IMPORTS = ['@requiresScopes', '@authenticated', '@composeDirective'] as const;

function directiveNode(text: string): ConstDirectiveNode {
  const definition = parse(`extend schema ${text}`).definitions[0];
  if (definition?.kind !== Kind.SCHEMA_EXTENSION || !definition.directives?.[0]) throw new TypeError(`not a directive: ${text}`);
  return definition.directives[0];
}

const str = (value: string) => JSON.stringify(value);

function linkOf(definitions: readonly DefinitionNode[], identity: string): { directive: ConstDirectiveNode; owner: number } | undefined {
  for (const [owner, definition] of definitions.entries()) {
    if (definition.kind !== Kind.SCHEMA_EXTENSION && definition.kind !== Kind.SCHEMA_DEFINITION) continue;
    const directive = definition.directives?.find((d) => d.name.value === 'link' && stringArgument(d, 'url')?.startsWith(identity));
    if (directive) return { directive, owner };
  }
  return undefined;
}

/** The name each federation directive goes by in this subgraph: an import may rename it. */
function importedNames(link: ConstDirectiveNode): Map<string, string> {
  const names = new Map<string, string>();
  const imports = link.arguments?.find((a) => a.name.value === 'import')?.value;
  for (const item of imports?.kind === Kind.LIST ? imports.values : []) {
    if (item.kind === Kind.STRING) names.set(item.value, item.value);
    if (item.kind !== Kind.OBJECT) continue;
    const field = (name: string) => item.fields.find((f) => f.name.value === name)?.value;
    const name = field('name');
    const as = field('as');
    if (name?.kind === Kind.STRING) names.set(name.value, as?.kind === Kind.STRING ? as.value : name.value);
  }
  return names;
}

/** The name each federation directive this SDL imports goes by (`@authenticated`, or what the import renames it to). */
export function federationDirectiveNames(document: DocumentNode): Map<string, string> {
  const link = linkOf(document.definitions, FEDERATION_IDENTITY);
  return link ? importedNames(link.directive) : new Map();
}

/** The federation link, at 2.5 or later and importing what the compiled policy uses. */
function upgradedFederationLink(link: ConstDirectiveNode, errors: string[]): { link: ConstDirectiveNode; names: Map<string, string> } {
  const url = stringArgument(link, 'url')!;
  const version = /\/v(\d+)\.(\d+)$/.exec(url);
  if (version?.[1] !== '2') {
    errors.push(`links ${url}; meshgate composes Federation 2 subgraphs only`);
    return { link, names: new Map() };
  }
  const names = importedNames(link);
  const missing = NEEDED_IMPORTS.filter((name) => !names.has(name));
  for (const name of missing) names.set(name, name);
  // Raising the version is safe: every 2.x spec keeps what earlier ones defined.
  const newUrl = Number(version[2]) < ACCESS_MINOR ? `${FEDERATION_IDENTITY}v2.${ACCESS_MINOR}` : url;
  const imports = link.arguments?.find((a) => a.name.value === 'import')?.value;
  const kept = imports?.kind === Kind.LIST ? imports.values.map((v) => print(v)) : [];
  const upgraded = directiveNode(`@link(url: ${str(newUrl)}, import: [${[...kept, ...missing.map(str)].join(', ')}])`);
  return { link: { ...link, arguments: upgraded.arguments }, names };
}

/** AND of two OR-of-AND scope lists: every pairing of their inner lists, each without repeats. */
function bothScopes(written: string[][], compiled: string[]): string[][] {
  if (written.length === 0) return [compiled];
  return written.map((set) => [...new Set([...set, ...compiled])]);
}

function scopeLists(value: ConstValueNode | undefined): string[][] {
  if (value?.kind !== Kind.LIST) return [];
  return value.values.map((inner) => (inner.kind === Kind.LIST ? inner.values : [inner]).flatMap((item) => (item.kind === Kind.STRING ? [item.value] : [])));
}

function compileField(field: FieldDefinitionNode, level: Classification, governance: Governance, names: Map<string, string>): FieldDefinitionNode {
  const requiresScopes = names.get('@requiresScopes')!.slice(1);
  const authenticated = names.get('@authenticated')!.slice(1);
  let directives = (field.directives ?? []).filter((d) => d.name.value !== CONTRACT_DIRECTIVES.classified);
  const scopes = governance.classificationScopes[level];
  if (scopes.length > 0) {
    // A product's own @requiresScopes still holds: the field needs both.
    const written = directives.find((d) => d.name.value === requiresScopes);
    const lists = bothScopes(scopeLists(written?.arguments?.find((a) => a.name.value === 'scopes')?.value), scopes);
    directives = directives.filter((d) => d !== written);
    directives.push(directiveNode(`@${requiresScopes}(scopes: ${JSON.stringify(lists)})`));
  }
  if (governance.authenticatedClassifications.includes(level) && !directives.some((d) => d.name.value === authenticated)) {
    directives.push(directiveNode(`@${authenticated}`));
  }
  directives.push(directiveNode(`@${CONTRACT_DIRECTIVES.classified}(level: ${str(level)})`));
  return { ...field, directives };
}

/** The spec's directive definitions: a product's own copy must be the spec's, word for word. */
function contractDefinitions(definitions: readonly DefinitionNode[], errors: string[]): DefinitionNode[] {
  const added: DefinitionNode[] = [];
  for (const text of Object.values(CONTRACT_DIRECTIVE_DEFINITIONS)) {
    const canonical = parse(text).definitions[0]!;
    const name = (canonical as { name: { value: string } }).name.value;
    const own = definitions.find((d) => d.kind === Kind.DIRECTIVE_DEFINITION && d.name.value === name);
    if (!own) added.push(canonical);
    else if (print({ ...own, description: undefined, loc: undefined } as DefinitionNode) !== print(canonical)) {
      errors.push(`defines @${name} differently from ${CONTRACT_SPEC_URL}; copy its definition: ${text}`);
    }
  }
  return added;
}

export function compileSubgraph(sdl: string, descriptor: ProductDescriptor, governance: Governance): CompiledSubgraph {
  let document: DocumentNode;
  try {
    document = parse(sdl);
  } catch (error) {
    return { ok: false, errors: [(error as Error).message] };
  }
  const errors: string[] = [];
  const federation = linkOf(document.definitions, FEDERATION_IDENTITY);
  if (!federation) return { ok: false, errors: [`does not @link ${FEDERATION_IDENTITY}v2.x; meshgate compiles access policy into Federation 2.5 directives`] };
  const { link, names } = upgradedFederationLink(federation.directive, errors);

  const ours = linkOf(document.definitions, CONTRACT_SPEC_IDENTITY);
  if (ours && (stringArgument(ours.directive, 'url') !== CONTRACT_SPEC_URL || ours.directive.arguments?.some((a) => a.name.value !== 'url'))) {
    errors.push(`must link ${CONTRACT_SPEC_URL} with url only (no import, no as), so its directives keep their names`);
  }
  const composeDirective = names.get('@composeDirective')?.slice(1) ?? 'composeDirective';
  const { owner, sla } = descriptor;
  const schemaDirectives = [
    ...(ours ? [] : [directiveNode(`@link(url: ${str(CONTRACT_SPEC_URL)})`)]),
    ...Object.values(CONTRACT_DIRECTIVES).map((name) => directiveNode(`@${composeDirective}(name: ${str(`@${name}`)})`)),
    directiveNode(
      `@${CONTRACT_DIRECTIVES.product}(name: ${str(descriptor.name)}, version: ${str(descriptor.version)}, status: ${str(descriptor.status)}, domain: ${str(descriptor.domain)}, ownerTeam: ${str(owner.team)}, ownerContact: ${str(owner.contact)}, freshness: ${str(sla.freshness)}, availability: ${str(sla.availability)}, description: ${str(descriptor.description.purpose)})`,
    ),
    // Every policy in every subgraph, not only the ones it names: composition merges the
    // identical copies into one, and a gateway then decides `@policy` from the supergraph alone.
    ...Object.entries(governance.policies).map(([name, policy]) =>
      directiveNode(
        `@${CONTRACT_DIRECTIVES.policy}(name: ${str(name)}, requiresScopes: ${JSON.stringify(policy.requiresScopes ?? [])}, requiresAuthentication: ${policy.requiresAuthentication ?? false})`,
      ),
    ),
  ];
  const added = contractDefinitions(document.definitions, errors);
  if (errors.length > 0) return { ok: false, errors };

  const definitions = document.definitions.map((definition, index): DefinitionNode => {
    if (index === federation.owner && (definition.kind === Kind.SCHEMA_EXTENSION || definition.kind === Kind.SCHEMA_DEFINITION)) {
      const directives = (definition.directives ?? []).map((d) => (d === federation.directive ? link : d));
      return { ...definition, directives: [...directives, ...schemaDirectives] };
    }
    const isObject = definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION;
    const isInterface = definition.kind === Kind.INTERFACE_TYPE_DEFINITION || definition.kind === Kind.INTERFACE_TYPE_EXTENSION;
    if (!isObject && !isInterface) return definition;
    const fields = (definition.fields ?? []).map((field) => {
      const policy = descriptor.fields[`${definition.name.value}.${field.name.value}`];
      // An @external field is another product's: that product's descriptor classifies it.
      const external = field.directives?.some((d) => d.name.value === (names.get('@external')?.slice(1) ?? 'external'));
      return policy && !external ? compileField(field, policy.classification, governance, names) : field;
    });
    return { ...definition, fields };
  });
  return { ok: true, document: { ...document, definitions: [...definitions, ...added] } };
}
