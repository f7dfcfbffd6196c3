import { Code, UsageError } from '../errors.js';
import type { ClientCertificate } from './certificate.js';
import type { AssertionAlgorithm, AuthMethod } from '../choices.js';

export type ClientCredential =
  | { kind: 'secret'; secret: string; source: string }
  | { kind: 'certificate'; certificate: ClientCertificate; source: string }
  /** A federated token (workload identity) that some other system keeps fresh: re-read for every request. */
  | { kind: 'federated'; path: string; source: string }
  /** A public client (a CLI on a user's machine): it proves nothing, PKCE protects its codes. */
  | { kind: 'none'; source: string };

export interface AssertionOptions {
  algorithm: AssertionAlgorithm;
  sendX5c: boolean;
  lifetimeSeconds: number;
  audience: string;
}

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded. */
export function basicAuthorization(clientId: string, secret: string): string {
  const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(secret)}`).toString('base64')}`;
}

/** An RFC 7523 client assertion, signed anew for every request and every retry. */
export async function signClientAssertion(clientId: string, certificate: ClientCertificate, options: AssertionOptions, now: Date, jti: string): Promise<string> {
  const { SignJWT } = await import('jose');
  const issuedAt = Math.floor(now.getTime() / 1000);
  const thumbprint = options.algorithm === 'PS256' ? { 'x5t#S256': certificate.x5tS256 } : { x5t: certificate.x5t };
  return new SignJWT({ jti })
    .setProtectedHeader({ alg: options.algorithm, typ: 'JWT', ...thumbprint, ...(options.sendX5c ? { x5c: certificate.chain } : {}) })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(options.audience)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + options.lifetimeSeconds)
    .sign(certificate.privateKey);
}

export interface ClientAuthDeps {
  now(): Date;
  newJti(): string;
  /** The file's text, up to `limit` bytes and one more: enough to tell a file that is too large. */
  readText(path: string, limit: number): Promise<string>;
}

/** A Kubernetes or CI federated token is a couple of KiB; a file much larger is not one. */
export const MAX_ASSERTION_BYTES = 16 * 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Whether `text` is a compact JWS whose header is a JSON object naming a signing algorithm. */
export function isCompactJws(text: string): boolean {
  if (!COMPACT_JWS.test(text)) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(text.slice(0, text.indexOf('.')), 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string' && (header as { alg: string }).alg !== 'none';
  } catch {
    return false;
  }
}

/**
 * A file named as the assertion is sent only if it holds a signed JWT of sane size: whoever can edit a
 * profile could otherwise name /proc/self/environ, or any file, and have its content sent as the
 * credential. The message never quotes the content.
 */
function checkAssertion(assertion: string, path: string): void {
  const size = Buffer.byteLength(assertion);
  if (size > MAX_ASSERTION_BYTES || !isCompactJws(assertion)) {
    throw new UsageError(Code.ASSERTION_FILE_INVALID, `the federated token file ${path} does not hold a signed JWT${size > MAX_ASSERTION_BYTES ? ` (it is larger than ${MAX_ASSERTION_BYTES / 1024} KiB)` : ''}: nothing was sent`, {
      hint: 'It must hold one compact JWS (three base64url parts joined by dots), as Kubernetes and CI systems write it. Check --client-assertion-file, AZURE_FEDERATED_TOKEN_FILE and the profile.',
    });
  }
}

// The platform may not have written the file yet, or mounted it elsewhere: a user-fixable problem, not a bug.
async function readAssertionFile(deps: ClientAuthDeps, path: string): Promise<string> {
  try {
    return await deps.readText(path, MAX_ASSERTION_BYTES);
  } catch (error) {
    throw new UsageError(Code.FILE_UNREADABLE, `cannot read the federated token file ${path}: ${(error as Error).message}`, {
      hint: 'Check --client-assertion-file (or AZURE_FEDERATED_TOKEN_FILE) and the workload identity set-up that writes it.',
      cause: error,
    });
  }
}

/** The headers and form fields that authenticate the client, for one attempt. */
export async function clientAuthentication(
  request: { clientId: string; authMethod: AuthMethod; credential: ClientCredential; assertion: AssertionOptions },
  deps: ClientAuthDeps,
): Promise<{ headers: Record<string, string>; form: Array<[string, string]> }> {
  const { clientId, credential } = request;
  switch (credential.kind) {
    case 'none':
      return { headers: {}, form: [['client_id', clientId]] };
    case 'secret':
      return request.authMethod === 'client_secret_basic'
        ? { headers: { authorization: basicAuthorization(clientId, credential.secret) }, form: [] }
        : { headers: {}, form: [['client_id', clientId], ['client_secret', credential.secret]] };
    case 'certificate': {
      const assertion = await signClientAssertion(clientId, credential.certificate, request.assertion, deps.now(), deps.newJti());
      return { headers: {}, form: [['client_id', clientId], ['client_assertion_type', JWT_BEARER_ASSERTION], ['client_assertion', assertion]] };
    }
    case 'federated': {
      const assertion = (await readAssertionFile(deps, credential.path)).trim();
      if (assertion === '') {
        throw new UsageError(Code.ASSERTION_FILE_EMPTY, `the federated token file ${credential.path} is empty`, {
          hint: 'The platform (Kubernetes, the CI system) writes a token there; check the workload identity set-up.',
        });
      }
      checkAssertion(assertion, credential.path);
      return { headers: {}, form: [['client_id', clientId], ['client_assertion_type', JWT_BEARER_ASSERTION], ['client_assertion', assertion]] };
    }
  }
}
