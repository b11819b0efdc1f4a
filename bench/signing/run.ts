import { generateKeyPairSync, sign as edSign, verify as edVerify } from 'node:crypto';
import { bodyDigest, nextNonce, signatureHeader } from '../../schema/protocol/signature.ts';
import { SignatureVerifier } from '../../schema/protocol/signature-verifier.ts';
import { deriveProductKey } from '../../schema/protocol/signing-keys.ts';
import { machineLine } from '../lib/machine.ts';

/**
 * What signing one product fetch costs, the scheme meshgate uses (HMAC-SHA256 with the
 * product's own key, PROTOCOL.md 3) against the asymmetric alternative (Ed25519 with one
 * gateway key pair, products holding only the public key), each as the gateway signs and as
 * a product verifies, over a fetch body of a typical size. A request of the federation
 * benchmark fans out to up to 16 fetches, so the per-request figure is 16 of them.
 *
 *     npm run bench:signing [-- --rounds 7 --fetches 20000 --body-bytes 2048]
 *
 * Prints medians over the rounds; figures from different machines do not compare.
 */
const args = new Map(process.argv.slice(2).flatMap((arg, index, all) => (arg.startsWith('--') ? [[arg.slice(2), all[index + 1] ?? '']] : [])));
const ROUNDS = Number(args.get('rounds') ?? 7);
const FETCHES = Number(args.get('fetches') ?? 20_000);
const BODY_BYTES = Number(args.get('body-bytes') ?? 2048);
const FETCHES_PER_REQUEST = 16;

const representations = Array.from({ length: Math.ceil(BODY_BYTES / 40) }, (_, i) => ({ __typename: 'Product', sku: `SKU-${String(i).padStart(4, '0')}` }));
const body = JSON.stringify({ query: 'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{name}}}', variables: { representations } }).slice(0, BODY_BYTES);
const product = 'catalog';
const hmacKey = deriveProductKey('bench mesh secret of 32 characters', product);
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

/** Microseconds per operation, median of the rounds. */
function measure(operation: (i: number) => unknown): number {
  const perOp: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < FETCHES; i++) operation(i);
    perOp.push(Number(process.hrtime.bigint() - started) / 1000 / FETCHES);
  }
  return perOp.sort((a, b) => a - b)[Math.floor(perOp.length / 2)]!;
}

/** The same canonical input an Ed25519 variant would sign: protocol, product, timestamp, nonce, body digest. */
const edInput = (nonce: string) => Buffer.from(`meshgate-ed25519\n${product}\n${Date.now()}\n${nonce}\n${bodyDigest(body)}`);

// Headers made ahead, so the verify figures hold only verification. Every one fresh (verify remembers nonces).
const hmacHeaders = Array.from({ length: FETCHES * ROUNDS }, () => signatureHeader(hmacKey, product, body));
const edSigned = Array.from({ length: FETCHES }, () => {
  const input = edInput(nextNonce());
  return { input, signature: edSign(null, input, privateKey) };
});

const hmacSign = measure(() => signatureHeader(hmacKey, product, body));
const edSignUs = measure((i) => edSign(null, edInput(String(i)), privateKey));
// A verifier per round, so its nonce memory holds only that round's nonces, as a product's holds a minute's.
let offset = 0;
const hmacVerifyRounds: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const verifier = new SignatureVerifier({ product, keys: [hmacKey], maxSkewMs: 3_600_000 });
  const started = process.hrtime.bigint();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < FETCHES; i++) pending.push(verifier.verify(hmacHeaders[offset + i], body));
  await Promise.all(pending);
  hmacVerifyRounds.push(Number(process.hrtime.bigint() - started) / 1000 / FETCHES);
  offset += FETCHES;
}
const hmacVerify = hmacVerifyRounds.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
const edVerifyUs = measure((i) => {
  const { input, signature } = edSigned[i]!;
  // The body digest is part of either scheme: hash it here too, as a product must.
  bodyDigest(body);
  return edVerify(null, input, publicKey, signature);
});

const row = (name: string, sign: number, verify: number) =>
  `${name.padEnd(10)} sign ${sign.toFixed(2).padStart(7)} µs  verify ${verify.toFixed(2).padStart(7)} µs  gateway per request (${FETCHES_PER_REQUEST} fetches) ${(sign * FETCHES_PER_REQUEST).toFixed(0).padStart(5)} µs`;
console.log(machineLine());
console.log(`per product fetch, body ${body.length} bytes, median of ${ROUNDS} rounds of ${FETCHES}:`);
console.log(row('HMAC', hmacSign, hmacVerify));
console.log(row('Ed25519', edSignUs, edVerifyUs));
console.log(`Ed25519 / HMAC: sign ${(edSignUs / hmacSign).toFixed(1)}x, verify ${(edVerifyUs / hmacVerify).toFixed(1)}x`);
