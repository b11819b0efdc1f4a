import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';
import type { FetchLayer, GatewayGraphQLResponse, ProductAnswer } from './fetch-layer.ts';
import type { ProductHttpAnswer } from './product-request.ts';

/**
 * What an HTTP answer means. A 2xx must carry a GraphQL response (JSON object); anything
 * else on a 2xx is treated like an unreachable product, as Apollo's data source did. On
 * any other status, a GraphQL error body is the product's answer (its errors, already
 * masked by the product's kit, go to the client with their codes), and anything else
 * becomes a coded error naming only the product: Apollo's default would have carried the
 * product's URL and raw body to the client. Anything uncoded from below (a bug, a signer
 * that could not reach the registry) reaches the client only as PRODUCT_ERROR.
 */
export function readLayer(product: string): FetchLayer<ProductAnswer, ProductHttpAnswer> {
  const invalid = (code: MeshErrorCode) => new MeshError(code, `Data product "${product}" sent an invalid response`, { extensions: { product } });
  const read = (answer: ProductHttpAnswer): ProductAnswer => {
    if (answer.status >= 200 && answer.status < 300) {
      const body = parseJsonObject(answer);
      if (!body) throw invalid(MeshErrorCode.PRODUCT_UNAVAILABLE);
      if (!isGraphQLResponse(body)) throw invalid(MeshErrorCode.PRODUCT_ERROR);
      return { status: answer.status, headers: answer.headers, text: answer.text, kind: 'response', body };
    }
    const body = parseJsonObject(answer);
    if (body && isGraphQLResponse(body) && body.errors && body.errors.length > 0) return { status: answer.status, headers: answer.headers, text: answer.text, kind: 'errors', body };
    const code = answer.status === 502 || answer.status === 503 || answer.status === 504 ? MeshErrorCode.PRODUCT_UNAVAILABLE : MeshErrorCode.PRODUCT_ERROR;
    throw new MeshError(code, `Data product "${product}" answered HTTP ${answer.status}`, { extensions: { product } });
  };
  return (next) => async (fetch) => {
    let answer: ProductHttpAnswer;
    try {
      answer = await next(fetch);
    } catch (error) {
      throw error instanceof MeshError ? error : invalid(MeshErrorCode.PRODUCT_ERROR);
    }
    return read(answer);
  };
}

/** The body as a JSON object when the content type says JSON (as Apollo's `parseBody` decides), else undefined. */
function parseJsonObject(answer: ProductHttpAnswer): GatewayGraphQLResponse | undefined {
  const contentType = answer.headers['content-type'];
  if (typeof contentType !== 'string' || !(contentType.startsWith('application/json') || contentType.startsWith('application/graphql-response+json'))) return undefined;
  try {
    const body: unknown = JSON.parse(answer.text);
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as GatewayGraphQLResponse) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a JSON object is a GraphQL response the executor can take: `data` an object or
 * null, `errors` a list of objects with a text message, a path of names and indexes, and
 * object extensions. Anything else (errors as text, a path as a number, a message that is an
 * object) would reach the client uncoded, or carry the product's raw values to it.
 */
function isGraphQLResponse(body: GatewayGraphQLResponse): boolean {
  const { data, errors } = body as { data?: unknown; errors?: unknown };
  if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data))) return false;
  if (errors === undefined || errors === null) return true;
  return Array.isArray(errors) && errors.every(isGraphQLError);
}

function isGraphQLError(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { message, path, extensions } = value as { message?: unknown; path?: unknown; extensions?: unknown };
  if (typeof message !== 'string') return false;
  if (path !== undefined && path !== null && !(Array.isArray(path) && path.every((step) => typeof step === 'string' || typeof step === 'number'))) return false;
  return extensions === undefined || extensions === null || (typeof extensions === 'object' && !Array.isArray(extensions));
}
