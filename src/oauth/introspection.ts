import { Code, NetworkError } from '../errors.js';
import type { RawResponse } from '../http/exchange.js';
import type { RequestContext } from './diagnose.js';
import { jsonObject, unexpectedResponse } from './endpoint-response.js';
import type { TokenTypeHint } from './revocation.js';
import { refusalError } from './token-response.js';

/** RFC 7662 §2.2; `claims` holds every member, the typed fields the ones tokenctl explains. */
export interface Introspection {
  active: boolean;
  scope?: string;
  clientId?: string;
  username?: string;
  tokenType?: string;
  sub?: string;
  aud?: string | string[];
  iss?: string;
  /** Seconds since the epoch, as in a JWT. */
  exp?: number;
  iat?: number;
  nbf?: number;
  claims: Record<string, unknown>;
}

/** RFC 7662 §2.1: the token and, when known, what kind it is; client authentication is added when sent. */
export function introspectionForm(token: string, hint?: TokenTypeHint): Array<[string, string]> {
  return [['token', token], ...(hint ? [['token_type_hint', hint] as [string, string]] : [])];
}

type Context = RequestContext & { endpoint: URL; secrets: readonly string[] };

function invalid(context: Context, problem: string): NetworkError {
  return new NetworkError(Code.INTROSPECTION_INVALID, `the introspection response from ${context.endpoint.host} ${problem}`, {
    hint: 'Check that the URL is the RFC 7662 introspection endpoint; report a malformed answer to whoever runs the server.',
  });
}

/**
 * The server's verdict on a token. `active` must be a boolean (RFC 7662 §2.2); an inactive token tells
 * nothing more, whatever else the server put beside it.
 */
export function processIntrospectionResponse(response: RawResponse, context: Context): Introspection {
  const body = jsonObject(response.body);
  if (response.status !== 200) {
    if (response.status >= 400 && response.status < 500 && body && typeof body.error === 'string') {
      throw refusalError(response, body, { ...context, tokenUrl: context.endpoint, requestedAt: new Date(0) });
    }
    if (response.status === 401 || response.status === 403) {
      throw new NetworkError(Code.INTROSPECTION_UNAUTHORIZED, `the introspection endpoint at ${context.endpoint.host} refused this client (HTTP ${response.status})`, {
        hint: 'Introspection needs a client the server allows to introspect: check the client ID and its credential (a public client usually may not).',
      });
    }
    throw unexpectedResponse(response, 'introspection endpoint', context.endpoint, context.secrets);
  }
  if (!body) throw invalid(context, 'is not a JSON object');
  if (typeof body.active !== 'boolean') throw invalid(context, `has ${body.active === undefined ? 'no' : 'a non-boolean'} "active" member`);
  if (!body.active) return { active: false, claims: { active: false } };
  const result: Introspection = { active: true, claims: body };
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : undefined);
  const seconds = (name: string) => {
    const value = body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(context, `has a non-numeric ${name}`);
    return value;
  };
  const assign = <K extends keyof Introspection>(key: K, value: Introspection[K] | undefined) => {
    if (value !== undefined) result[key] = value;
  };
  assign('scope', text('scope'));
  assign('clientId', text('client_id'));
  assign('username', text('username'));
  assign('tokenType', text('token_type'));
  assign('sub', text('sub'));
  assign('iss', text('iss'));
  const aud = body.aud;
  if (typeof aud === 'string' || (Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) result.aud = aud as string | string[];
  assign('exp', seconds('exp'));
  assign('iat', seconds('iat'));
  assign('nbf', seconds('nbf'));
  return result;
}
