import { Supergraph, DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES } from '@apollo/federation-internals';
import { Kind, parse, type DocumentNode } from 'graphql';
import { MeshError, MeshErrorCode } from '../protocol/error-codes.ts';
import { describeClash, findRequiresArgumentClashes, type RequiresDeclaration } from './requires-argument-clash.ts';
import { readContractDirectives } from './contract-directives.ts';
import { ENFORCED_SECURITY_FEATURES } from './enforced-security-features.ts';
import { linkedDirectiveNames } from './linked-directive-names.ts';
import { readFieldDirectives, servedFieldsOf } from './supergraph-directives.ts';
import { subgraphsOf, type SupergraphSubgraph } from './supergraph-subgraphs.ts';

/**
 * Whether a supergraph may be served, decided before Apollo Gateway builds anything from it,
 * at start and on every reload (a refused reload leaves the last good one serving), and by
 * the registry before it stores a build: one function, so a build the registry keeps is one
 * every gateway will serve.
 *
 * The supergraph is the whole contract: the gateway decides access from its directives and
 * nothing else. A served field that carries neither a classification nor an access
 * directive is one nobody decided about, and serving it would give it to every caller. In
 * production that is refused unless `access.allowUnclassifiedFields` says it is meant (a
 * supergraph composed elsewhere, whose owners govern it otherwise); in development it is
 * served, so a foreign or half-made supergraph can be tried out.
 *
 * Exempt: the federation plumbing a gateway never serves to clients (`_entities`,
 * `_service`) and introspection (`__schema`, `__type`, which no supergraph declares).
 * Pagination plumbing (`PageInfo.hasNextPage`, `edges`, `cursor`, `totalCount`) is not
 * exempt: each is a published field like any other, which the product's descriptor
 * classifies and composition compiles. `totalCount` in particular says how many rows match
 * a filter, which is itself data.
 */
export interface AdmissionRules {
  mode: 'development' | 'production';
  allowUnclassifiedFields: boolean;
}

const PLUMBING = new Set(['_entities', '_service']);
/** Enough names for one log line to say what to fix; the count says how many more. */
const NAMED_AT_MOST = 10;

/** Served `Type.field`s with no classification and no `@requiresScopes`, `@authenticated` or `@policy` (their own, or their type's). */
export function ungovernedFields(supergraphSdl: string): string[] {
  const { classifications } = readContractDirectives(supergraphSdl);
  const directives = readFieldDirectives(supergraphSdl);
  return servedFieldsOf(supergraphSdl).filter((coordinate) => {
    if (PLUMBING.has(coordinate.slice(coordinate.indexOf('.') + 1))) return false;
    if (classifications.has(coordinate)) return false;
    const access = directives.get(coordinate);
    return !(access?.authenticated || access?.requiresScopes.length || access?.policies.length);
  });
}

/** The rules a registry admits a build by: the strictest any gateway applies, so every gateway serves what it keeps. */
export const STRICTEST_ADMISSION: AdmissionRules = { mode: 'production', allowUnclassifiedFields: false };

/**
 * Every rule a gateway applies before it serves a supergraph, in the order it applies them;
 * throws SUPERGRAPH_INVALID, in one line saying what to fix, at the first one refused.
 * Returns the subgraphs the supergraph routes to.
 */
export function admitSupergraph(supergraphSdl: string, rules: AdmissionRules): SupergraphSubgraph[] {
  // SDL that parses and routes somewhere.
  const subgraphs = subgraphsOf(supergraphSdl);
  // In every mode: this is wrong data, not an access decision a switch could waive.
  refuseRequiresArgumentClashes(supergraphSdl);
  // Read even when nothing is refused: a classification or policy the gateway cannot apply (a level
  // it does not know, a policy defined twice) fails here, not per request.
  const ungoverned = ungovernedFields(supergraphSdl);
  if (rules.mode === 'production' && !rules.allowUnclassifiedFields && ungoverned.length > 0) refuseUngoverned(ungoverned);
  // Last, what Apollo Gateway itself refuses when it builds the schema and its planner's graph from it.
  refuseWhatApolloRefuses(supergraphSdl);
  return subgraphs;
}

/**
 * The features Apollo Gateway is told it supports: Apollo's own set and the security features
 * meshgate enforces itself (see enforced-security-features.ts). Given explicitly rather than read
 * from Apollo's mutable default, so the registry, which never starts a gateway, admits by the same set.
 */
const SUPPORTED_FEATURES: ReadonlySet<string> = new Set([...DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES, ...ENFORCED_SECURITY_FEATURES]);

function refuseWhatApolloRefuses(supergraphSdl: string): void {
  try {
    // As Apollo Gateway's `createSchemaFromSupergraphSdl` builds it (validated, as outside NODE_ENV=production), and the API schema it serves.
    Supergraph.build(supergraphSdl, { supportedFeatures: SUPPORTED_FEATURES as Set<string>, validateSupergraph: true }).apiSchema();
  } catch (error) {
    throw new MeshError(MeshErrorCode.SUPERGRAPH_INVALID, `Apollo Gateway cannot build a schema from the supergraph: ${(error as Error).message.replace(/\s+/g, ' ').slice(0, 600)}`);
  }
}

function refuseUngoverned(ungoverned: readonly string[]): never {
  const named = ungoverned.slice(0, NAMED_AT_MOST).join(', ') + (ungoverned.length > NAMED_AT_MOST ? ` and ${ungoverned.length - NAMED_AT_MOST} more` : '');
  throw new MeshError(
    MeshErrorCode.SUPERGRAPH_INVALID,
    `Supergraph serves ${ungoverned.length} field(s) with no classification and no access directive (@requiresScopes, @authenticated, @policy): ${named}. ` +
      'Production mode refuses to serve them to every caller: classify them and compose with `meshgate compose`, or set access.allowUnclassifiedFields: true.',
  );
}

const JOIN_SPEC = 'https://specs.apollo.dev/join';

/** Every `@join__field(graph:, requires:)` of the supergraph, by the graph that declares it. */
export function requiresDeclarationsOf(supergraphSdl: string): RequiresDeclaration[] {
  let document: DocumentNode;
  try {
    document = parse(supergraphSdl);
  } catch {
    // SDL that does not parse is refused, with its own reason, by the loader.
    return [];
  }
  const joinField = linkedDirectiveNames(document)(JOIN_SPEC, 'field');
  const declarations: RequiresDeclaration[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_EXTENSION) continue;
    for (const field of definition.fields ?? []) {
      for (const directive of field.directives ?? []) {
        if (directive.name.value !== joinField) continue;
        const argument = (name: string) => directive.arguments?.find((a) => a.name.value === name)?.value;
        const requires = argument('requires');
        const graph = argument('graph');
        if (requires?.kind !== Kind.STRING) continue;
        declarations.push({
          product: graph?.kind === Kind.ENUM ? graph.value : 'unknown graph',
          typeName: definition.name.value,
          field: `${definition.name.value}.${field.name.value}`,
          fieldSet: requires.value,
        });
      }
    }
  }
  return declarations;
}

/**
 * Throws SUPERGRAPH_INVALID when two `@requires` of one type select one field with different
 * arguments: Apollo's planner would fetch it once and compute one of the fields from the
 * wrong value. `meshgate check` refuses this too; this catches a supergraph composed elsewhere.
 */
function refuseRequiresArgumentClashes(supergraphSdl: string): void {
  const clashes = findRequiresArgumentClashes(requiresDeclarationsOf(supergraphSdl));
  if (clashes.length === 0) return;
  throw new MeshError(
    MeshErrorCode.SUPERGRAPH_INVALID,
    `Supergraph has ${clashes.length} @requires argument clash(es): ${clashes.slice(0, NAMED_AT_MOST).map(describeClash).join('; ')}. ` +
      'Select the field once with one set of arguments, or alias the other argument set in a separate product field, and compose again.',
  );
}
