import { Kind, type ConstDirectiveNode, type DefinitionNode } from 'graphql';
import { CONTRACT_DIRECTIVES, CONTRACT_SPEC_IDENTITY } from '../product/contract-spec.ts';
import { CLASSIFICATIONS, type Classification } from '../product/descriptor.ts';
import { MeshErrorCode, MeshError } from '../protocol/error-codes.ts';
import type { DefinitionReader } from './definition-reader.ts';
import type { DirectiveNameOf } from './linked-directive-names.ts';
import { stringArgument } from '../base/sdl-syntax.ts';

/** A product's metadata as composition recorded it in the supergraph. */
export interface ContractProduct {
  name: string;
  version: string;
  status: string;
  domain: string;
  owner: { team: string; contact: string };
  sla: { freshness: string; availability: string };
  /** The product's purpose; absent from supergraphs composed before it was carried. */
  description?: string;
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
  /** Central governance's named policies, by name: what `@policy(policies: [["name"]])` asks of a caller. */
  policies: ReadonlyMap<string, ContractPolicy>;
}

/** A named policy as composition compiled it from governance. */
export interface ContractPolicy {
  name: string;
  /** Every scope listed is required; any scope implies a verified identity. */
  requiresScopes: readonly string[];
  requiresAuthentication: boolean;
}

function invalid(message: string): MeshError {
  return new MeshError(MeshErrorCode.SUPERGRAPH_INVALID, `Supergraph contract: ${message}`);
}

function required(directive: ConstDirectiveNode, name: string): string {
  const value = stringArgument(directive, name);
  if (value === undefined) throw invalid(`@${directive.name.value} has no string argument ${name}`);
  return value;
}

function readProducts(directives: readonly ConstDirectiveNode[]): Map<string, ContractProduct> {
  const products = new Map<string, ContractProduct>();
  for (const directive of directives) {
    const arg = (argument: string) => required(directive, argument);
    products.set(arg('name'), {
      name: arg('name'),
      version: arg('version'),
      status: arg('status'),
      domain: arg('domain'),
      owner: { team: arg('ownerTeam'), contact: arg('ownerContact') },
      sla: { freshness: arg('freshness'), availability: arg('availability') },
      ...(stringArgument(directive, 'description') !== undefined ? { description: stringArgument(directive, 'description') } : {}),
    });
  }
  return products;
}

function readPolicies(directives: readonly ConstDirectiveNode[], name: string): Map<string, ContractPolicy> {
  const policies = new Map<string, ContractPolicy>();
  for (const directive of directives) {
    const policy = required(directive, 'name');
    const scopes = directive.arguments?.find((a) => a.name.value === 'requiresScopes')?.value;
    const authentication = directive.arguments?.find((a) => a.name.value === 'requiresAuthentication')?.value;
    if (scopes?.kind !== Kind.LIST || scopes.values.some((v) => v.kind !== Kind.STRING) || authentication?.kind !== Kind.BOOLEAN) {
      throw invalid(`@${name}(name: "${policy}") needs requiresScopes: [String!]! and requiresAuthentication: Boolean!`);
    }
    // Two definitions of one name would leave which one holds to reading order: refuse.
    if (policies.has(policy)) throw invalid(`policy "${policy}" is defined twice`);
    policies.set(policy, { name: policy, requiresScopes: scopes.values.map((v) => (v as { value: string }).value), requiresAuthentication: authentication.value });
  }
  return policies;
}

/**
 * Reads product metadata, classifications, exposures and named policies from a core supergraph (the
 * API schema has them stripped). A classification outside the known levels throws
 * SUPERGRAPH_INVALID: a level the gateway cannot map to scopes must not be served as open.
 *
 * @param linked whether the supergraph links meshgate's contract spec: one composed elsewhere gets
 *   none of our meaning, even where it happens to use a directive spelled like ours.
 */
export function contractReader(linked: boolean, nameOf: DirectiveNameOf): DefinitionReader<ContractDirectives> {
  const classified: [coordinate: string, directive: ConstDirectiveNode][] = [];
  const exposures = new Map<string, string[]>();
  const onSchema = { product: [] as ConstDirectiveNode[], policy: [] as ConstDirectiveNode[] };
  // Our directives' names in the spec are what follows the `meshgate__` of their composed names.
  const names = Object.fromEntries(Object.entries(CONTRACT_DIRECTIVES).map(([key, composed]) => [key, nameOf(CONTRACT_SPEC_IDENTITY, composed.replace(/^meshgate__/, ''))])) as Record<
    keyof typeof CONTRACT_DIRECTIVES,
    string
  >;
  const expose = (coordinate: string, directives: readonly ConstDirectiveNode[] | undefined) => {
    const fields = (directives ?? []).filter((d) => d.name.value === names.exposes).map((d) => required(d, 'field'));
    if (fields.length > 0) exposures.set(coordinate, fields);
  };
  return {
    read(definition: DefinitionNode) {
      if (!linked) return;
      if (definition.kind === Kind.SCHEMA_DEFINITION || definition.kind === Kind.SCHEMA_EXTENSION) {
        for (const directive of definition.directives ?? []) {
          if (directive.name.value === names.product) onSchema.product.push(directive);
          if (directive.name.value === names.policy) onSchema.policy.push(directive);
        }
      }
      if (definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) {
        for (const field of definition.fields ?? []) expose(`${definition.name.value}.${field.name.value}`, field.directives);
      }
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) return;
      for (const field of definition.fields ?? []) {
        const coordinate = `${definition.name.value}.${field.name.value}`;
        for (const arg of field.arguments ?? []) expose(`${coordinate}.${arg.name.value}`, arg.directives);
        const marker = field.directives?.find((d) => d.name.value === names.classified);
        if (marker) classified.push([coordinate, marker]);
      }
    },
    done() {
      const classifications = new Map<string, Classification>();
      if (!linked) return { linked: false, products: new Map(), classifications, exposures, policies: new Map() };
      for (const [coordinate, marker] of classified) {
        const level = required(marker, 'level');
        if (!(CLASSIFICATIONS as readonly string[]).includes(level)) throw invalid(`${coordinate} is classified "${level}", which is none of ${CLASSIFICATIONS.join(', ')}`);
        classifications.set(coordinate, level as Classification);
      }
      return { linked: true, products: readProducts(onSchema.product), classifications, exposures, policies: readPolicies(onSchema.policy, names.policy) };
    },
  };
}
