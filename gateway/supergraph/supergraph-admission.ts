import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import { readContractDirectives } from './contract-directives.ts';
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
