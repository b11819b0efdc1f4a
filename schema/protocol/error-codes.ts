import { GraphQLError, type GraphQLErrorOptions } from 'graphql';

/**
 * Every error meshgate raises — in the gateway, in the data-product kit and in the
 * contract pipeline — carries one of these codes in `extensions.code`. This is the one
 * closed set, in two parts: wire codes, each with the HTTP status it answers with, and
 * contract codes, which have none. Add a code here rather than inventing a string at the
 * throw site. Apollo Server's own codes are listed too, so a client can switch over
 * one set whatever layer rejected its request.
 */
export enum WireErrorCode {
  // Apollo Server's built-in codes (re-declared so the set is closed over everything a client sees).
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  BAD_REQUEST = 'BAD_REQUEST',
  OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE',
  PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_SUPPORTED = 'PERSISTED_QUERY_NOT_SUPPORTED',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',

  // Arguments a data product refuses.
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  PAGE_SIZE_EXCEEDED = 'PAGE_SIZE_EXCEEDED',
  INVALID_CURSOR = 'INVALID_CURSOR',

  // A data product failed or could not be reached.
  PRODUCT_ERROR = 'PRODUCT_ERROR',
  PRODUCT_UNAVAILABLE = 'PRODUCT_UNAVAILABLE',
  PRODUCT_TIMEOUT = 'PRODUCT_TIMEOUT',

  // Executing a query plan (the gateway's executor).
  /** A product answered null (or nothing) for a field its contract says is never null; the null went to the nearest nullable parent. */
  NULL_IN_NON_NULL_FIELD = 'NULL_IN_NON_NULL_FIELD',
  /** The query plan holds a step this gateway's executor does not run (subscriptions, context rewrites, a `@requires` it cannot keep apart from the caller's arguments). */
  PLAN_NODE_UNSUPPORTED = 'PLAN_NODE_UNSUPPORTED',
  /** The operation uses `@defer` and the client's Accept header does not take `multipart/mixed;deferSpec=20220824`. */
  DEFER_NOT_ACCEPTABLE = 'DEFER_NOT_ACCEPTABLE',
  /** Too many `@defer` fragments, nested too deep, or two at one path without distinct labels. */
  DEFER_LIMIT_EXCEEDED = 'DEFER_LIMIT_EXCEEDED',
  /** The override-labels header is longer than the gateway reads, or names too many labels. */
  OVERRIDE_HEADER_INVALID = 'OVERRIDE_HEADER_INVALID',

  // No backdoors: gateway-to-product signatures.
  SIGNATURE_MISSING = 'SIGNATURE_MISSING',
  SIGNATURE_INVALID = 'SIGNATURE_INVALID',
  SIGNATURE_EXPIRED = 'SIGNATURE_EXPIRED',
  SIGNATURE_REPLAYED = 'SIGNATURE_REPLAYED',

  // Who may see what.
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN_FIELD = 'FORBIDDEN_FIELD',
  FORBIDDEN_OPERATION = 'FORBIDDEN_OPERATION',
  /** An argument or input field filters by a field the caller may not read: the answer would reveal it. */
  FORBIDDEN_ARGUMENT = 'FORBIDDEN_ARGUMENT',
  PREVIEW_FIELD_NOT_ENABLED = 'PREVIEW_FIELD_NOT_ENABLED',
  INTROSPECTION_DISABLED = 'INTROSPECTION_DISABLED',
  INTERNAL_FIELD_FORBIDDEN = 'INTERNAL_FIELD_FORBIDDEN',

  // Request limits and traffic shaping.
  BODY_TOO_LARGE = 'BODY_TOO_LARGE',
  BATCH_TOO_LARGE = 'BATCH_TOO_LARGE',
  BATCHING_DISABLED = 'BATCHING_DISABLED',
  DEPTH_LIMIT_EXCEEDED = 'DEPTH_LIMIT_EXCEEDED',
  ALIAS_LIMIT_EXCEEDED = 'ALIAS_LIMIT_EXCEEDED',
  TOKEN_LIMIT_EXCEEDED = 'TOKEN_LIMIT_EXCEEDED',
  DIRECTIVE_LIMIT_EXCEEDED = 'DIRECTIVE_LIMIT_EXCEEDED',
  SELECTION_LIMIT_EXCEEDED = 'SELECTION_LIMIT_EXCEEDED',
  COST_LIMIT_EXCEEDED = 'COST_LIMIT_EXCEEDED',
  OPERATION_NOT_IN_SAFELIST = 'OPERATION_NOT_IN_SAFELIST',
  RATE_LIMITED = 'RATE_LIMITED',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  /** The request's `Accept` leaves out what the endpoint answers with (`/mcp`: JSON and an event stream). */
  NOT_ACCEPTABLE = 'NOT_ACCEPTABLE',
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
  NOT_FOUND = 'NOT_FOUND',
  /** The `Host` header names no name this gateway answers to (DNS rebinding). */
  HOST_NOT_ALLOWED = 'HOST_NOT_ALLOWED',
  // The registry: who may publish, read or roll back what.
  /** A registry token without the right for this request (another product's, a gateway's). */
  REGISTRY_FORBIDDEN = 'REGISTRY_FORBIDDEN',
  /** The registry holds no published version of the product named. */
  PRODUCT_UNKNOWN = 'PRODUCT_UNKNOWN',
  /** The registry holds no build with the number named. */
  BUILD_UNKNOWN = 'BUILD_UNKNOWN',
  // Access agreements (the registry's `Agreements`): who reads which product, for what, approved by whom.
  /** The registry knows no consumer by that name. */
  CONSUMER_UNKNOWN = 'CONSUMER_UNKNOWN',
  /** A consumer of that name, or with that application, is already registered. */
  CONSUMER_EXISTS = 'CONSUMER_EXISTS',
  /** The registry holds no agreement with the id named. */
  AGREEMENT_UNKNOWN = 'AGREEMENT_UNKNOWN',
  /** The token may not decide on (or request) this agreement: another product's, another consumer's, or no steward decision asked. */
  AGREEMENT_NOT_YOURS = 'AGREEMENT_NOT_YOURS',
  /** Whoever requested an agreement may not approve it. */
  AGREEMENT_SELF_APPROVAL = 'AGREEMENT_SELF_APPROVAL',
  /** The request names a classification the product has no field of, or one that needs no agreement. */
  AGREEMENT_CLASSIFICATION_UNKNOWN = 'AGREEMENT_CLASSIFICATION_UNKNOWN',
  /** The end date is past, or further ahead than governance's longest term. */
  AGREEMENT_TERM_INVALID = 'AGREEMENT_TERM_INVALID',
  /** The decision does not fit the agreement's state: already decided in that role, rejected, revoked or expired. */
  AGREEMENT_NOT_PENDING = 'AGREEMENT_NOT_PENDING',
  /** A contract sent to the registry is over one of its limits (bytes, types, fields): the message names the limit (`limits.<name>`) and the value. */
  CONTRACT_TOO_LARGE = 'CONTRACT_TOO_LARGE',
  /** A registry check or composition ran past `limits.checkTimeoutMs` and was stopped; nothing was stored. */
  CHECK_TIMEOUT = 'CHECK_TIMEOUT',
  /** A product version is published already with other content: a version, once published, never changes. */
  VERSION_EXISTS = 'VERSION_EXISTS',
  /** The registry holds no approval request with the id named. */
  APPROVAL_UNKNOWN = 'APPROVAL_UNKNOWN',
  /** The approval request was decided already: a decision is kept on record, never changed. */
  APPROVAL_DECIDED = 'APPROVAL_DECIDED',
  SHUTTING_DOWN = 'SHUTTING_DOWN',
  SUPERGRAPH_NOT_LOADED = 'SUPERGRAPH_NOT_LOADED',
  /** An MCP `tools/call` names a tool the gateway does not offer. */
  UNKNOWN_TOOL = 'UNKNOWN_TOOL',
}

/**
 * Codes of the contract pipeline and of start-up: a bad config, descriptor or supergraph,
 * and what `meshgate check` and `meshgate publish` report. They end a command or refuse a
 * start, never an HTTP request, so they carry no HTTP status.
 */
export enum ContractErrorCode {
  CONFIG_INVALID = 'CONFIG_INVALID',
  DESCRIPTOR_INVALID = 'DESCRIPTOR_INVALID',
  SUPERGRAPH_INVALID = 'SUPERGRAPH_INVALID',
  COMPOSITION_FAILED = 'COMPOSITION_FAILED',
  GOVERNANCE_LINT_FAILED = 'GOVERNANCE_LINT_FAILED',
  BOUNDARY_VIOLATION = 'BOUNDARY_VIOLATION',
  INCOMPATIBLE_CHANGE = 'INCOMPATIBLE_CHANGE',
  LINEAGE_OUT_OF_DATE = 'LINEAGE_OUT_OF_DATE',
  PUBLISH_REFUSED = 'PUBLISH_REFUSED',
  /** `meshgate test`: a product's data breaks a quality rule or its latency SLA. */
  QUALITY_RULE_FAILED = 'QUALITY_RULE_FAILED',
  /** `meshgate test`: the gateway did not answer (refused, timed out, not a GraphQL endpoint). */
  GATEWAY_UNREACHABLE = 'GATEWAY_UNREACHABLE',
  /**
   * A governed change without an approval on record: access weakened (a directive dropped,
   * fewer or looser scopes, a lower classification, a policy removed, `@inaccessible` lifted).
   * A platform or steward principal approves it; a version bump never does.
   */
  GOVERNED_CHANGE_UNAPPROVED = 'GOVERNED_CHANGE_UNAPPROVED',
  /**
   * A product takes over a coordinate it does not own (`@override(from:)`, a duplicate of
   * another product's field, a field on another product's type without its key, a
   * definition that shadows governance) without the owner's consent or a platform approval.
   */
  COORDINATE_TAKEOVER = 'COORDINATE_TAKEOVER',
  /** A development-only switch (a product answering unsigned requests from localhost) turned on in production. */
  DEV_MODE_REFUSED = 'DEV_MODE_REFUSED',
  /** A declared product's `declared.yaml` is malformed or names a type, field or argument its schema lacks. */
  DECLARATION_INVALID = 'DECLARATION_INVALID',
  /** A declared product names a table, view or column its engine does not have (found at `meshgate check` and at start). */
  DECLARATION_MISMATCH = 'DECLARATION_MISMATCH',
  /** A production gateway that could verify no bearer token (no auth.jwksUrl, no auth.publicKey) and serves no anonymous caller: it would refuse every request. */
  AUTH_NOT_CONFIGURED = 'AUTH_NOT_CONFIGURED',
}

/** The one closed set: every code meshgate raises, wire or contract. */
export const MeshErrorCode = { ...WireErrorCode, ...ContractErrorCode } as const;
export type MeshErrorCode = WireErrorCode | ContractErrorCode;

const MESH_ERROR_CODES: ReadonlySet<unknown> = new Set(Object.values(MeshErrorCode));

/** Whether a code read off the wire (a product's, the gateway's or the registry's answer) is one of ours. */
export function isMeshErrorCode(code: unknown): code is MeshErrorCode {
  return MESH_ERROR_CODES.has(code);
}

/** The HTTP status a code maps to where the error decides the status of the whole response. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<WireErrorCode, number>> = {
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  BAD_USER_INPUT: 400,
  BAD_REQUEST: 400,
  OPERATION_RESOLUTION_FAILURE: 400,
  PERSISTED_QUERY_NOT_FOUND: 200,
  PERSISTED_QUERY_NOT_SUPPORTED: 200,
  INTERNAL_SERVER_ERROR: 500,
  INVALID_ARGUMENT: 400,
  PAGE_SIZE_EXCEEDED: 400,
  INVALID_CURSOR: 400,
  PRODUCT_ERROR: 502,
  PRODUCT_UNAVAILABLE: 503,
  PRODUCT_TIMEOUT: 504,
  // The product broke its contract, as PRODUCT_ERROR: the rest of the answer is still served.
  NULL_IN_NON_NULL_FIELD: 502,
  // 501 Not Implemented: the request is valid, this gateway does not run that kind of plan.
  PLAN_NODE_UNSUPPORTED: 501,
  // 406 Not Acceptable, as Apollo Router and Apollo Server answer a deferred operation to a client that cannot read parts.
  DEFER_NOT_ACCEPTABLE: 406,
  DEFER_LIMIT_EXCEEDED: 400,
  OVERRIDE_HEADER_INVALID: 400,
  SIGNATURE_MISSING: 401,
  SIGNATURE_INVALID: 401,
  SIGNATURE_EXPIRED: 401,
  SIGNATURE_REPLAYED: 401,
  UNAUTHENTICATED: 401,
  FORBIDDEN_FIELD: 403,
  FORBIDDEN_OPERATION: 403,
  FORBIDDEN_ARGUMENT: 403,
  PREVIEW_FIELD_NOT_ENABLED: 400,
  INTROSPECTION_DISABLED: 400,
  INTERNAL_FIELD_FORBIDDEN: 400,
  BODY_TOO_LARGE: 413,
  BATCH_TOO_LARGE: 400,
  BATCHING_DISABLED: 400,
  DEPTH_LIMIT_EXCEEDED: 400,
  ALIAS_LIMIT_EXCEEDED: 400,
  TOKEN_LIMIT_EXCEEDED: 400,
  DIRECTIVE_LIMIT_EXCEEDED: 400,
  SELECTION_LIMIT_EXCEEDED: 400,
  COST_LIMIT_EXCEEDED: 400,
  OPERATION_NOT_IN_SAFELIST: 400,
  RATE_LIMITED: 429,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_ACCEPTABLE: 406,
  METHOD_NOT_ALLOWED: 405,
  NOT_FOUND: 404,
  // 421 Misdirected Request: the request reached a server that does not serve that name.
  HOST_NOT_ALLOWED: 421,
  REGISTRY_FORBIDDEN: 403,
  PRODUCT_UNKNOWN: 404,
  BUILD_UNKNOWN: 404,
  CONSUMER_UNKNOWN: 404,
  CONSUMER_EXISTS: 409,
  AGREEMENT_UNKNOWN: 404,
  AGREEMENT_NOT_YOURS: 403,
  AGREEMENT_SELF_APPROVAL: 403,
  AGREEMENT_CLASSIFICATION_UNKNOWN: 422,
  AGREEMENT_TERM_INVALID: 422,
  AGREEMENT_NOT_PENDING: 409,
  CONTRACT_TOO_LARGE: 413,
  CHECK_TIMEOUT: 503,
  VERSION_EXISTS: 409,
  APPROVAL_UNKNOWN: 404,
  APPROVAL_DECIDED: 409,
  SHUTTING_DOWN: 503,
  SUPERGRAPH_NOT_LOADED: 503,
  // A JSON-RPC error over /mcp, where it answers the call (HTTP 200) as the MCP spec has it; 400 wherever a status must come from the code.
  UNKNOWN_TOOL: 400,
};

/**
 * The contract codes a service answers over HTTP on purpose: the registry refuses a publish
 * (or a governance change) whose checks fail with 422 and the findings.
 */
const CONTRACT_CODES_OVER_HTTP: Readonly<Partial<Record<ContractErrorCode, number>>> = {
  PUBLISH_REFUSED: 422,
  // Refused until someone with the right approves it: the request is well-formed, its author may not make it alone.
  GOVERNED_CHANGE_UNAPPROVED: 403,
  COORDINATE_TAKEOVER: 403,
};

/**
 * The status a code answers with over HTTP. A contract code has none of its own (but those
 * above): one that reaches a response anyway (a start-up failure surfacing late) is a server fault.
 */
export function httpStatusOf(code: MeshErrorCode): number {
  return (HTTP_STATUS_BY_CODE as Readonly<Record<string, number>>)[code] ?? (CONTRACT_CODES_OVER_HTTP as Readonly<Record<string, number>>)[code] ?? 500;
}

/**
 * A GraphQL error that always carries a code from {@link MeshErrorCode}.
 *
 * Only errors that end the whole request (limits, authentication, a refused operation) set
 * the HTTP status: pass `endsRequest: true`. A resolver's error must not, because a data
 * product answering 4xx makes the gateway discard the partial data that came with it.
 */
export class MeshError extends GraphQLError {
  readonly code: MeshErrorCode;

  constructor(code: MeshErrorCode, message: string, options: GraphQLErrorOptions & { endsRequest?: boolean } = {}) {
    const { endsRequest, ...graphqlOptions } = options;
    super(message, {
      ...graphqlOptions,
      extensions: {
        ...graphqlOptions.extensions,
        code,
        ...(endsRequest ? { http: { status: httpStatusOf(code) } } : {}),
      },
    });
    this.code = code;
  }
}

/** Thrown for a bad config or descriptor value: names the path and the value it got. */
export class ConfigError extends Error {
  readonly code: MeshErrorCode;
  readonly problems: readonly string[];

  constructor(
    code: ContractErrorCode.CONFIG_INVALID | ContractErrorCode.DESCRIPTOR_INVALID | ContractErrorCode.DECLARATION_INVALID | ContractErrorCode.DECLARATION_MISMATCH,
    source: string,
    problems: readonly string[],
  ) {
    super(`${code}: ${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.code = code;
    this.problems = problems;
  }
}

/** Makes a `switch` over a tagged union exhaustive at compile time. */
export class UnreachableCaseError extends Error {
  constructor(value: never) {
    super(`Unreachable case: ${JSON.stringify(value)}`);
  }
}
