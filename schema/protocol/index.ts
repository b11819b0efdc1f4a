/**
 * The wire protocol's public entry (`import { SignatureVerifier } from 'meshgate/protocol'`),
 * described in PROTOCOL.md beside this file, with test-vectors.json
 * (`meshgate/protocol/test-vectors.json`) for implementations in other languages.
 */
export { HTTP_STATUS_BY_CODE, httpStatusOf, MeshError, MeshErrorCode, WireErrorCode, ContractErrorCode } from './error-codes.ts';
export { bodyDigest, computeSignature, nextNonce, SIGNATURE_HEADER, SIGNATURE_VERSION, signatureHeader, type SignatureFields, type SignedBody } from './signature.ts';
export {
  MemoryNonceRegistry,
  SIGNATURE_REFUSAL_REASONS,
  SignatureVerifier,
  type NonceRegistry,
  type ProductKeySet,
  type SignatureRefusalReason,
  type SignatureVerifierOptions,
} from './signature-verifier.ts';
export { deriveProductKey, encodeSigningKey, loadSigningKeyring, parseSigningKeyText, signingKey, type SigningKey, type SigningKeyring } from './signing-keys.ts';
export { parseProductReport, PRODUCT_REPORT_HEADER, PRODUCT_STATUSES, productReportSchema, type ProductReport, type ProductStatus } from './product-report.ts';
