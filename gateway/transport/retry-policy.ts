import { MeshError, MeshErrorCode } from '../../schema/protocol/error-codes.ts';

/** How often and how patiently a failed product fetch is tried again. */
export interface RetryOptions {
  /** Extra attempts after the first; 0 turns retries off. */
  retries: number;
  /** First backoff; each further one doubles, with full jitter. */
  baseDelayMs: number;
  /** Cap on one backoff. */
  maxDelayMs: number;
}

/**
 * Codes that say the product never produced an answer: the connection failed, the product
 * timed out, or it answered with something that is not GraphQL (a proxy's 502 page). A
 * GraphQL error from the product (bad argument, page too large) is an answer and is never
 * retried: it would fail the same way again.
 */
const TRANSIENT = new Set<MeshErrorCode>([MeshErrorCode.PRODUCT_UNAVAILABLE, MeshErrorCode.PRODUCT_TIMEOUT]);

export function isTransientFailure(error: unknown): boolean {
  return error instanceof MeshError && TRANSIENT.has(error.code);
}

/**
 * Only reads are retried. A mutation that timed out may have been applied; sending it
 * again could apply it twice, so the whole incoming operation decides, not the fetch:
 * a mutation's follow-up entity fetches are not retried either.
 */
export function mayRetry(operationType: string | undefined): boolean {
  return operationType === 'query';
}

/** Exponential backoff with full jitter, so retries of many requests do not arrive in step. */
export function backoffDelayMs(options: RetryOptions, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}
