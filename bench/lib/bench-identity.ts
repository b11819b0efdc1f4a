import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import type { LoadRequest } from './load.ts';

/** A key meshgate trusts, as an identity provider's, and tokens it signed. */
export interface BenchIdentity {
  /** meshgate's `auth` settings for the key. */
  auth: { publicKey: string; issuer: string; audience: string; allowAnonymous: boolean };
  /** `count` tokens with the same scopes, each for a subject of its own (`viewer-N@bench`). */
  tokens: readonly string[];
}

/**
 * An identity provider for a benchmark: `count` viewers with the same `scope`, so that what
 * they may read is the same and only their tokens differ. Tokens last a day.
 */
export async function benchIdentity(options: { scope: string; count: number; allowAnonymous?: boolean }): Promise<BenchIdentity> {
  const issuer = 'https://login.meshgate.bench/';
  const audience = 'meshgate';
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const tokens = await Promise.all(
    Array.from({ length: options.count }, (_, i) =>
      new SignJWT({ scope: options.scope })
        .setProtectedHeader({ alg: 'ES256' })
        .setSubject(`viewer-${i}@bench`)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('24h')
        .sign(privateKey),
    ),
  );
  return { tokens, auth: { publicKey: await exportSPKI(publicKey), issuer, audience, allowAnonymous: options.allowAnonymous ?? false } };
}

/**
 * `requests` sent by every connection with a token of its own: each connection, as it
 * opens, takes the next of `tokens` (round the list again once all are taken) and sends
 * every request with it. The tokens' scopes are the same for all: only who asks differs,
 * as when many people open one dashboard.
 */
export function withTokenPerConnection(requests: readonly LoadRequest[], tokens: readonly string[]): LoadRequest[] {
  let next = 0;
  const tokenOf = (connection: Record<string, unknown>) => {
    connection.authorization ??= `Bearer ${tokens[next++ % tokens.length]}`;
    return connection.authorization as string;
  };
  return requests.map((request) => ({
    ...request,
    headers: { ...request.headers, authorization: `Bearer ${tokens[0]}` },
    vary: (connection) => ({ headers: { authorization: tokenOf(connection) } }),
  }));
}
