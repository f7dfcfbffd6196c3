import { describe, expect, it } from 'vitest';
import type { RawResponse } from '../../src/http/exchange.js';
import { aadstsCode, parseTokenResponse, type ParseContext } from '../../src/oauth/token-response.js';

const requestedAt = new Date('2026-01-01T00:00:00Z');
const entra: ParseContext = {
  provider: 'entra',
  authMethod: 'client_secret_post',
  tenant: 'contoso.onmicrosoft.com',
  clientId: 'client-1',
  tokenUrl: new URL('https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token'),
  requestedAt,
  secrets: ['Sup3r~Secret.Value'],
};
const generic: ParseContext = { ...entra, provider: 'generic', authMethod: 'client_secret_basic', tokenUrl: new URL('https://auth.example.com/as/token.oauth2') };

const json = (status: number, body: unknown, headers: Record<string, string> = {}): RawResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

function failure(response: RawResponse, context = entra) {
  try {
    parseTokenResponse(response, context);
  } catch (error) {
    return error as { code: string; message: string; hint?: string; exitCode: number };
  }
  throw new Error('expected a failure');
}

const jwtWithExp = (exp: number) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.`;

describe('parseTokenResponse: success', () => {
  it('reads a token response and dates expiry from when the request was sent', () => {
    const result = parseTokenResponse(json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: 'abc', scope: 'x' }), entra);
    expect(result).toEqual({ accessToken: 'abc', tokenType: 'Bearer', expiresIn: 3599, expiresAt: new Date('2026-01-01T00:59:59Z'), scope: 'x', warnings: [] });
  });
  it('accepts token_type in any case and expires_in as a numeric string', () => {
    expect(parseTokenResponse(json(200, { token_type: 'bearer', expires_in: '60', access_token: 'a' }), generic)).toMatchObject({ tokenType: 'Bearer', expiresIn: 60 });
  });
  it('falls back to the JWT exp when expires_in is absent', () => {
    const exp = requestedAt.getTime() / 1000 + 900;
    expect(parseTokenResponse(json(200, { token_type: 'Bearer', access_token: jwtWithExp(exp) }), generic)).toMatchObject({ expiresIn: 900 });
  });
  it('has no expiry when the JWT exp is past the range of a date, rather than an invalid one', () => {
    const result = parseTokenResponse(json(200, { token_type: 'Bearer', access_token: jwtWithExp(1e300) }), generic);
    expect(result).toMatchObject({ expiresIn: undefined, expiresAt: undefined });
  });
  it('has no expiry for an opaque token without expires_in', () => {
    expect(parseTokenResponse(json(200, { token_type: 'Bearer', access_token: 'opaque' }), generic)).toMatchObject({ expiresIn: undefined, expiresAt: undefined });
  });
  it('warns when token_type is missing and assumes Bearer', () => {
    expect(parseTokenResponse(json(200, { access_token: 'a' }), generic).warnings).toEqual(['the response from auth.example.com has no token_type; assuming Bearer']);
  });
});

describe('parseTokenResponse: malformed success bodies', () => {
  it.each([
    ['an HTML page', { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Sign in</body></html>' }, 'RESPONSE_NOT_JSON', 'text/html: "Sign in"'],
    ['an empty body', { status: 200, headers: {}, body: '' }, 'RESPONSE_NOT_JSON', 'no content type: an empty body'],
    ['a JSON array', json(200, [1]), 'RESPONSE_NOT_JSON', 'did not answer with a JSON object'],
    ['no access_token', json(200, { token_type: 'Bearer', expires_in: 1 }), 'ACCESS_TOKEN_MISSING', 'fields: token_type, expires_in'],
    ['a numeric access_token', json(200, { access_token: 5, token_type: 'Bearer' }), 'ACCESS_TOKEN_INVALID', 'a number, not a string'],
    ['an empty access_token', json(200, { access_token: ' ', token_type: 'Bearer' }), 'ACCESS_TOKEN_INVALID', 'is empty'],
    ['a DPoP token', json(200, { access_token: 'a', token_type: 'DPoP' }), 'TOKEN_TYPE_UNSUPPORTED', '"DPoP" token'],
    ['a negative expires_in', json(200, { access_token: 'a', token_type: 'Bearer', expires_in: -5 }), 'EXPIRES_IN_INVALID', 'unusable expires_in: -5'],
    ['a text expires_in', json(200, { access_token: 'a', token_type: 'Bearer', expires_in: 'soon' }), 'EXPIRES_IN_INVALID', '"soon"'],
    ['an expires_in past the range of a date', json(200, { access_token: 'a', token_type: 'Bearer', expires_in: 1e13 }), 'EXPIRES_IN_INVALID', 'unusable expires_in: 10000000000000'],
  ])('%s', (_name, response, code, text) => {
    expect(failure(response as RawResponse)).toMatchObject({ code, exitCode: 6, message: expect.stringContaining(text) });
  });
});

describe('parseTokenResponse: errors', () => {
  const aadsts = (code: number, error: string, description: string) => ({
    error,
    error_description: `AADSTS${code}: ${description}\r\nTrace ID: 0a1b2c3d-0000-0000-0000-000000000001\r\nCorrelation ID: 9f8e7d6c-0000-0000-0000-000000000002\r\nTimestamp: 2026-01-01 00:00:00Z`,
    error_codes: [code],
    timestamp: '2026-01-01 00:00:00Z',
    trace_id: '0a1b2c3d-0000-0000-0000-000000000001',
    correlation_id: '9f8e7d6c-0000-0000-0000-000000000002',
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });

  it('reports an Entra error with its AADSTS code, first line, trace and correlation ids (exit 5)', () => {
    const error = failure(json(401, aadsts(7000215, 'invalid_client', 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID')));
    expect(error).toMatchObject({ code: 'CLIENT_SECRET_INVALID', exitCode: 5 });
    expect(error.message).toBe(
      'Entra ID rejected the request (HTTP 401, invalid_client): AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID\ntrace ID 0a1b2c3d-0000-0000-0000-000000000001, correlation ID 9f8e7d6c-0000-0000-0000-000000000002',
    );
    expect(error.hint).toContain("Send the secret's Value");
  });

  it.each([
    [7000222, 'invalid_client', 'CLIENT_SECRET_EXPIRED', 'has expired'],
    [700016, 'unauthorized_client', 'CLIENT_NOT_FOUND', 'No application with client ID client-1'],
    [90002, 'invalid_request', 'TENANT_NOT_FOUND', 'Tenant contoso.onmicrosoft.com was not found'],
    [50049, 'invalid_request', 'CLOUD_MISMATCH', '--cloud'],
    [70011, 'invalid_scope', 'SCOPE_INVALID', 'exactly one scope'],
    [1002012, 'invalid_scope', 'SCOPE_INVALID', 'exactly one scope'],
    [700022, 'invalid_scope', 'SCOPE_INVALID', 'exactly one scope'],
    [500011, 'invalid_resource', 'RESOURCE_NOT_FOUND', 'Application ID URI'],
    [700027, 'invalid_client', 'CERTIFICATE_NOT_REGISTERED', '--send-x5c'],
    [700024, 'invalid_client', 'ASSERTION_TIME_INVALID', 'clock'],
    [7000112, 'unauthorized_client', 'CLIENT_DISABLED', 'disabled'],
  ])('AADSTS%i (%s) is diagnosed as %s with its own fix', (code, error, diagnosis, hint) => {
    expect(failure(json(400, aadsts(code, error, 'x')))).toMatchObject({ code: diagnosis, exitCode: 5, hint: expect.stringContaining(hint) });
  });

  it('recognises a secret ID pasted instead of the value', () => {
    const context = { ...entra, secretLooksLikeGuid: true };
    expect(failure(json(401, aadsts(7000215, 'invalid_client', 'x')), context).hint).toContain("looks like a GUID: that is the secret's ID");
  });

  it('suggests the other secret method on invalid_client, naming what discovery advertised', () => {
    expect(failure(json(401, { error: 'invalid_client' }), generic).hint).toContain('try --auth-method client_secret_post');
    const post = { ...generic, authMethod: 'client_secret_post' as const, authMethodsSupported: ['client_secret_basic'] };
    expect(failure(json(401, { error: 'invalid_client', error_description: 'client authentication failed' }), post)).toMatchObject({
      code: 'CLIENT_AUTH_FAILED',
      message: 'auth.example.com rejected the request (HTTP 401, invalid_client): client authentication failed',
      hint: expect.stringMatching(/try --auth-method client_secret_basic. The server advertises: client_secret_basic/),
    });
  });

  it('scrubs the client secret from an error_description that echoes it', () => {
    expect(failure(json(401, { error: 'invalid_client', error_description: 'bad secret Sup3r~Secret.Value for client' }), generic).message).toContain('bad secret <redacted> for client');
  });

  it('keeps only the first line of error_description', () => {
    expect(failure(json(400, { error: 'invalid_scope', error_description: 'first line\nsecond line' }), generic).message).toMatch(/first line$/);
  });

  it('names the Location of a redirect and does not follow it (exit 6)', () => {
    expect(failure({ status: 302, headers: { location: 'https://login.example.com/other' }, body: '' })).toMatchObject({
      code: 'UNEXPECTED_REDIRECT',
      exitCode: 6,
      message: expect.stringContaining('redirecting to https://login.example.com/other'),
    });
  });

  it('reports an HTML 502 with status, content type and a redacted excerpt (exit 6)', () => {
    const body = '<html><head><title>502 Bad Gateway</title></head><body>upstream said Sup3r~Secret.Value eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.sig</body></html>';
    const error = failure({ status: 502, headers: { 'content-type': 'text/html' }, body });
    expect(error).toMatchObject({ code: 'SERVER_ERROR', exitCode: 6 });
    // By value, not by shape: a JWT that is not one of ours is support data like any other.
    expect(error.message).toContain('HTTP 502, text/html: "502 Bad Gateway upstream said <redacted> eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.sig"');
    expect(error.message).not.toContain('Sup3r~Secret.Value');
  });

  it('reports a 429 that did not recover, and a 4xx that is not OAuth', () => {
    expect(failure(json(429, {}))).toMatchObject({ code: 'RATE_LIMITED', exitCode: 6 });
    expect(failure({ status: 400, headers: { 'content-type': 'text/plain' }, body: 'Bad Request' })).toMatchObject({ code: 'UNUSABLE_RESPONSE', exitCode: 6, message: expect.stringContaining('HTTP 400, text/plain: "Bad Request"') });
    // A 404 is an answer about the URL: retrying will not help.
    expect(failure({ status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' })).toMatchObject({ code: 'TOKEN_ENDPOINT_WRONG', exitCode: 5, message: expect.stringContaining('HTTP 404, text/plain: "Not Found"') });
  });

  it('reads the AADSTS code from error_codes, else from the description', () => {
    expect(aadstsCode({ error_codes: [50049] })).toBe(50049);
    expect(aadstsCode({ error_description: 'AADSTS90002: Tenant not found' })).toBe(90002);
    expect(aadstsCode({ error: 'invalid_client' })).toBeUndefined();
  });
});
