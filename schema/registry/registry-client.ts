import type { Dispatcher } from 'undici';
import { request } from '../base/undici-core.ts';
import type { Finding } from '../contracts/finding.ts';
import { isMeshErrorCode, MeshError, MeshErrorCode } from '../protocol/error-codes.ts';
import type { CheckOutcome, Candidate } from './registry.ts';
import type { ApprovalRecord } from './registry-store.ts';

/** The error envelope every registry refusal comes in. */
interface ErrorEnvelope {
  error?: { code?: string; message?: string; findings?: Finding[]; approval?: ApprovalRecord };
}

/** A registry refusal as the CLI reports it: the registry's code and message, and findings when checks failed. */
export class RegistryRequestError extends MeshError {
  constructor(
    code: MeshErrorCode,
    message: string,
    readonly status: number,
    readonly findings: Finding[] = [],
    /** For governed changes: the approval request the registry keeps for them. */
    readonly approval?: ApprovalRecord,
  ) {
    super(code, message);
  }
}

/**
 * The registry's HTTP API (v1) as its clients call it: the CLI from a product's
 * repository and the gateway. Every call carries the token; nothing is anonymous.
 */
export class RegistryClient {
  readonly url: string;

  constructor(
    url: string,
    private readonly token: string | undefined,
  ) {
    this.url = url.replace(/\/+$/, '');
    if (!token) throw new MeshError(MeshErrorCode.UNAUTHENTICATED, 'A registry token is required: set MESHGATE_REGISTRY_TOKEN or pass --token');
  }

  get authorization(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  /** Sends one request; a refusal becomes a {@link RegistryRequestError} with the registry's code. */
  async call<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(`${this.url}${path}`, {
        method,
        headers: { ...this.authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        // A publish runs every check and a composition: a minute, unless the caller needs less.
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
    } catch (error) {
      throw new MeshError(MeshErrorCode.PRODUCT_UNAVAILABLE, `Cannot reach the registry at ${this.url}: ${(error as Error).message}`);
    }
    const text = await response.body.text();
    if (response.statusCode >= 200 && response.statusCode < 300) {
      return (response.headers['content-type']?.toString().startsWith('application/json') ? JSON.parse(text) : text) as T;
    }
    let envelope: ErrorEnvelope = {};
    try {
      envelope = JSON.parse(text) as ErrorEnvelope;
    } catch {
      // Not our envelope (a proxy's page): the status alone is reported.
    }
    const code = isMeshErrorCode(envelope.error?.code) ? envelope.error.code : MeshErrorCode.INTERNAL_SERVER_ERROR;
    throw new RegistryRequestError(code, envelope.error?.message ?? `${method} ${path} answered HTTP ${response.statusCode}`, response.statusCode, envelope.error?.findings, envelope.error?.approval);
  }

  check(candidate: Candidate): Promise<CheckOutcome> {
    return this.call('POST', '/v1/check', candidate);
  }

  /** Governed changes: `pending`, `decided` or `all`. */
  approvals(status: 'pending' | 'decided' | 'all' = 'all'): Promise<ApprovalRecord[]> {
    return this.call('GET', `/v1/approvals?status=${status}`);
  }

  decide(id: string, verb: 'approve' | 'reject', reason: string): Promise<ApprovalRecord> {
    return this.call('POST', `/v1/approvals/${encodeURIComponent(id)}/${verb}`, { reason });
  }

  publish(candidate: Candidate): Promise<{ build: number; version: string; unchanged?: true }> {
    return this.call('POST', `/v1/products/${encodeURIComponent(candidate.product)}/versions`, candidate);
  }

  supergraph(): Promise<string> {
    return this.call('GET', '/v1/supergraph');
  }

  importMesh(products: readonly Candidate[]): Promise<{ build: number; products: number }> {
    return this.call('POST', '/v1/import', { products });
  }

  rollback(build: string): Promise<{ build: number; rolledBackTo: number }> {
    return this.call('POST', `/v1/builds/${encodeURIComponent(build)}/rollback`);
  }
}
