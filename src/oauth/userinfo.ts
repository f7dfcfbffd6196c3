import { Code, NetworkError } from '../errors.js';
import type { RawResponse } from '../http/exchange.js';
import { describeBody, jsonObject, unexpectedResponse } from './endpoint-response.js';

/** OpenID Connect Core §5.3.1: a GET with the access token as a Bearer credential. */
export function buildUserinfoRequest(endpoint: URL, accessToken: string): { method: 'GET'; url: URL; headers: Record<string, string> } {
  return { method: 'GET', url: endpoint, headers: { accept: 'application/json', authorization: `Bearer ${accessToken}` } };
}

/** RFC 6750 §3: the error and description of a Bearer challenge, if the header has them. */
export function bearerChallenge(header: string | undefined): { error?: string; description?: string } {
  if (!header || !/^\s*bearer\b/i.test(header)) return {};
  const param = (name: string) => new RegExp(`${name}\\s*=\\s*"([^"]*)"`, 'i').exec(header)?.[1];
  const error = param('error');
  const description = param('error_description');
  return { ...(error ? { error } : {}), ...(description ? { description } : {}) };
}

/**
 * The claims about the signed-in user. `sub` must be there (OpenID Connect Core §5.3.2); a refused
 * token says why, from the WWW-Authenticate challenge. Signed or encrypted userinfo (application/jwt) is
 * not taken, since tokenctl could not check it here.
 */
export function processUserinfoResponse(response: RawResponse, endpoint: URL, secrets: readonly string[]): Record<string, unknown> {
  if (response.status === 401 || response.status === 403) {
    const challenge = bearerChallenge(response.headers['www-authenticate']);
    const reason = challenge.error ? `${challenge.error}${challenge.description ? `: ${challenge.description.split(/\r?\n/)[0]}` : ''}` : `HTTP ${response.status}`;
    throw new NetworkError(challenge.error === 'insufficient_scope' ? Code.USERINFO_INSUFFICIENT_SCOPE : Code.USERINFO_TOKEN_REFUSED, `the userinfo endpoint at ${endpoint.host} refused the access token (${reason})`, {
      hint:
        challenge.error === 'insufficient_scope'
          ? 'The token lacks the openid scope (or the profile scopes): add them to the profile (configure --scope openid) and sign in again.'
          : 'The token expired, was revoked, or is meant for another API (Entra: userinfo takes a Microsoft Graph token). Get a fresh one: tokenctl token --refresh, or tokenctl login.',
    });
  }
  if (response.status !== 200) throw unexpectedResponse(response, 'userinfo endpoint', endpoint, secrets);
  const type = (response.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('application/jwt')) {
    throw new NetworkError(Code.USERINFO_SIGNED, `the userinfo endpoint at ${endpoint.host} answered with a signed or encrypted JWT (application/jwt)`, {
      hint: 'tokenctl reads plain JSON userinfo; ask the server for it (the client registration\'s userinfo_signed_response_alg), or decode the response with tokenctl decode.',
    });
  }
  const body = jsonObject(response.body);
  if (!body) {
    throw new NetworkError(Code.USERINFO_INVALID, `the userinfo response from ${endpoint.host} is not a JSON object (${describeBody(response, secrets)})`, {
      hint: 'Check that the URL is the userinfo endpoint, not a web page.',
    });
  }
  if (typeof body.sub !== 'string' || body.sub === '') {
    throw new NetworkError(Code.USERINFO_INVALID, `the userinfo response from ${endpoint.host} has no sub claim`, { hint: 'OpenID Connect requires sub in every userinfo response; check the URL.' });
  }
  return body;
}
