import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface SigningKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
  kid: string;
}

export async function makeSigningKey(kid = 'test-key-1', alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { privateKey, publicJwk, publicPem: await exportSPKI(publicKey), kid };
}

/** A real signed JWT, with times relative to now unless the claims say otherwise. */
export async function signToken(key: SigningKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iat: now, nbf: now, exp: now + 3600, ...claims })
    .setProtectedHeader({ alg: (key.publicJwk.alg as string) ?? 'RS256', typ: 'JWT', kid: key.kid, ...header })
    .sign(key.privateKey);
}

/** A JWT with arbitrary (possibly broken) parts, for parser tests. */
export function rawToken(header: unknown, payload: unknown, signature = 'c2ln'): string {
  const part = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.${signature}`;
}
