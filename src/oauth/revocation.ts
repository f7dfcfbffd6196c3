import type { RawResponse } from '../http/exchange.js';
import type { RequestContext } from './diagnose.js';
import { jsonObject, unexpectedResponse } from './endpoint-response.js';
import { refusalError } from './token-response.js';

export type TokenTypeHint = 'access_token' | 'refresh_token';

/** RFC 7009 §2.1: the token and, when known, what kind it is; client authentication is added when sent. */
export function revocationForm(token: string, hint?: TokenTypeHint): Array<[string, string]> {
  return [['token', token], ...(hint ? [['token_type_hint', hint] as [string, string]] : [])];
}

/**
 * RFC 7009 §2.2: HTTP 200 means revoked, or already invalid (the server does not say which); the body
 * is ignored. An OAuth error (unsupported_token_type, invalid_client) is an error with its diagnosis.
 */
export function processRevocationResponse(response: RawResponse, context: RequestContext & { endpoint: URL; secrets: readonly string[] }): { revoked: true } {
  if (response.status === 200) return { revoked: true };
  const body = jsonObject(response.body);
  if (response.status >= 400 && response.status < 500 && body && typeof body.error === 'string') {
    throw refusalError(response, body, { ...context, tokenUrl: context.endpoint, requestedAt: new Date(0) });
  }
  throw unexpectedResponse(response, 'revocation endpoint', context.endpoint, context.secrets);
}
