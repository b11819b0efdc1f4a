import { createHash } from 'node:crypto';
import type { GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import { print, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { memoByPair } from '../primitives/pair-memo.ts';
import { refusedArguments } from './argument-access.ts';
import type { FieldAccess } from './field-access.ts';
import { pruneOperation, type DeniedField } from './operation-pruning.ts';

/**
 * What a denied field does to an operation: `filter` cuts it out of the document the
 * gateway plans (so no product is ever asked for it) and returns what was cut, for the
 * answer to be given nulls and FORBIDDEN_FIELD errors in its place; `reject` refuses the
 * whole operation with FORBIDDEN_OPERATION.
 */
export type AccessMode = 'filter' | 'reject';

/**
 * Decides the resolved operation's access for its principal: refuses it with
 * FORBIDDEN_ARGUMENT when it filters by what the caller may not read; otherwise returns the
 * fields cut out of it (none when all are allowed).
 */
export function enforceOperationAccess(requestContext: GraphQLRequestContextDidResolveOperation<GatewayContext>, access: FieldAccess, mode: AccessMode): DeniedField[] {
  const { schema, document, operation, contextValue } = requestContext;
  if (!operation) return []; // the gateway refuses a document without the named operation itself
  // In both modes: a filter the caller may not use would leak through what is left (totalCount), not through a field to null.
  const refused = refusedArguments(schema, document, operation, requestContext.request.variables, access.exposures, (coordinate) => access.refusal(coordinate, contextValue.principal));
  if (refused.length > 0) {
    const reasons = refused.map((a) => `${a.argument} exposes ${a.exposes}, which ${a.reason}`);
    throw new MeshError(MeshErrorCode.FORBIDDEN_ARGUMENT, `Not authorized to filter by: ${reasons.join('; ')}`, { endsRequest: true });
  }
  const refusal = (coordinate: string) => access.refusal(coordinate, contextValue.principal);
  // Most operations deny their caller nothing. Whether this one does is asked of the fields
  // pruning would ask about, found once per operation; the caller's rights are asked afresh
  // every time, and the operation is walked again only when something is refused.
  if (coordinatesOf(schema, operation, document).every((coordinate) => refusal(coordinate) === null)) return [];
  const result = pruneOperation(schema, document, operation, refusal);
  if (result.denied.length === 0) return [];
  if (mode === 'reject') {
    const reasons = [...new Set(result.denied.map((field) => `${field.coordinate} ${field.reason}`))];
    throw new MeshError(MeshErrorCode.FORBIDDEN_OPERATION, `Not authorized: ${reasons.join('; ')}`, { endsRequest: true });
  }
  replaceDocument(requestContext, result.document, result.operation);
  return result.denied;
}

/**
 * Hands the pruned document to the gateway. The query hash must change with it: Apollo
 * Gateway caches query plans by that hash, and a plan made for a caller who may see a field
 * must never serve one who may not (nor the reverse).
 */
function replaceDocument(requestContext: GraphQLRequestContextDidResolveOperation<GatewayContext>, document: DocumentNode, operation: OperationDefinitionNode): void {
  const writable = requestContext as { document: DocumentNode; operation: OperationDefinitionNode; queryHash: string };
  writable.document = document;
  writable.operation = operation;
  // The hash of the pruned document is also what callers with equal rights share an answer
  // by (`answerIdentity`): the same rights cut the same fields.
  writable.queryHash = createHash('sha256').update(print(document)).digest('hex');
}

/**
 * The coordinates pruning asks a refusal for, walking the operation with nothing refused, per
 * schema and operation. When none of them is refused for a caller, pruning that caller's
 * operation asks exactly these and cuts nothing: the walk depends on the schema and the
 * operation alone.
 */
const coordinatesOf = memoByPair((schema: GraphQLSchema, operation: OperationDefinitionNode, document: DocumentNode): readonly string[] => {
  const found = new Set<string>();
  pruneOperation(schema, document, operation, (coordinate) => {
    found.add(coordinate);
    return null;
  });
  return [...found];
});
