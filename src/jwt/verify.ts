import { createPublicKey } from 'node:crypto';
import { compactVerify, createLocalJWKSet, errors, type JSONWebKeySet, type JWK, type KeyObject } from 'jose';
import { CheckFailedError, CliError, Code, NetworkError, UsageError } from '../errors.js';
import { FILE_LIMITS, readInputFile } from '../input-file.js';
import type { TransportOptions } from '../http/transport.js';
import { parseEndpointUrl } from '../http/url-policy.js';
import type { DecodedJwt } from './parse.js';
import type { Verification } from './verify-result.js';

/** Where the verification key comes from, decided before anything is read or fetched. */
export type KeySource =
  | { kind: 'discovery'; issuer: string; metadataUrl: URL }
  | { kind: 'jwks-url'; url: URL }
  | { kind: 'jwks-file'; path: string }
  | { kind: 'key-file'; path: string };

export function chooseKeySource(options: { jwks?: string | undefined; keyFile?: string | undefined }, payload: Record<string, unknown>): KeySource {
  if (options.jwks && options.keyFile) {
    throw new UsageError(Code.CONFLICTING_OPTIONS, '--jwks and --key cannot be used together', { hint: 'Give one source of keys.' });
  }
  if (options.keyFile) return { kind: 'key-file', path: options.keyFile };
  if (options.jwks) {
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(options.jwks)
      ? { kind: 'jwks-url', url: parseEndpointUrl(options.jwks, '--jwks') }
      : { kind: 'jwks-file', path: options.jwks };
  }
  const issuer = payload.iss;
  if (typeof issuer !== 'string' || issuer === '') {
    throw new UsageError(Code.NO_ISSUER, 'cannot discover the signing keys: the token has no iss claim', {
      hint: 'Give the keys yourself with --jwks URL|FILE or --key FILE.',
    });
  }
  const issuerUrl = parseEndpointUrl(issuer, 'the issuer (iss)');
  // A query or fragment would swallow the /.well-known suffix and let the token pick any path to fetch.
  if (issuerUrl.search || issuerUrl.hash || /[?#]/.test(issuer)) {
    throw new UsageError(Code.ISSUER_NOT_FETCHABLE, `the token's issuer ${JSON.stringify(issuer)} has a query or fragment: it is not an issuer whose keys can be discovered, and nothing was fetched`, {
      hint: 'An OpenID issuer is a plain https URL. Give the keys yourself with --jwks URL|FILE or --key FILE if you trust this token.',
    });
  }
  const base = issuerUrl.href.replace(/\/$/, '');
  return { kind: 'discovery', issuer, metadataUrl: new URL(`${base}/.well-known/openid-configuration`) };
}

export interface VerifyDeps {
  getJson(url: URL, what: string): Promise<unknown>;
  readText(path: string): Promise<string>;
}

export const defaultVerifyDeps = (timeoutMs: number, transport: TransportOptions): VerifyDeps => ({
  async getJson(url, what) {
    const { getJson } = await import('../http/get-json.js');
    return getJson(url, { ...transport, timeoutMs, what });
  },
  async readText(path) {
    try {
      return (await readInputFile(path, FILE_LIMITS.certificate)).toString('utf8');
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new UsageError(Code.FILE_UNREADABLE, `cannot read ${path}: ${(error as Error).message}`, { cause: error });
    }
  },
});

function asJwks(value: unknown, where: string): JSONWebKeySet {
  if (typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys)) return value as JSONWebKeySet;
  const hint = 'A JWKS is a JSON object with a "keys" array; for a single key use --key.';
  if (where.startsWith('http')) throw new NetworkError(Code.JWKS_INVALID, `${where} is not a JWKS (no "keys" array)`, { hint });
  throw new UsageError(Code.JWKS_FILE_INVALID, `${where} is not a JWKS (no "keys" array)`, { hint });
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(Code.FILE_NOT_JSON, `${path} is not JSON`, { hint: 'A JWKS or JWK file must be JSON; a PEM key must start with -----BEGIN.' });
  }
}

function keyFromFile(text: string, path: string): KeyObject | JWK {
  if (text.trimStart().startsWith('-----BEGIN')) {
    try {
      return createPublicKey(text);
    } catch (error) {
      throw new UsageError(Code.KEY_INVALID, `${path} is not a usable PEM public key or certificate: ${(error as Error).message}`, { cause: error });
    }
  }
  const jwk = parseJson(text, path);
  if (typeof jwk !== 'object' || jwk === null || typeof (jwk as JWK).kty !== 'string') {
    throw new UsageError(Code.KEY_INVALID, `${path} is neither a PEM key nor a JWK (no "kty")`, {
      hint: 'For a key set ({"keys":[...]}) use --jwks instead of --key.',
    });
  }
  return jwk as JWK;
}

async function resolveKeys(source: KeySource, deps: VerifyDeps): Promise<{ key: KeyObject | JWK | ReturnType<typeof createLocalJWKSet>; label: string }> {
  switch (source.kind) {
    case 'key-file':
      return { key: keyFromFile(await deps.readText(source.path), source.path), label: source.path };
    case 'jwks-file':
      return { key: createLocalJWKSet(asJwks(parseJson(await deps.readText(source.path), source.path), source.path)), label: source.path };
    case 'jwks-url':
      return { key: createLocalJWKSet(asJwks(await deps.getJson(source.url, 'JWKS'), source.url.href)), label: source.url.href };
    case 'discovery': {
      const metadata = (await deps.getJson(source.metadataUrl, 'discovery document')) as Record<string, unknown> | null;
      const jwksUri = metadata?.jwks_uri;
      if (typeof jwksUri !== 'string') {
        throw new NetworkError(Code.DISCOVERY_INVALID, `${source.metadataUrl.href} has no jwks_uri`, { hint: 'Give the keys with --jwks URL|FILE or --key FILE.' });
      }
      if (metadata?.issuer !== source.issuer) {
        throw new CheckFailedError(Code.ISSUER_MISMATCH, `the discovery document at ${source.metadataUrl.href} names issuer ${JSON.stringify(metadata?.issuer)}, but the token says ${JSON.stringify(source.issuer)}`, {
          hint: 'The token was not issued by the server its iss points at; do not trust it.',
        });
      }
      const url = parseEndpointUrl(jwksUri, 'jwks_uri');
      return { key: createLocalJWKSet(asJwks(await deps.getJson(url, 'JWKS'), url.href)), label: url.href };
    }
  }
}

function verificationFailure(error: unknown, token: DecodedJwt): CheckFailedError {
  const graphHint = token.header.nonce !== undefined
    ? 'This token has a nonce in its header: it is a Microsoft Graph token, which only Graph can verify. Request a token for your own API instead.'
    : undefined;
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new CheckFailedError(Code.SIGNATURE_INVALID, 'signature verification failed: the token was altered, or signed by a different key', {
      hint: graphHint ?? 'Check that the keys belong to the issuer of this token.',
    });
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    const kid = typeof token.header.kid === 'string' ? `key id ${token.header.kid}` : 'no key id';
    return new CheckFailedError(Code.NO_MATCHING_KEY, `no key in the key set matches the token (${kid}, alg ${String(token.header.alg)})`, {
      hint: 'The issuer may have rotated its keys, or the token comes from another issuer or tenant.',
    });
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported || error instanceof errors.JWSInvalid || error instanceof TypeError) {
    return new CheckFailedError(Code.SIGNATURE_UNVERIFIABLE, `cannot verify this token: ${(error as Error).message}`, {
      hint: token.header.alg === 'none' ? 'The token is unsigned (alg "none"): there is nothing to verify, and it must not be trusted.' : 'Check that the key fits the token\'s algorithm.',
      cause: error,
    });
  }
  return new CheckFailedError(Code.SIGNATURE_UNVERIFIABLE, `cannot verify this token: ${(error as Error).message}`, { cause: error });
}

/** Checks the JWS signature with jose. Claims (exp, aud, iss) are judged separately by the caller. */
export async function verifySignature(token: DecodedJwt, source: KeySource, deps: VerifyDeps): Promise<Verification> {
  const { key, label } = await resolveKeys(source, deps);
  const keySource = source.kind === 'discovery' ? `${label} (discovered from ${source.issuer})` : label;
  const result: Verification = {
    keySource,
    algorithm: String(token.header.alg),
    keyId: typeof token.header.kid === 'string' ? token.header.kid : undefined,
  };
  try {
    await compactVerify(token.compact, key);
    return result;
  } catch (error) {
    // Several keys can match a header without kid: jose hands them over to be tried one by one.
    if (error instanceof errors.JWKSMultipleMatchingKeys) {
      for await (const candidate of error) {
        try {
          await compactVerify(token.compact, candidate);
          return result;
        } catch {
          // try the next key
        }
      }
      throw verificationFailure(new errors.JWSSignatureVerificationFailed(), token);
    }
    throw verificationFailure(error, token);
  }
}
