import { generateKeyPair, exportJWK, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { signedInUser, verifyIdToken } from '../../src/jwt/id-token.js';

const issuer = 'https://idp.example.com';
const now = new Date('2026-01-01T00:00:00Z');
const t = Math.floor(now.getTime() / 1000);
let jwk: JWK;
let otherJwk: JWK;
let sign: (claims: Record<string, unknown>, options?: { other?: boolean; alg?: string }) => Promise<string>;

beforeAll(async () => {
  const keys = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256' };
  otherJwk = { ...(await exportJWK(other.publicKey)), kid: 'k1', alg: 'RS256' };
  sign = (claims, options = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(options.other ? other.privateKey : keys.privateKey);
});

const claims = { iss: issuer, aud: 'cli', sub: 'u1', iat: t - 10, exp: t + 3600, nonce: 'N', name: 'Ada Lovelace', preferred_username: 'ada@example.com', tid: 'T', oid: 'O', auth_time: t - 20, amr: ['pwd'] };
const expected = { issuer, clientId: 'cli', nonce: 'N', now, leewaySeconds: 60 };

async function failure(token: string, overrides: Partial<typeof expected> = {}) {
  try {
    await verifyIdToken(token, { keys: [jwk] }, { ...expected, ...overrides });
  } catch (error) {
    return error as { code: string; hint: string; exitCode: number };
  }
  throw new Error('expected a failure');
}

describe('verifyIdToken', () => {
  it('verifies signature, iss, aud, nonce and exp, and summarises who signed in', async () => {
    const payload = await verifyIdToken(await sign(claims), { keys: [jwk] }, expected);
    expect(signedInUser(payload)).toEqual({
      subject: 'u1',
      name: 'Ada Lovelace',
      username: 'ada@example.com',
      issuer,
      tenantId: 'T',
      objectId: 'O',
      authTime: new Date((t - 20) * 1000).toISOString(),
      expiresAt: new Date((t + 3600) * 1000).toISOString(),
      authMethods: ['pwd'],
    });
  });
  it('accepts a refreshed ID token without a nonce when none is expected', async () => {
    await expect(verifyIdToken(await sign({ ...claims, nonce: undefined }), { keys: [jwk] }, { ...expected, nonce: undefined })).resolves.toMatchObject({ sub: 'u1' });
  });
  it.each([
    ['a signature by another key', { other: true }, {}, 'ID_TOKEN_SIGNATURE'],
    ['another issuer', {}, { iss: 'https://evil.example' }, 'ID_TOKEN_ISSUER'],
    ['another audience', {}, { aud: 'someone-else' }, 'ID_TOKEN_AUDIENCE'],
    ['several audiences without azp', {}, { aud: ['cli', 'api'] }, 'ID_TOKEN_AUDIENCE'],
    ['another nonce', {}, { nonce: 'replayed' }, 'ID_TOKEN_NONCE'],
    ['no nonce', {}, { nonce: undefined }, 'ID_TOKEN_NONCE'],
    ['expiry past the leeway', {}, { exp: t - 61 }, 'ID_TOKEN_EXPIRED'],
    ['no sub', {}, { sub: undefined }, 'ID_TOKEN_INVALID'],
  ])('refuses %s', async (_name, options, override, code) => {
    const token = await sign({ ...claims, ...override }, options as { other?: boolean });
    const error = await failure(token);
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(7);
  });
  it('refuses an unsigned token and one whose key is not published', async () => {
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    expect((await failure(unsigned)).code).toMatch(/ID_TOKEN_(SIGNATURE|INVALID)/);
    await expect(verifyIdToken(await sign(claims), { keys: [{ ...otherJwk, kid: 'k2' }] }, expected)).rejects.toMatchObject({ code: 'ID_TOKEN_SIGNATURE' });
  });
});
