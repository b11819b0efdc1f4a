import { Supergraph, DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES } from '@apollo/federation-internals';
import { print, type ASTNode } from 'graphql';
import { MeshError, MeshErrorCode } from '../protocol/error-codes.ts';
import { ENFORCED_SECURITY_FEATURES } from './enforced-security-features.ts';
import { parseSupergraph, readSupergraphModel, type SupergraphModel } from './supergraph-model.ts';

/**
 * Whether a supergraph may be served, decided by a gateway at start and on every reload (a
 * refused reload leaves the last good one serving), and by the registry before it stores a
 * build: one set of rules, so a build the registry keeps is one every gateway will serve.
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
export function ungovernedFields(model: SupergraphModel): string[] {
  return model.served.filter((coordinate) => {
    if (PLUMBING.has(coordinate.slice(coordinate.indexOf('.') + 1))) return false;
    if (model.contract.classifications.has(coordinate)) return false;
    const access = model.access.get(coordinate);
    return !(access?.authenticated || access?.requiresScopes.length || access?.policies.length);
  });
}

/** The rules a registry admits a build by: the strictest any gateway applies, so every gateway serves what it keeps. */
export const STRICTEST_ADMISSION: AdmissionRules = { mode: 'production', allowUnclassifiedFields: false };

/**
 * meshgate's own rules, in the order a gateway applies them, over a supergraph already read
 * (reading it refused SDL that does not parse or routes nowhere, and a contract the gateway
 * cannot apply: a level it does not know, a policy defined twice). Throws
 * SUPERGRAPH_INVALID, in one line saying what to fix, at the first one refused. What Apollo
 * refuses comes after: a gateway leaves that to the build Apollo Gateway makes to serve it.
 */
export function admitModel(model: SupergraphModel, rules: AdmissionRules): void {
  const ungoverned = ungovernedFields(model);
  if (rules.mode === 'production' && !rules.allowUnclassifiedFields && ungoverned.length > 0) refuseUngoverned(ungoverned);
}

/**
 * Every rule a gateway applies before it serves a supergraph, for a supergraph that no gateway
 * is about to build (the registry's builds, `meshgate check`): reads it, applies meshgate's
 * rules, and last builds it as Apollo Gateway would. Returns the model read.
 */
export function admitSupergraph(supergraphSdl: string, rules: AdmissionRules): SupergraphModel {
  const document = parseSupergraph(supergraphSdl);
  const model = readSupergraphModel(supergraphSdl, document);
  admitModel(model, rules);
  try {
    // As a gateway builds it (validated, from the model's own parse), and the API schema it serves.
    Supergraph.build(document, { supportedFeatures: SUPPORTED_FEATURES as Set<string>, validateSupergraph: true }).apiSchema();
  } catch (error) {
    throw apolloRefusal(error);
  }
  return model;
}

/**
 * The features Apollo Gateway is told it supports: Apollo's own set and the security features
 * meshgate enforces itself. Given explicitly rather than read from Apollo's mutable default, so
 * the registry, which never starts a gateway, admits by the same set.
 */
const SUPPORTED_FEATURES: ReadonlySet<string> = new Set([...DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES, ...ENFORCED_SECURITY_FEATURES]);

/** What Apollo's refusal to build a supergraph says, as one coded line: the registry's and a gateway's words for it are the same. */
export function apolloRefusal(error: unknown): MeshError {
  const oneLine = (text: string) => text.replace(/\s+/g, ' ');
  // Apollo builds from the model's parse, which has no locations, so its message quotes no line of
  // the supergraph: the definition it points at is printed instead, to name the value refused.
  const causes = (error as { causes?: unknown[] }).causes ?? [error];
  const node = causes.flatMap((cause) => (cause as { nodes?: readonly ASTNode[] } | undefined)?.nodes ?? [])[0];
  const at = node && !node.loc ? ` (at ${oneLine(print(node)).slice(0, 200)})` : '';
  return new MeshError(MeshErrorCode.SUPERGRAPH_INVALID, `Apollo Gateway cannot build a schema from the supergraph: ${oneLine((error as Error).message).slice(0, 600)}${at}`);
}

function refuseUngoverned(ungoverned: readonly string[]): never {
  const named = ungoverned.slice(0, NAMED_AT_MOST).join(', ') + (ungoverned.length > NAMED_AT_MOST ? ` and ${ungoverned.length - NAMED_AT_MOST} more` : '');
  throw new MeshError(
    MeshErrorCode.SUPERGRAPH_INVALID,
    `Supergraph serves ${ungoverned.length} field(s) with no classification and no access directive (@requiresScopes, @authenticated, @policy): ${named}. ` +
      'Production mode refuses to serve them to every caller: classify them and compose with `meshgate compose`, or set access.allowUnclassifiedFields: true.',
  );
}
