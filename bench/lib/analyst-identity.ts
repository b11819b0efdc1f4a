import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { DEV_ANALYST_SCOPES } from '../../gateway/access/dev-identity.ts';

/** A key meshgate trusts, as an identity provider's, and an analyst's token with every scope the demo asks for. */
export async function analystIdentity() {
  const issuer = 'https://login.meshgate.bench/';
  const audience = 'meshgate';
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const token = await new SignJWT({ scope: DEV_ANALYST_SCOPES }).setProtectedHeader({ alg: 'ES256' }).setSubject('analyst@bench').setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('24h').sign(privateKey);
  return { token, auth: { publicKey: await exportSPKI(publicKey), issuer, audience, allowAnonymous: false } };
}
