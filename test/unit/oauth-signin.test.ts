import { randomBytes, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Code, IdpRejectedError } from '../../src/errors.js';
import type { RawResponse } from '../../src/http/exchange.js';
import { authorizationCodeForm, buildAuthorizationRequest, codeChallenge, processAuthorizationCallback, refreshTokenForm } from '../../src/oauth/authorization.js';
import { decidePoll, deviceCodeForm, processDeviceAuthorizationResponse } from '../../src/oauth/device.js';
import type { RequestContext } from '../../src/oauth/diagnose.js';
import { checkMetadata, discover, discoveryUrls, processDiscoveryResponse, requireEndpoint, requireSoundMetadata } from '../../src/oauth/discovery.js';
import { introspectionForm, processIntrospectionResponse } from '../../src/oauth/introspection.js';
import { redactForm } from '../../src/oauth/redact.js';
import { processRevocationResponse, revocationForm } from '../../src/oauth/revocation.js';
import { parseTokenResponse, type ParseContext } from '../../src/oauth/token-response.js';
import { bearerChallenge, buildUserinfoRequest, processUserinfoResponse } from '../../src/oauth/userinfo.js';

const json = (status: number, body: unknown, headers: Record<string, string> = {}): RawResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

function caught(fn: () => unknown): { code: string; message: string; hint?: string; exitCode: number; details?: { oauthError?: string } } {
  try {
    fn();
  } catch (error) {
    return error as never;
  }
  throw new Error('expected a failure');
}

const generic: RequestContext = { provider: 'generic', tokenUrl: new URL('https://idp.example.com/token'), authMethod: 'none', clientId: 'cli', profile: 'me', publicClient: true };
const entra: RequestContext = { provider: 'entra', tokenUrl: new URL('https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token'), authMethod: 'none', clientId: 'cli', tenant: 'contoso.onmicrosoft.com', profile: 'me', publicClient: true };

describe('discovery', () => {
  const issuer = 'https://idp.example.com/tenant-a';
  const source = new URL(`${issuer}/.well-known/openid-configuration`);
  const good = {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    userinfo_endpoint: `${issuer}/me`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['openid', 'offline_access'],
  };

  it('tries OpenID Connect first, then RFC 8414 with the well-known segment before the path', () => {
    expect(discoveryUrls(new URL(issuer)).map(String)).toEqual([
      'https://idp.example.com/tenant-a/.well-known/openid-configuration',
      'https://idp.example.com/.well-known/oauth-authorization-server/tenant-a',
    ]);
  });
  it('reads sound metadata, dropping unknown members, and checks it clean', () => {
    const metadata = processDiscoveryResponse(json(200, { ...good, extra: 1 }), source);
    expect(metadata).toEqual(good);
    expect(checkMetadata(metadata!, issuer).filter((c) => c.status !== 'ok')).toEqual([]);
  });
  it('answers undefined for a 404 so the next location is tried, and fails when none has it', async () => {
    expect(processDiscoveryResponse(json(404, {}), source)).toBeUndefined();
    const seen: string[] = [];
    const found = await discover(new URL(issuer), async (url) => (seen.push(url.href), seen.length === 1 ? json(404, '') : json(200, good)));
    expect(found.source.href).toBe('https://idp.example.com/.well-known/oauth-authorization-server/tenant-a');
    await expect(discover(new URL(issuer), async () => json(404, ''))).rejects.toMatchObject({ code: 'DISCOVERY_NOT_FOUND' });
  });
  it.each([
    ['a redirect', { status: 302, headers: { location: 'https://elsewhere' }, body: '' }, 'UNEXPECTED_REDIRECT'],
    ['a server error', json(500, 'oops'), 'HTTP_ERROR'],
    ['a login page', { status: 200, headers: { 'content-type': 'text/html' }, body: '<html>sign in</html>' }, 'DISCOVERY_INVALID'],
    ['a JSON array', json(200, [good]), 'DISCOVERY_INVALID'],
    ['no issuer', json(200, { ...good, issuer: undefined }), 'DISCOVERY_INVALID'],
    ['an endpoint that is a number', json(200, { ...good, token_endpoint: 42 }), 'DISCOVERY_INVALID'],
    ['a list that is a string', json(200, { ...good, scopes_supported: 'openid' }), 'DISCOVERY_INVALID'],
  ])('refuses %s', (_name, response, code) => {
    expect(caught(() => processDiscoveryResponse(response as RawResponse, source)).code).toBe(code);
  });
  it('flags another issuer, plain http off loopback, missing endpoints and no S256', () => {
    const checks = checkMetadata(
      { issuer: `${issuer}/`, token_endpoint: 'http://idp.example.com/token', authorization_endpoint: `${issuer}/authorize`, code_challenge_methods_supported: ['plain'] },
      issuer,
    );
    const errors = checks.filter((c) => c.status === 'error').map((c) => c.name);
    expect(errors).toEqual(expect.arrayContaining(['issuer', 'token_endpoint', 'jwks_uri', 'pkce']));
    expect(() => requireSoundMetadata({ issuer: `${issuer}/` }, issuer, source)).toThrow(expect.objectContaining({ code: 'DISCOVERY_ISSUER_MISMATCH' }));
  });
  it('allows plain http only on loopback, as a warning', () => {
    const local = 'http://127.0.0.1:4000';
    const checks = checkMetadata({ ...good, issuer: local, token_endpoint: `${local}/token` }, local);
    expect(checks.find((c) => c.name === 'token_endpoint')?.status).toBe('warning');
    expect(requireEndpoint({ issuer: local, token_endpoint: `${local}/token` }, 'token_endpoint', '--token-url').href).toBe(`${local}/token`);
    expect(caught(() => requireEndpoint({ issuer, revocation_endpoint: 'http://idp.example.com/revoke' }, 'revocation_endpoint', '--revocation-url')).code).toBe('DISCOVERY_INVALID');
    expect(caught(() => requireEndpoint({ issuer }, 'revocation_endpoint', '--revocation-url')).hint).toContain('--revocation-url');
  });
});

describe('authorization request and callback', () => {
  const input = {
    authorizationEndpoint: new URL('https://idp.example.com/authorize?tenant=a'),
    clientId: 'cli',
    redirectUri: 'http://127.0.0.1:53682/',
    scopes: ['openid', 'offline_access'],
    prompt: 'login',
    loginHint: 'ada@example.com',
    params: [['domain_hint', 'example.com']] as Array<[string, string]>,
  };

  it('always sends PKCE S256, a fresh state and nonce, and keeps the endpoint\'s own query', () => {
    const a = buildAuthorizationRequest(input, randomBytes);
    const b = buildAuthorizationRequest(input, randomBytes);
    const q = a.url.searchParams;
    expect(Object.fromEntries(q)).toMatchObject({
      tenant: 'a',
      response_type: 'code',
      client_id: 'cli',
      redirect_uri: 'http://127.0.0.1:53682/',
      scope: 'openid offline_access',
      code_challenge_method: 'S256',
      prompt: 'login',
      login_hint: 'ada@example.com',
      domain_hint: 'example.com',
    });
    expect(q.get('code_challenge')).toBe(createHash('sha256').update(a.codeVerifier).digest('base64url'));
    expect(a.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([a.state, a.nonce, a.codeVerifier, b.state, b.nonce, b.codeVerifier]).size).toBe(6);
  });
  it('sends a nonce only with the openid scope: an OpenID provider refuses a nonce without it', () => {
    const plain = buildAuthorizationRequest({ ...input, scopes: ['offline_access', 'read'] }, randomBytes);
    expect(plain.url.searchParams.has('nonce')).toBe(false);
    expect(plain.nonce).toBeUndefined();
    const oidc = buildAuthorizationRequest(input, randomBytes);
    expect(oidc.url.searchParams.get('nonce')).toBe(oidc.nonce);
  });
  it('matches the RFC 7636 appendix B example', () => {
    expect(codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
  it.each(['state', 'code_challenge', 'redirect_uri', 'nonce', 'prompt'])('refuses --param %s', (name) => {
    expect(caught(() => buildAuthorizationRequest({ ...input, params: [[name, 'x']] }, randomBytes)).code).toBe('PARAM_RESERVED');
  });

  const expectations = { state: 'S', issuer: 'https://idp.example.com', context: generic };
  const callback = (query: string) => new URL(`http://127.0.0.1:53682/?${query}`);
  it('returns the code when state (and iss) match', () => {
    expect(processAuthorizationCallback(callback('code=c0de&state=S&iss=https%3A%2F%2Fidp.example.com'), expectations)).toEqual({ code: 'c0de' });
  });
  it.each([
    ['a wrong state', 'code=C&state=X', 'STATE_MISMATCH'],
    ['no state', 'code=C', 'STATE_MISMATCH'],
    ['a wrong state even on an error', 'error=access_denied&state=X', 'STATE_MISMATCH'],
    ['a repeated code', 'code=C&code=D&state=S', 'CALLBACK_INVALID'],
    ['another issuer (mix-up)', 'code=C&state=S&iss=https%3A%2F%2Fevil.example', 'CALLBACK_ISSUER_MISMATCH'],
    ['neither code nor error', 'state=S', 'CALLBACK_INVALID'],
  ])('refuses %s', (_name, query, code) => {
    expect(caught(() => processAuthorizationCallback(callback(query), expectations)).code).toBe(code);
  });
  it('says the user cancelled on access_denied, and diagnoses consent_required and AADSTS65001', () => {
    const cancelled = caught(() => processAuthorizationCallback(callback('error=access_denied&error_description=User+said+no&state=S'), expectations));
    expect(cancelled).toBeInstanceOf(IdpRejectedError);
    expect(cancelled.message).toContain('cancelled');
    expect(cancelled.hint).toContain('tokenctl login -p me');
    expect(caught(() => processAuthorizationCallback(callback('error=consent_required&state=S'), expectations)).hint).toContain('--prompt consent');
    const consent = caught(() => processAuthorizationCallback(callback('error=invalid_client&error_description=AADSTS65001%3A+The+user+or+administrator+has+not+consented&state=S'), { ...expectations, context: entra }));
    expect(consent.code).toBe('CONSENT_REQUIRED');
    expect(consent.hint).toContain('admin consent');
  });
  it('builds the code exchange and refresh forms', () => {
    expect(authorizationCodeForm('C', 'http://127.0.0.1:1/', 'V')).toEqual([['grant_type', 'authorization_code'], ['code', 'C'], ['redirect_uri', 'http://127.0.0.1:1/'], ['code_verifier', 'V']]);
    expect(refreshTokenForm('R')).toEqual([['grant_type', 'refresh_token'], ['refresh_token', 'R']]);
    expect(refreshTokenForm('R', ['openid', 'User.Read'])).toContainEqual(['scope', 'openid User.Read']);
  });
  it('never shows a code, verifier, refresh token or device code in --verbose', () => {
    const shown = redactForm([...authorizationCodeForm('C0DE', 'r', 'VERIFIER'), ...refreshTokenForm('REFRESH'), ...deviceCodeForm('DEVICE'), ['token', 'TOK']]);
    expect(JSON.stringify(shown)).not.toMatch(/C0DE|VERIFIER|REFRESH|DEVICE|TOK"/);
  });
});

describe('token endpoint: user grants', () => {
  const context: ParseContext = { ...generic, grant: 'refresh_token', tokenUrl: new URL('https://idp.example.com/token'), requestedAt: new Date('2026-01-01T00:00:00Z'), secrets: ['OLD-REFRESH'] };
  it('keeps the refresh and ID tokens of a sign-in response', () => {
    const token = parseTokenResponse(json(200, { access_token: 'A', token_type: 'Bearer', expires_in: 3600, refresh_token: 'R2', id_token: 'I' }), context);
    expect(token).toMatchObject({ accessToken: 'A', refreshToken: 'R2', idToken: 'I' });
  });
  it.each([
    ['an empty refresh_token', { refresh_token: '' }],
    ['a numeric id_token', { id_token: 42 }],
  ])('refuses %s', (_name, extra) => {
    expect(caught(() => parseTokenResponse(json(200, { access_token: 'A', token_type: 'Bearer', ...extra }), context)).code).toBe('TOKEN_RESPONSE_INVALID');
  });
  it('diagnoses a dead refresh token as "sign in again", without echoing it', () => {
    const error = caught(() => parseTokenResponse(json(400, { error: 'invalid_grant', error_description: 'grant request is invalid: OLD-REFRESH' }), context));
    expect(error.details?.oauthError).toBe('invalid_grant');
    expect(error.hint).toContain('tokenctl login -p me');
    expect(error.message).not.toContain('OLD-REFRESH');
  });
  it('tells a PKCE mismatch and a redirect mismatch apart on the code exchange', () => {
    const code = { ...context, grant: 'authorization_code' as const, redirectUri: 'http://127.0.0.1:5000/' };
    expect(caught(() => parseTokenResponse(json(400, { error: 'invalid_grant', error_description: 'PKCE verification failed (code_verifier)' }), code)).hint).toContain('PKCE');
    expect(caught(() => parseTokenResponse(json(400, { error: 'invalid_grant', error_description: 'grant request is invalid' }), code)).hint).toContain('already used');
    expect(caught(() => parseTokenResponse(json(400, { error: 'invalid_request', error_description: "redirect_uri did not match" }), code)).hint).toContain('http://127.0.0.1:5000/');
    const entraPkce = caught(() => parseTokenResponse(json(400, { error: 'invalid_grant', error_codes: [501481], error_description: 'AADSTS501481: The Code_Verifier does not match' }), { ...code, provider: 'entra' }));
    expect(entraPkce.hint).toContain('PKCE');
  });
  it.each([
    [50011, 'REDIRECT_URI_MISMATCH', 'Mobile and desktop applications'],
    [65001, 'CONSENT_REQUIRED', 'admin consent'],
    [7000218, 'CREDENTIAL_NOT_SENT', 'Allow public client flows'],
    [700025, 'PUBLIC_CLIENT_SECRET_SENT', '--public-client'],
    [700082, 'GRANT_INVALID', 'tokenctl login -p me'],
    [54005, 'CODE_INVALID', 'already used'],
    [501481, 'PKCE_MISMATCH', 'PKCE'],
    [65004, 'SIGN_IN_CANCELLED', 'declined'],
  ])('has a hint for AADSTS%i on a sign-in', (aadsts, code, text) => {
    const entraContext = { ...context, ...entra, grant: 'authorization_code' as const, redirectUri: 'http://localhost:5000' };
    const error = caught(() => parseTokenResponse(json(400, { error: 'invalid_client', error_codes: [aadsts], error_description: `AADSTS${aadsts}: x` }), entraContext));
    expect(error.code).toBe(code);
    expect(error.hint).toContain(text);
  });
  it('tells a public client that the server wants a secret', () => {
    expect(caught(() => parseTokenResponse(json(401, { error: 'invalid_client' }), context)).hint).toContain('--client-secret-stdin');
  });
});

describe('device authorization (RFC 8628)', () => {
  const endpoint = new URL('https://idp.example.com/device');
  const ctx = { ...generic, endpoint, secrets: [] };
  const good = { device_code: 'D', user_code: 'WDJB-MJHT', verification_uri: 'https://idp.example.com/device', verification_uri_complete: 'https://idp.example.com/device?user_code=WDJB-MJHT', expires_in: 1800 };

  it('reads a response, with the default 5 s interval', () => {
    expect(processDeviceAuthorizationResponse(json(200, good), ctx)).toEqual({
      deviceCode: 'D',
      userCode: 'WDJB-MJHT',
      verificationUri: 'https://idp.example.com/device',
      verificationUriComplete: 'https://idp.example.com/device?user_code=WDJB-MJHT',
      expiresIn: 1800,
      intervalSeconds: 5,
    });
  });
  it("takes Entra's verification_url and message", () => {
    const result = processDeviceAuthorizationResponse(json(200, { ...good, verification_uri: undefined, verification_url: 'https://microsoft.com/devicelogin', interval: 7, message: 'To sign in, …' }), ctx);
    expect(result).toMatchObject({ verificationUri: 'https://microsoft.com/devicelogin', intervalSeconds: 7, message: 'To sign in, …' });
  });
  it.each([
    ['no device_code', { ...good, device_code: undefined }],
    ['an empty user_code', { ...good, user_code: '' }],
    ['a javascript: verification URI', { ...good, verification_uri: 'javascript:alert(1)' }],
    ['a plain-http verification URI', { ...good, verification_uri: 'http://idp.example.com/device' }],
    ['a negative expires_in', { ...good, expires_in: -1 }],
    ['a fractional interval', { ...good, interval: 0.5 }],
    ['no expires_in', { ...good, expires_in: undefined }],
  ])('refuses %s', (_name, body) => {
    expect(caught(() => processDeviceAuthorizationResponse(json(200, body), ctx)).code).toBe('DEVICE_RESPONSE_INVALID');
  });
  it('turns an OAuth error into a diagnosed error, and HTML into an unusable response', () => {
    expect(caught(() => processDeviceAuthorizationResponse(json(400, { error: 'unauthorized_client' }), { ...ctx, grant: 'device_code' })).hint).toContain('device_code grant');
    expect(caught(() => processDeviceAuthorizationResponse({ status: 200, headers: {}, body: '<html>' }, ctx)).code).toBe('UNUSABLE_RESPONSE');
    expect(caught(() => processDeviceAuthorizationResponse(json(502, 'bad gateway'), ctx)).code).toBe('SERVER_ERROR');
  });

  const pollError = (error: string) => new IdpRejectedError(Code.IDP_REJECTED, error, { details: { oauthError: error, httpStatus: 400 } });
  it('waits on authorization_pending, slows down by 5 s on slow_down, and keeps the slower pace', () => {
    const expiresAt = 1_000_000;
    expect(decidePoll(pollError('authorization_pending'), 5, 0, expiresAt)).toEqual({ action: 'wait', intervalSeconds: 5, reason: 'authorization_pending' });
    const slowed = decidePoll(pollError('slow_down'), 5, 0, expiresAt);
    expect(slowed).toEqual({ action: 'wait', intervalSeconds: 10, reason: 'slow_down' });
    expect(decidePoll(pollError('authorization_pending'), 10, 0, expiresAt)).toMatchObject({ intervalSeconds: 10 });
  });
  it('stops when the next poll would come after expiry, and on every other error', () => {
    expect(decidePoll(pollError('authorization_pending'), 5, 996_000, 1_000_000)).toMatchObject({ action: 'stop', error: { code: 'DEVICE_CODE_EXPIRED' } });
    for (const error of ['expired_token', 'access_denied', 'authorization_declined', 'invalid_grant']) {
      expect(decidePoll(pollError(error), 5, 0, 1_000_000)).toMatchObject({ action: 'stop', error: { details: { oauthError: error } } });
    }
  });
});

describe('revocation (RFC 7009) and introspection (RFC 7662)', () => {
  const endpoint = new URL('https://idp.example.com/revoke');
  const ctx = { ...generic, endpoint, secrets: ['TOK'] };
  it('builds the forms with an optional hint', () => {
    expect(revocationForm('T', 'refresh_token')).toEqual([['token', 'T'], ['token_type_hint', 'refresh_token']]);
    expect(introspectionForm('T')).toEqual([['token', 'T']]);
  });
  it('treats any 200 as revoked and an OAuth error as an error', () => {
    expect(processRevocationResponse({ status: 200, headers: {}, body: '' }, ctx)).toEqual({ revoked: true });
    expect(caught(() => processRevocationResponse(json(400, { error: 'unsupported_token_type' }), ctx)).code).toBe('IDP_REJECTED');
    expect(caught(() => processRevocationResponse(json(503, ''), ctx)).code).toBe('SERVER_ERROR');
  });
  it('reads an active introspection', () => {
    const result = processIntrospectionResponse(json(200, { active: true, scope: 'openid', client_id: 'cli', sub: 'u1', exp: 1700000000, iat: 1699990000, aud: ['a', 'b'], custom: 1 }), ctx);
    expect(result).toMatchObject({ active: true, scope: 'openid', clientId: 'cli', sub: 'u1', exp: 1700000000, aud: ['a', 'b'] });
    expect(result.claims.custom).toBe(1);
  });
  it('reports nothing but inactive for an inactive token', () => {
    expect(processIntrospectionResponse(json(200, { active: false, sub: 'leak' }), ctx)).toEqual({ active: false, claims: { active: false } });
  });
  it.each([
    ['no active', json(200, { scope: 'x' }), 'INTROSPECTION_INVALID'],
    ['active as a string', json(200, { active: 'true' }), 'INTROSPECTION_INVALID'],
    ['a string exp', json(200, { active: true, exp: 'tomorrow' }), 'INTROSPECTION_INVALID'],
    ['not JSON', { status: 200, headers: {}, body: 'ok' }, 'INTROSPECTION_INVALID'],
    ['a bare 401', { status: 401, headers: {}, body: '' }, 'INTROSPECTION_UNAUTHORIZED'],
    ['an invalid_client', json(401, { error: 'invalid_client' }), 'CLIENT_AUTH_FAILED'],
  ])('refuses %s', (_name, response, code) => {
    expect(caught(() => processIntrospectionResponse(response as RawResponse, ctx)).code).toBe(code);
  });
});

describe('userinfo', () => {
  const endpoint = new URL('https://idp.example.com/me');
  it('sends the token as a Bearer credential', () => {
    expect(buildUserinfoRequest(endpoint, 'AT').headers.authorization).toBe('Bearer AT');
  });
  it('reads the claims, which must have sub', () => {
    expect(processUserinfoResponse(json(200, { sub: 'u1', email: 'a@b' }), endpoint, [])).toEqual({ sub: 'u1', email: 'a@b' });
    expect(caught(() => processUserinfoResponse(json(200, { email: 'a@b' }), endpoint, [])).code).toBe('USERINFO_INVALID');
    expect(caught(() => processUserinfoResponse({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>' }, endpoint, [])).code).toBe('USERINFO_INVALID');
    expect(caught(() => processUserinfoResponse({ status: 200, headers: { 'content-type': 'application/jwt' }, body: 'a.b.c' }, endpoint, [])).code).toBe('USERINFO_SIGNED');
  });
  it('explains a refused token from the Bearer challenge', () => {
    expect(bearerChallenge('Bearer realm="x", error="invalid_token", error_description="expired"')).toEqual({ error: 'invalid_token', description: 'expired' });
    const refused = caught(() => processUserinfoResponse({ status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="token expired"' }, body: '' }, endpoint, []));
    expect(refused.code).toBe('USERINFO_TOKEN_REFUSED');
    expect(refused.message).toContain('invalid_token: token expired');
    expect(caught(() => processUserinfoResponse({ status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope"' }, body: '' }, endpoint, [])).code).toBe('USERINFO_INSUFFICIENT_SCOPE');
  });
});
