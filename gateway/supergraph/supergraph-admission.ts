import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { Kind, parse, type DocumentNode } from 'graphql';
import { describeClash, findRequiresArgumentClashes, type RequiresDeclaration } from '../../schema/requires-argument-clash.ts';
import { readContractDirectives } from './contract-directives.ts';
import { linkedDirectiveNames } from './linked-directive-names.ts';
import { readFieldDirectives, servedFieldsOf } from './supergraph-directives.ts';

/**
 * Whether a supergraph may be served, decided before Apollo Gateway builds anything from it,
 * at start and on every reload (a refused reload leaves the last good one serving).
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

/** Throws SUPERGRAPH_INVALID, in one line naming the fields and the switch, when the rules refuse the supergraph. */
export function admitSupergraph(supergraphSdl: string, rules: AdmissionRules): void {
  // In every mode: this is wrong data, not an access decision a switch could waive.
  refuseRequiresArgumentClashes(supergraphSdl);
  // Read even when nothing is refused: a classification or policy the gateway cannot apply fails here, not per request.
  const ungoverned = ungovernedFields(supergraphSdl);
  if (rules.mode !== 'production' || rules.allowUnclassifiedFields || ungoverned.length === 0) return;
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
