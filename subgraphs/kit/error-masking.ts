import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';

/** Codes a product may pass to its caller as they are: they describe the request, not internals. */
const PASS_THROUGH = new Set<string>([
  MeshErrorCode.GRAPHQL_PARSE_FAILED,
  MeshErrorCode.GRAPHQL_VALIDATION_FAILED,
  MeshErrorCode.BAD_USER_INPUT,
  MeshErrorCode.BAD_REQUEST,
  MeshErrorCode.PERSISTED_QUERY_NOT_FOUND,
  MeshErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
  MeshErrorCode.OPERATION_RESOLUTION_FAILURE,
]);

/**
 * Apollo Server `formatError` for data products. An error message is a backdoor to a
 * product's internals (a DuckDB error names tables and columns; a stack names files), so
 * anything that is not one of our coded errors becomes "Unexpected error." with
 * `PRODUCT_ERROR`. `exposeDetails` (development only) keeps the original message.
 */
export function maskProductError(product: string, exposeDetails: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code;
    const passes = original instanceof MeshError || (original instanceof GraphQLError && typeof code === 'string' && PASS_THROUGH.has(code));
    if (passes) {
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code, product } };
    }
    return {
      message: exposeDetails && original instanceof Error ? original.message : 'Unexpected error.',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: MeshErrorCode.PRODUCT_ERROR, product },
    };
  };
}
