import { parse, type ConstDirectiveNode, type DocumentNode } from 'graphql';
import { governedChangeId } from '../contracts/access-diff.ts';
import { federationDirectiveNames } from '../contracts/contract-compiler.ts';
import { finding, type Finding } from '../contracts/finding.ts';
import { isObjectOrInterface, ROOT_TYPES } from '../product/subgraph-model.ts';
import { stringArgument } from '../base/sdl-syntax.ts';

/**
 * Who owns what in a mesh of many repositories. The registry records the owner of every
 * object or interface type and of every field on one as products publish them: the first
 * to define a coordinate owns it (an import records every product that defined it). A
 * product then publishes fields on types it owns, and fields it adds to another product's
 * entity by the entity's key; anything more takes over a coordinate and needs the owner's
 * consent or a platform approval.
 */

/** What one SDL defines of the coordinates ownership is about. */
interface Defined {
  /** Object and interface types, with whether this SDL declares them by a key (an entity extension). */
  types: Map<string, { keyed: boolean }>;
  /** Fields this SDL resolves itself: not `@external`, not part of a key. */
  fields: { coordinate: string; type: string; overrideFrom: string | undefined }[];
}

/** The top-level field names of a key's selection: `id`, `sku region { code }` gives id, sku, region. */
function keyFieldNames(selection: string): string[] {
  const names: string[] = [];
  let depth = 0;
  for (const token of selection.match(/[A-Za-z_]\w*|[{}]/g) ?? []) {
    if (token === '{') depth++;
    else if (token === '}') depth--;
    else if (depth === 0) names.push(token);
  }
  return names;
}

function defined(document: DocumentNode): Defined {
  const names = federationDirectiveNames(document);
  const local = (name: string) => names.get(`@${name}`)?.slice(1) ?? name;
  const is = (d: ConstDirectiveNode, name: string) => d.name.value === local(name) || d.name.value === `federation__${name}`;
  const types = new Map<string, { keyed: boolean }>();
  const fields: Defined['fields'] = [];
  for (const definition of document.definitions) {
    if (!isObjectOrInterface(definition)) continue;
    const type = definition.name.value;
    const keys = (definition.directives ?? []).filter((d) => is(d, 'key'));
    const keyFields = new Set(keys.flatMap((d) => keyFieldNames(stringArgument(d, 'fields') ?? '')));
    types.set(type, { keyed: (types.get(type)?.keyed ?? false) || keys.length > 0 });
    for (const field of definition.fields ?? []) {
      const directives = field.directives ?? [];
      if (keyFields.has(field.name.value) || directives.some((d) => is(d, 'external'))) continue;
      const override = directives.find((d) => is(d, 'override'));
      fields.push({ coordinate: `${type}.${field.name.value}`, type, overrideFrom: override ? stringArgument(override, 'from') : undefined });
    }
  }
  return { types, fields };
}

function parsed(sdl: string): DocumentNode | undefined {
  try {
    return parse(sdl);
  } catch {
    return undefined; // The check reports an SDL that does not parse.
  }
}

/**
 * The takeovers in a candidate: `@override(from:)` naming another product, a field another
 * product owns defined again (a `@shareable` duplicate, or one that would not compose), and a
 * new field on another product's type that the candidate does not declare by its key.
 * Each finding carries a governed change id and the owners who may consent.
 */
export function takeoverFindings(product: string, version: string, sdl: string, owners: ReadonlyMap<string, readonly string[]>): (Finding & { owners: string[] })[] {
  const document = parsed(sdl);
  if (!document) return [];
  const { types, fields } = defined(document);
  const findings: (Finding & { owners: string[] })[] = [];
  const add = (coordinate: string, from: string[], message: string) => {
    const change = governedChangeId(product, version, coordinate, message);
    findings.push({
      ...finding(
        product,
        coordinate,
        'ownership/takeover',
        `${message} (governed change ${change})`,
        `Leave ${coordinate} to ${from.join(', ')}, or ask ${from.length === 1 ? 'its owner' : 'one of its owners'} (its product token) or the platform to approve change ${change} with \`meshgate registry approvals approve\`.`,
      ),
      change,
      owners: from,
    });
  };
  for (const field of fields) {
    const owning = owners.get(field.coordinate) ?? [];
    if (field.overrideFrom !== undefined && field.overrideFrom !== product) {
      add(field.coordinate, [field.overrideFrom], `${product} takes ${field.coordinate} over from ${field.overrideFrom} with @override(from: "${field.overrideFrom}")`);
    } else if (owning.length > 0 && !owning.includes(product)) {
      add(field.coordinate, [...owning], `${product} defines ${field.coordinate}, which ${owning.join(' and ')} own${owning.length === 1 ? 's' : ''}: a duplicate of another product's field`);
    } else if (owning.length === 0 && !ROOT_TYPES.has(field.type)) {
      // Root fields are owned one by one: every product adds its own entry points to Query.
      const typeOwners = owners.get(field.type) ?? [];
      if (typeOwners.length > 0 && !typeOwners.includes(product) && !types.get(field.type)?.keyed) {
        add(
          field.coordinate,
          [...typeOwners],
          `${product} adds ${field.coordinate} to ${field.type}, which ${typeOwners.join(' and ')} own${typeOwners.length === 1 ? 's' : ''}, without declaring it by its key`,
        );
      }
    }
  }
  return findings;
}

/**
 * The coordinates a product becomes an owner of when its version is let in: every field
 * it resolves, and every type nobody owns yet (or, for an import, every type it defines).
 */
export function claimedCoordinates(product: string, sdl: string, owners: ReadonlyMap<string, readonly string[]>, options: { everyType?: boolean } = {}): { coordinate: string; product: string }[] {
  const document = parsed(sdl);
  if (!document) return [];
  const { types, fields } = defined(document);
  const claimed = [...types.keys()].filter((type) => !ROOT_TYPES.has(type) && (options.everyType || (owners.get(type) ?? []).length === 0));
  return [...claimed, ...fields.map((f) => f.coordinate)].filter((coordinate) => !(owners.get(coordinate) ?? []).includes(product)).map((coordinate) => ({ coordinate, product }));
}
