import { Code, NetworkError, UsageError } from '../errors.js';
import type { TokenResult } from '../oauth/token-response.js';

/**
 * git's credential-helper protocol (gitcredentials(7), git-credential(1)): git writes `key=value`
 * lines describing what it needs on the helper's stdin; for `get` the helper answers with
 * `username` and `password` lines on stdout, or with nothing to let git try elsewhere.
 */
export type CredentialRequest = Record<string, string>;

/** The attributes git sent; a key given twice keeps its last value, `key[]` lists are not needed here. */
export function parseCredentialRequest(text: string): CredentialRequest {
  const request: CredentialRequest = {};
  for (const line of text.split('\n')) {
    const trimmed = line.replace(/\r$/, '');
    if (trimmed === '') break;
    const equals = trimmed.indexOf('=');
    if (equals < 1) continue;
    request[trimmed.slice(0, equals)] = trimmed.slice(equals + 1);
  }
  return request;
}

export type CredentialDecision = { answer: true } | { answer: false; reason: string };

const LOOPBACK_HOST = /^(?:127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/;

/** `host` as git sends it (name, optional :port), without the port, in lower case. */
function hostName(host: string): string {
  return (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '')).toLowerCase();
}

/**
 * Whether to hand this request a token: only over https (plain http only to a literal loopback
 * address, as for token requests), and only to the --host names when some are given.
 */
export function decideCredential(request: CredentialRequest, hosts: readonly string[]): CredentialDecision {
  const { protocol, host } = request;
  if (host === undefined || host === '') return { answer: false, reason: 'git sent no host' };
  const where = `${protocol ?? '?'}://${host}`;
  if (protocol !== 'https' && !(protocol === 'http' && LOOPBACK_HOST.test(host))) {
    return { answer: false, reason: `a token is only sent over https, not to ${where}` };
  }
  if (hosts.length > 0) {
    const allowed = hosts.map((name) => name.toLowerCase());
    if (!allowed.includes(host.toLowerCase()) && !allowed.includes(hostName(host))) {
      return { answer: false, reason: `${host} is not one of the --host names (${hosts.join(', ')})` };
    }
  }
  return { answer: true };
}

/** What `get` prints: the token as the password, and when it expires (git 2.41+ stops using it then). */
export function formatCredential(token: TokenResult, username: string): string {
  // A line break would end the value and start another attribute (username=…, url=…) of its own.
  const unsafe = /[\0\r\n]/;
  if (unsafe.test(username)) throw new UsageError(Code.GIT_USERNAME_INVALID, '--username holds a line break or NUL, which git\'s credential protocol cannot carry', { hint: 'Give a plain user name.' });
  if (unsafe.test(token.accessToken)) {
    throw new NetworkError(Code.ACCESS_TOKEN_INVALID, 'the access token holds a line break or NUL, so it cannot be a git password', { hint: 'The identity provider issued a token no HTTP header can carry; report it to whoever runs it.' });
  }
  const lines = [`username=${username}`, `password=${token.accessToken}`];
  if (token.expiresAt) lines.push(`password_expiry_utc=${Math.floor(token.expiresAt.getTime() / 1000)}`);
  return `${lines.join('\n')}\n`;
}
