import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Proof of which client secret a cached token was obtained with, without keeping the secret: an
 * HMAC-SHA256 of it under a random salt, stored only inside the encrypted cache entry. A secret given
 * on a later run (TOKENCTL_CLIENT_SECRET, stdin, a file) must match it before the cached token is
 * handed out; a salted MAC cannot be looked up in a table of hashes of common secrets.
 */
export interface SecretCheck {
  /** base64, 16 random bytes: the HMAC key. */
  salt: string;
  /** base64 HMAC-SHA256. */
  mac: string;
}

// Binds the MAC to this use, so it can never be mistaken for another MAC of the same secret.
const CONTEXT = 'tokenctl cached-token client-secret check v1\0';

const mac = (salt: Buffer, secret: string) => createHmac('sha256', salt).update(CONTEXT).update(secret, 'utf8').digest();

export function secretCheck(secret: string, salt: Buffer = randomBytes(16)): SecretCheck {
  return { salt: salt.toString('base64'), mac: mac(salt, secret).toString('base64') };
}

/** Whether `secret` is the one the check was made from; false when there is no check to compare. */
export function matchesSecret(check: SecretCheck | undefined, secret: string): boolean {
  if (!check) return false;
  const expected = Buffer.from(check.mac, 'base64');
  const actual = mac(Buffer.from(check.salt, 'base64'), secret);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function isSecretCheck(value: unknown): value is SecretCheck {
  const check = value as Partial<SecretCheck> | null;
  return typeof check === 'object' && check !== null && typeof check.salt === 'string' && typeof check.mac === 'string';
}
