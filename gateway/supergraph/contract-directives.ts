import { Kind, parse, type ConstDirectiveNode, type DocumentNode } from 'graphql';
import { CONTRACT_DIRECTIVES, CONTRACT_SPEC_IDENTITY } from '../../schema/contract-spec.ts';
import { CLASSIFICATIONS, type Classification } from '../../schema/descriptor.ts';
import { MeshErrorCode, MeshError } from '../../schema/protocol/error-codes.ts';

/** A product's metadata as composition recorded it in the supergraph. */
export interface ContractProduct {
  name: string;
  version: string;
  status: string;
  domain: string;
  owner: { team: string; contact: string };
  sla: { freshness: string; availability: string };
}

/**
 * The contract meshgate composed into a supergraph, read without any file beside it.
 * A supergraph composed elsewhere does not link our spec: `linked` is false and the maps
 * are empty, and the caller decides what serving it means.
 */
export interface ContractDirectives {
  /** Whether the supergraph links meshgate's contract spec at all. */
  linked: boolean;
  /** By product (subgraph) name. */
  products: ReadonlyMap<string, ContractProduct>;
  /** `Type.field` of every classified field; a field absent here was never classified. */
  classifications: ReadonlyMap<string, Classification>;
  /**
   * What filtering, sorting or paging by an argument (`Query.customers.filter`) or an
   * input field (`CustomerFilter.country`) reveals: the `Type.field`s it exposes.
   */
  exposures: ReadonlyMap<string, readonly string[]>;
}

function stringArg(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}

function invalid(message: string): MeshError {
  return new MeshError(MeshErrorCode.SUPERGRAPH_INVALID, `Supergraph contract: ${message}`);
}

function required(directive: ConstDirectiveNode, name: string): string {
  const value = stringArg(directive, name);
  if (value === undefined) throw invalid(`@${directive.name.value} has no string argument ${name}`);
  return value;
}

function readProducts(document: DocumentNode): Map<string, ContractProduct> {
  const products = new Map<string, ContractProduct>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== CONTRACT_DIRECTIVES.product) continue;
      const arg = (name: string) => required(directive, name);
      products.set(arg('name'), {
        name: arg('name'),
        version: arg('version'),
        status: arg('status'),
        domain: arg('domain'),
        owner: { team: arg('ownerTeam'), contact: arg('ownerContact') },
        sla: { freshness: arg('freshness'), availability: arg('availability') },
      });
    }
  }
  return products;
}

/**
 * Reads product metadata, classifications and exposures from a core supergraph SDL (the
 * API schema has them stripped). A classification outside the known levels throws
 * SUPERGRAPH_INVALID: a level the gateway cannot map to scopes must not be served as open.
 */
export function readContractDirectives(supergraphSdl: string): ContractDirectives {
  const document = parse(supergraphSdl);
  const linked = document.definitions.some(
    (d) =>
      (d.kind === Kind.SCHEMA_DEFINITION || d.kind === Kind.SCHEMA_EXTENSION) &&
      (d.directives ?? []).some((link) => link.name.value === 'link' && stringArg(link, 'url')?.startsWith(`${CONTRACT_SPEC_IDENTITY}/`)),
  );
  const classifications = new Map<string, Classification>();
  const exposures = new Map<string, string[]>();
  const expose = (coordinate: string, directives: readonly ConstDirectiveNode[] | undefined) => {
    const fields = (directives ?? []).filter((d) => d.name.value === CONTRACT_DIRECTIVES.exposes).map((d) => required(d, 'field'));
    if (fields.length > 0) exposures.set(coordinate, fields);
  };
  for (const definition of document.definitions) {
    if (definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) {
      for (const field of definition.fields ?? []) expose(`${definition.name.value}.${field.name.value}`, field.directives);
    }
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    for (const field of definition.fields ?? []) {
      const coordinate = `${definition.name.value}.${field.name.value}`;
      for (const arg of field.arguments ?? []) expose(`${coordinate}.${arg.name.value}`, arg.directives);
      const marker = field.directives?.find((d) => d.name.value === CONTRACT_DIRECTIVES.classified);
      if (!marker) continue;
      const level = required(marker, 'level');
      if (!(CLASSIFICATIONS as readonly string[]).includes(level)) throw invalid(`${coordinate} is classified "${level}", which is none of ${CLASSIFICATIONS.join(', ')}`);
      classifications.set(coordinate, level as Classification);
    }
  }
  return { linked, products: readProducts(document), classifications, exposures };
}
