import { Code, IdpRejectedError, NetworkError } from '../errors.js';
import type { RawResponse } from '../http/exchange.js';
import { diagnoseOAuthError, type RequestContext } from './diagnose.js';
import { excerpt, redactText } from './redact.js';

export interface TokenResult {
  accessToken: string;
  tokenType: string;
  /** Seconds, as the server said, or derived from the JWT's exp when it said nothing. */
  expiresIn: number | undefined;
  expiresAt: Date | undefined;
  scope: string | undefined;
  warnings: string[];
}

export interface ParseContext extends RequestContext {
  tokenUrl: URL;
  /** Local time the request was sent: expiry counts from here, not from when the answer arrived. */
  requestedAt: Date;
  /** Secrets to scrub from excerpts of unexpected bodies. */
  secrets: readonly string[];
}

function describeBody(response: RawResponse, context: ParseContext): string {
  const type = response.headers['content-type'] ?? 'no content type';
  const body = response.body.trim() === '' ? 'an empty body' : `"${excerpt(response.body, context.secrets)}"`;
  return `HTTP ${response.status}, ${type}: ${body}`;
}

function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (token.split('.').length !== 3 || !payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}

/** When a token given `seconds` at `requestedAt` expires; undefined beyond the range of a Date. */
function expiryDate(requestedAt: Date, seconds: number): Date | undefined {
  const date = new Date(requestedAt.getTime() + seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function parseExpiresIn(value: unknown, context: ParseContext): number | undefined {
  if (value === undefined || value === null) return undefined;
  const seconds = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  // A finite number can still be past what a Date holds (1e13 s), which would crash printing or caching it.
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || expiryDate(context.requestedAt, seconds) === undefined) {
    throw new NetworkError(Code.EXPIRES_IN_INVALID, `the token response from ${context.tokenUrl.host} has an unusable expires_in: ${JSON.stringify(value)}`, {
      hint: 'expires_in must be a number of seconds (RFC 6749 §5.1); report this to whoever runs the identity provider.',
    });
  }
  return seconds;
}

function successResult(body: Record<string, unknown>, context: ParseContext): TokenResult {
  const host = context.tokenUrl.host;
  const token = body.access_token;
  if (token === undefined) {
    throw new NetworkError(Code.ACCESS_TOKEN_MISSING, `the response from ${host} has no access_token (fields: ${Object.keys(body).join(', ') || 'none'})`, {
      hint: 'Check that --token-url is the OAuth token endpoint of the server.',
    });
  }
  if (typeof token !== 'string' || token.trim() === '') {
    throw new NetworkError(Code.ACCESS_TOKEN_INVALID, `the access_token from ${host} is ${typeof token === 'string' ? 'empty' : `a ${typeof token}, not a string`}`);
  }
  const warnings: string[] = [];
  let tokenType = body.token_type;
  if (tokenType === undefined) {
    warnings.push(`the response from ${host} has no token_type; assuming Bearer`);
    tokenType = 'Bearer';
  }
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
    throw new NetworkError(Code.TOKEN_TYPE_UNSUPPORTED, `the server issued a ${JSON.stringify(tokenType)} token, not a Bearer token`, {
      hint: 'Sender-constrained tokens (DPoP, mTLS) need a proof on every call and cannot be used as a plain Bearer header.',
    });
  }
  const exp = jwtExpiry(token);
  const fromExp = exp === undefined ? undefined : Math.max(0, Math.round(exp - context.requestedAt.getTime() / 1000));
  // An exp no Date can hold is no usable expiry: the token is returned, just not cached.
  const expiresIn = parseExpiresIn(body.expires_in, context) ?? (fromExp !== undefined && expiryDate(context.requestedAt, fromExp) ? fromExp : undefined);
  return {
    accessToken: token,
    tokenType: 'Bearer',
    expiresIn,
    expiresAt: expiresIn === undefined ? undefined : expiryDate(context.requestedAt, expiresIn),
    scope: typeof body.scope === 'string' ? body.scope : undefined,
    warnings,
  };
}

function firstLine(text: unknown): string | undefined {
  return typeof text === 'string' ? text.split(/\r?\n/)[0]?.trim() : undefined;
}

/** Entra puts the AADSTS code in error_codes and at the start of error_description. */
export function aadstsCode(body: Record<string, unknown>): number | undefined {
  const codes = body.error_codes;
  if (Array.isArray(codes) && typeof codes[0] === 'number') return codes[0];
  const match = typeof body.error_description === 'string' ? /AADSTS(\d+)/.exec(body.error_description) : null;
  return match ? Number(match[1]) : undefined;
}

function oauthError(response: RawResponse, body: Record<string, unknown>, context: ParseContext): IdpRejectedError {
  const error = String(body.error);
  const code = aadstsCode(body);
  // Servers sometimes echo what they were sent; the client's own secret must not come back out that way.
  const description = typeof body.error_description === 'string' ? firstLine(redactText(body.error_description, context.secrets)) : undefined;
  const ids = [
    typeof body.trace_id === 'string' ? `trace ID ${body.trace_id}` : undefined,
    typeof body.correlation_id === 'string' ? `correlation ID ${body.correlation_id}` : undefined,
    !body.trace_id && response.headers['x-ms-request-id'] ? `request ID ${response.headers['x-ms-request-id']}` : undefined,
  ].filter(Boolean);
  const who = context.provider === 'entra' ? 'Entra ID' : context.tokenUrl.host;
  const message = `${who} rejected the request (HTTP ${response.status}, ${error})${description ? `: ${description}` : ''}${ids.length ? `\n${ids.join(', ')}` : ''}`;
  const diagnosis = diagnoseOAuthError(error, code, context);
  return new IdpRejectedError(diagnosis.code, message, diagnosis.hint ? { hint: diagnosis.hint } : {});
}

/**
 * Turns the token endpoint's answer into a token or a precise error. Pure: the HTTP call is
 * elsewhere, so every malformed answer can be tested with a hand-built response.
 */
export function parseTokenResponse(response: RawResponse, context: ParseContext): TokenResult {
  const host = context.tokenUrl.host;
  if (response.status >= 300 && response.status < 400) {
    throw new NetworkError(Code.UNEXPECTED_REDIRECT, `the token endpoint answered HTTP ${response.status}, redirecting to ${response.headers.location ?? '(no Location)'}`, {
      hint: 'tokenctl never follows a redirect on a token request, since that would send the credentials elsewhere: use the final URL as --token-url.',
    });
  }
  const body = jsonObject(response.body);
  if (response.status >= 200 && response.status < 300) {
    if (!body) {
      throw new NetworkError(Code.RESPONSE_NOT_JSON, `the token endpoint at ${host} did not answer with a JSON object (${describeBody(response, context)})`, {
        hint: 'Check that --token-url is the token endpoint, not a login page or a proxy.',
      });
    }
    return successResult(body, context);
  }
  if (response.status < 500 && body && typeof body.error === 'string') throw oauthError(response, body, context);
  if (response.status === 429) {
    throw new NetworkError(Code.RATE_LIMITED, `${host} is rate-limiting requests (HTTP 429) and did not recover within the retries`, {
      hint: 'Cache tokens instead of requesting one per call, or try again later.',
    });
  }
  if (response.status >= 500) {
    const detail = body && typeof body.error === 'string' ? `${body.error}${firstLine(body.error_description) ? `: ${firstLine(body.error_description)}` : ''}` : describeBody(response, context);
    throw new NetworkError(Code.SERVER_ERROR, `the token endpoint at ${host} failed (${detail})`, { hint: 'The identity provider or a proxy in front of it is failing; try again later.' });
  }
  throw new NetworkError(Code.UNUSABLE_RESPONSE, `the token endpoint at ${host} answered with something that is not an OAuth response (${describeBody(response, context)})`, {
    hint: 'Check --token-url, and any proxy between here and the server.',
  });
}
