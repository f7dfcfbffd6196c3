import { Code, IdpRejectedError, NetworkError, type ErrorDetails } from '../errors.js';
import type { RawResponse } from '../http/exchange.js';
import { diagnoseRefusal, type RequestContext } from './diagnose.js';
import { excerpt, redactText, untrustedLine } from './redact.js';

export interface TokenResult {
  accessToken: string;
  tokenType: string;
  /** Seconds, as the server said, or derived from the JWT's exp when it said nothing. */
  expiresIn: number | undefined;
  expiresAt: Date | undefined;
  scope: string | undefined;
  /** User sign-in grants only: kept in the secret store, never printed. */
  refreshToken?: string | undefined;
  /** User sign-in grants only: verified before it is believed. */
  idToken?: string | undefined;
  warnings: string[];
}

export interface ParseContext extends RequestContext {
  tokenUrl: URL;
  /** Local time the request was sent: expiry counts from here, not from when the answer arrived. */
  requestedAt: Date;
  /** Every form of the credentials sent (see secretForms): scrubbed from whatever the server says. */
  secrets: readonly string[];
}

function describeBody(response: RawResponse, context: ParseContext): string {
  const type = field(response.headers['content-type'], context) ?? 'no content type';
  const body = response.body.trim() === '' ? 'an empty body' : `"${excerpt(response.body, context.secrets)}"`;
  return `HTTP ${response.status}, ${type}: ${body}`;
}

/** RFC 6750 §2.1 b64token (token68): a JWS in compact form fits it too. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const MAX_TOKEN_LENGTH = 64 * 1024;

export function isWellFormedToken(token: string): boolean {
  return token.length <= MAX_TOKEN_LENGTH && TOKEN68.test(token);
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
    throw new NetworkError(Code.EXPIRES_IN_INVALID, `the token response from ${context.tokenUrl.host} has an unusable expires_in: ${field(JSON.stringify(value), context) ?? String(value)}`, {
      hint: 'expires_in must be a number of seconds (RFC 6749 §5.1); report this to whoever runs the identity provider.',
    });
  }
  return seconds;
}

function successResult(body: Record<string, unknown>, context: ParseContext): TokenResult {
  const host = context.tokenUrl.host;
  const token = body.access_token;
  if (token === undefined) {
    throw new NetworkError(Code.ACCESS_TOKEN_MISSING, `the response from ${host} has no access_token (fields: ${Object.keys(body).slice(0, 20).map((name) => field(name, context)).join(', ') || 'none'})`, {
      hint: 'Check that --token-url is the OAuth token endpoint of the server.',
    });
  }
  if (typeof token !== 'string' || token.trim() === '') {
    throw new NetworkError(Code.ACCESS_TOKEN_INVALID, `the access_token from ${host} is ${typeof token === 'string' ? 'empty' : `a ${typeof token}, not a string`}`);
  }
  // Printed as is, pasted into headers and shell lines: anything outside the token68 / JWS alphabet
  // (a newline that splits `-o header` in two, an escape sequence) is refused, never passed on.
  if (!isWellFormedToken(token)) {
    throw new NetworkError(Code.ACCESS_TOKEN_MALFORMED, `the access_token from ${host} is not a well-formed bearer token: ${token.length > MAX_TOKEN_LENGTH ? `it is ${token.length} characters long` : 'it has characters outside the RFC 6750 token68 set (letters, digits, - . _ ~ + / and trailing =)'}`, {
      hint: 'tokenctl prints only tokens it can pass on safely; report this response to whoever runs the identity provider.',
    });
  }
  const warnings: string[] = [];
  let tokenType = body.token_type;
  if (tokenType === undefined) {
    warnings.push(`the response from ${host} has no token_type; assuming Bearer`);
    tokenType = 'Bearer';
  }
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
    throw new NetworkError(Code.TOKEN_TYPE_UNSUPPORTED, `the server issued a ${field(JSON.stringify(tokenType), context) ?? 'typeless'} token, not a Bearer token`, {
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
    ...optionalToken(body, 'refresh_token', 'refreshToken', host),
    ...optionalToken(body, 'id_token', 'idToken', host),
    warnings,
  };
}

/** refresh_token and id_token are optional, but when present they must be usable strings. */
function optionalToken<K extends 'refreshToken' | 'idToken'>(body: Record<string, unknown>, field: string, key: K, host: string): Partial<Record<K, string>> {
  const value = body[field];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'string' || value.trim() === '') {
    throw new NetworkError(Code.TOKEN_RESPONSE_INVALID, `the ${field} from ${host} is ${typeof value === 'string' ? 'empty' : `a ${typeof value}, not a string`}`, {
      hint: 'Report this to whoever runs the identity provider (RFC 6749 §5.1).',
    });
  }
  return { [key]: value } as Partial<Record<K, string>>;
}

/** The first line of a string from the server, for a message (see untrustedLine); undefined for anything else. */
function firstLine(text: unknown, context: ParseContext): string | undefined {
  return typeof text === 'string' ? untrustedLine(text.split(/\r?\n/)[0]?.trim() ?? '', context.secrets) : undefined;
}

const cut = (text: string, length = 200): string => (text.length > length ? `${text.slice(0, length)}…` : text);

/** A short field from the server (an error code, an ID) for a message: scrubbed, on one line, cut to a sane length. */
function field(value: unknown, context: ParseContext): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  return cut(untrustedLine(String(value), context.secrets));
}

/**
 * A short field from the server as data (--json): scrubbed and cut, otherwise exactly as sent. Its
 * control characters are escaped by JSON, or wherever it is written for a terminal, never here.
 */
function datum(value: unknown, context: ParseContext): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  return cut(redactText(String(value), context.secrets));
}


/** Entra puts the AADSTS codes in error_codes and at the start of error_description. */
export function aadstsCodes(body: Record<string, unknown>): number[] {
  const codes = body.error_codes;
  if (Array.isArray(codes) && codes.length > 0 && codes.every((code) => typeof code === 'number')) return codes as number[];
  const description = typeof body.error_description === 'string' ? body.error_description : '';
  return [...new Set([...description.matchAll(/AADSTS(\d+)/g)].map((match) => Number(match[1])))];
}

/** The first AADSTS code of an Entra error body. */
export function aadstsCode(body: Record<string, unknown>): number | undefined {
  return aadstsCodes(body)[0];
}

const REQUEST_ID_HEADERS = ['x-ms-request-id', 'client-request-id', 'x-request-id', 'x-correlation-id', 'correlation-id', 'x-okta-request-id', 'x-auth0-requestid', 'x-amzn-requestid', 'cf-ray'];

/** Request IDs for support, as the server sent them but scrubbed (a hostile server may echo anything); escaped where shown. */
export function requestIdHeaders(headers: Record<string, string>, concealed: readonly string[]): Record<string, string> {
  return Object.fromEntries(REQUEST_ID_HEADERS.filter((name) => headers[name]).map((name) => [name, redactText((headers[name] as string).slice(0, 200), concealed)]));
}

/** "Trace ID: …" lines of an Entra description, "(Correlation ID: …)" of PingOne. */
function idFromDescription(description: string | undefined, label: string): string | undefined {
  return description ? new RegExp(`${label}:\\s*([\\w:. -]*[\\w])`, 'i').exec(description)?.[1] : undefined;
}

/** The facts of an answer that could not be used. */
function answerDetails(response: RawResponse, context: ParseContext): ErrorDetails {
  const requestIds = requestIdHeaders(response.headers, context.secrets);
  return { phase: 'response', httpStatus: response.status, ...(Object.keys(requestIds).length ? { requestIds } : {}) };
}

/**
 * Everything in a refusal a script or a ticket can use: scrubbed of the credentials, otherwise as the
 * server sent it (an Entra description keeps its CR LF), since JSON escapes it and a terminal view escapes it there.
 */
function refusalDetails(response: RawResponse, body: Record<string, unknown> | undefined, context: ParseContext): ErrorDetails {
  const description = typeof body?.error_description === 'string' && body.error_description.trim() !== '' ? redactText(body.error_description.slice(0, 4000), context.secrets) : undefined;
  const codes = body ? aadstsCodes(body) : [];
  const requestIds = requestIdHeaders(response.headers, context.secrets);
  return {
    httpStatus: response.status,
    oauthError: datum(body?.error, context),
    errorDescription: description,
    errorUri: datum(body?.error_uri, context),
    aadstsCodes: codes.length ? codes.slice(0, 20) : undefined,
    traceId: datum(body?.trace_id, context) ?? idFromDescription(description, 'Trace ID'),
    correlationId: datum(body?.correlation_id, context) ?? idFromDescription(description, 'Correlation ID'),
    timestamp: datum(body?.timestamp, context) ?? idFromDescription(description, 'Timestamp'),
    requestIds: Object.keys(requestIds).length ? requestIds : undefined,
    challenge: datum(response.headers['www-authenticate'], context),
    host: context.tokenUrl.host,
  };
}

/** A refusal (RFC 6749 §5.2 or not) as an error carrying its diagnosis and the server's facts; every endpoint uses it. */
export function refusalError(response: RawResponse, body: Record<string, unknown> | undefined, context: ParseContext): IdpRejectedError {
  // Everything the server says may echo what it was sent, or carry terminal escapes: all of it is
  // scrubbed of the credentials before it becomes data or part of a message or hint, and folded onto
  // one line in a message; the terminal view escapes the rest (src/output/errors.ts).
  const details = refusalDetails(response, body, context);
  const diagnosis = diagnoseRefusal(
    {
      status: response.status,
      error: typeof body?.error === 'string' ? redactText(body.error, context.secrets) : undefined,
      description: details.errorDescription,
      aadsts: details.aadstsCodes ?? [],
      challenge: response.headers['www-authenticate'],
      contentType: response.headers['content-type'],
      json: body,
    },
    context,
  );
  const options = { ...(diagnosis.hint ? { hint: diagnosis.hint } : {}), details };
  const who = context.provider === 'entra' ? 'Entra ID' : context.tokenUrl.host;
  if (details.oauthError === undefined) {
    // Not an OAuth answer: what came back is all there is to show.
    const challenge = field(response.headers['www-authenticate'], context);
    return new IdpRejectedError(diagnosis.code, `${who} refused the request (${describeBody(response, context)}${challenge ? `, WWW-Authenticate: ${challenge}` : ''})`, options);
  }
  const description = firstLine(body?.error_description, context);
  const requestId = field(response.headers['x-ms-request-id'], context);
  const shown = (value: string | undefined) => (value === undefined ? undefined : field(value, context));
  const ids = [
    details.traceId ? `trace ID ${shown(details.traceId)}` : undefined,
    details.correlationId ? `correlation ID ${shown(details.correlationId)}` : undefined,
    !details.traceId && requestId ? `request ID ${requestId}` : undefined,
  ].filter(Boolean);
  const message = `${who} rejected the request (HTTP ${response.status}, ${shown(details.oauthError)})${description ? `: ${description}` : ''}${ids.length ? `\n${ids.join(', ')}` : ''}`;
  return new IdpRejectedError(diagnosis.code, message, options);
}

/**
 * Turns the token endpoint's answer into a token or a precise error. Pure: the HTTP call is
 * elsewhere, so every malformed answer can be tested with a hand-built response.
 */
export function parseTokenResponse(response: RawResponse, context: ParseContext): TokenResult {
  const host = context.tokenUrl.host;
  if (response.status >= 300 && response.status < 400) {
    throw new NetworkError(Code.UNEXPECTED_REDIRECT, `the token endpoint answered HTTP ${response.status}, redirecting to ${field(response.headers.location, context) ?? '(no Location)'}`, {
      hint: 'tokenctl never follows a redirect on a token request, since that would send the credentials elsewhere: use the final URL as --token-url.',
      details: answerDetails(response, context),
    });
  }
  const body = jsonObject(response.body);
  if (response.status >= 200 && response.status < 300) {
    if (!body) {
      throw new NetworkError(Code.RESPONSE_NOT_JSON, `the token endpoint at ${host} did not answer with a JSON object (${describeBody(response, context)})`, {
        hint: /authori[sz]e|login|signin/i.test(context.tokenUrl.pathname)
          ? `${context.tokenUrl.pathname} looks like a sign-in or authorization page, not the token endpoint: check --token-url, or give --issuer to discover it.`
          : 'Check that --token-url is the token endpoint, not a login page or a proxy.',
        details: answerDetails(response, context),
      });
    }
    return successResult(body, context);
  }
  if (response.status < 500 && body && typeof body.error === 'string') throw refusalError(response, body, context);
  // A bare 401 is a credential rejection whatever its body; a 404 or 405 names a wrong URL (or realm).
  if (response.status === 401 || response.status === 404 || response.status === 405) throw refusalError(response, body, context);
  if (response.status === 429) {
    throw new NetworkError(Code.RATE_LIMITED, `${host} is rate-limiting requests (HTTP 429) and did not recover within the retries`, {
      hint: 'Cache tokens instead of requesting one per call, or try again later.',
      details: answerDetails(response, context),
    });
  }
  if (response.status >= 500) {
    const description = body ? firstLine(body.error_description, context) : undefined;
    const detail = body && typeof body.error === 'string' ? `${field(body.error, context)}${description ? `: ${description}` : ''}` : describeBody(response, context);
    throw new NetworkError(Code.SERVER_ERROR, `the token endpoint at ${host} failed (${detail})`, {
      hint: 'The identity provider or a proxy in front of it is failing; try again later.',
      details: answerDetails(response, context),
    });
  }
  throw new NetworkError(Code.UNUSABLE_RESPONSE, `the token endpoint at ${host} answered with something that is not an OAuth response (${describeBody(response, context)})`, {
    hint: 'Check --token-url, and any proxy between here and the server.',
    details: answerDetails(response, context),
  });
}
