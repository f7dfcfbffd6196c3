import { randomBytes, randomUUID } from 'node:crypto';
import { readInputFile, readInputText } from '../input-file.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, Code, IdpRejectedError, NetworkError, UsageError } from '../errors.js';
import { loadExtraCaPems } from '../http/ca.js';
import { getJson } from '../http/get-json.js';
import { checkRoute } from '../http/destinations.js';
import { createDispatcher, type TransportOptions } from '../http/transport.js';
import { parseProxyUrl } from '../http/url-policy.js';
import { verifyIdToken, signedInUser, type SignedInUser } from '../jwt/id-token.js';
import { authorizationCodeForm, buildAuthorizationRequest, processAuthorizationCallback } from '../oauth/authorization.js';
import { postAuthenticatedForm } from '../oauth/call.js';
import type { ClientCredential } from '../oauth/client-auth.js';
import { resolveCredential } from '../oauth/credential.js';
import { decidePoll, deviceAuthorizationForm, deviceCodeForm, processDeviceAuthorizationResponse, type DeviceAuthorization } from '../oauth/device.js';
import type { RequestContext as DiagnosisContext } from '../oauth/diagnose.js';
import { fetchServerMetadata } from '../oauth/live-discovery.js';
import { buildTokenRequest, type TokenRequest, type UserGrant } from '../oauth/request.js';
import { isUserGrant, type RequestSettings } from '../oauth/settings.js';
import type { TokenResult } from '../oauth/token-response.js';
import { refreshTokenAccount } from '../profiles/accounts.js';
import type { Profile } from '../profiles/profile.js';
import { parseRefreshToken, serializeRefreshToken, type TokenBinding } from '../profiles/refresh-token.js';
import type { AppContext } from './context.js';
import { readGivenSecrets, secretLookup, secretReaders, sessionSecrets, type SecretSources } from './secret-sources.js';
import { openProfileSession, toCache, withProfileWriteLock, type ProfileSession } from './session.js';
import { canVerifyIdTokens, idTokenIssuer, needEndpoint, resolveSignInEndpoints, signInScopes, type SignInEndpoints } from './signin-endpoints.js';
import { sendTokenRequest } from './token-request.js';

/** Sign-in defaults: long enough to type a password and pass MFA, short enough that a forgotten login ends. */
export const DEFAULT_LOGIN_TIMEOUT_SECONDS = 300;
const ID_TOKEN_LEEWAY_SECONDS = 300;

export interface LoginOptions {
  profile: string;
  /** RFC 8628 instead of the browser redirect (also what a device_code profile does). */
  device: boolean;
  /** Open the system browser; false prints the URL only. */
  browser: boolean;
  prompt?: string | undefined;
  loginHint?: string | undefined;
  params?: Array<[string, string]> | undefined;
  /** Bound on the whole sign-in, the user's part included. */
  timeoutSeconds?: number | undefined;
  secrets: SecretSources;
}

/** What the user must see and do: the URL to open or the code to enter. The command decides how to show it. */
export type SignInPrompt =
  | { kind: 'browser'; url: string; opened: boolean }
  | { kind: 'device'; authorization: DeviceAuthorization }
  | { kind: 'waiting'; seconds: number };

export interface LoginEdges {
  /** Opens the URL in the user's browser; rejects when there is none. */
  openBrowser(url: string): Promise<void>;
  show(prompt: SignInPrompt): void;
}

export interface LoginResult {
  profile: string;
  grant: 'authorization_code' | 'device_code';
  /** Who signed in, from the verified ID token; undefined when the server sent none. */
  user: SignedInUser | undefined;
  accessTokenExpiresAt: string | undefined;
  scope: string | undefined;
  refreshTokenStored: boolean;
}

export const isUserGrantProfile = (profile: Profile): boolean => isUserGrant(profile.settings);

export function checkUserGrantProfile(profile: Profile, command: string): void {
  if (!isUserGrantProfile(profile)) {
    throw new UsageError(Code.PROFILE_NOT_SIGN_IN, `profile ${profile.name} uses the client-credentials grant: no user signs in with it, so there is nothing to ${command}`, {
      hint: `Make it a sign-in profile: tokenctl configure -p ${profile.name} --grant authorization_code (or device_code).`,
    });
  }
}

export async function transportFor(settings: RequestSettings, env: Record<string, string | undefined>): Promise<TransportOptions> {
  return { proxy: settings.proxy ? parseProxyUrl(settings.proxy) : undefined, extraCaPems: await loadExtraCaPems(settings.caFile, env) };
}

/** The profile's client credential: none for a public client, else its secret or certificate by the usual order of sources. */
export async function profileCredential(session: ProfileSession, sources: SecretSources, context: AppContext): Promise<ClientCredential> {
  const given = await readGivenSecrets(sources, secretReaders(context, session.settings));
  return resolveCredential(session.settings, secretLookup(given, sessionSecrets(session, context)), readInputFile);
}

/** Everything a flow with a sign-in profile needs: its session, endpoints, credential and transport. */
export interface SignInSetup {
  session: ProfileSession;
  endpoints: SignInEndpoints;
  credential: ClientCredential;
  transport: TransportOptions;
  /** A token request of this profile for a user grant. */
  request(grant: Omit<UserGrant, 'profile'>): TokenRequest;
}

export async function openSignIn(name: string, flagSettings: RequestSettings, sources: SecretSources, context: AppContext): Promise<SignInSetup> {
  return signInSetup(await openProfileSession(name, flagSettings, context), sources, context);
}

export async function signInSetup(session: ProfileSession, sources: SecretSources, context: AppContext): Promise<SignInSetup> {
  const name = session.profile.name;
  const transport = await transportFor(session.settings, context.env);
  const endpoints = await resolveSignInEndpoints(session.settings, transport, fetchServerMetadata);
  const credential = await profileCredential(session, sources, context);
  // The client's secret never shows in --verbose or an error, whatever a server echoes.
  if (credential.kind === 'secret') context.reporter.conceal(credential.secret, session.settings.clientId);
  return {
    session,
    endpoints,
    credential,
    transport,
    request: (grant) => buildTokenRequest(session.settings, endpoints.endpoint, credential, { ...grant, profile: name }),
  };
}

export function diagnosisContext(setup: SignInSetup, grant: DiagnosisContext['grant'], redirectUri?: string): DiagnosisContext {
  const { endpoint } = setup.endpoints;
  return {
    provider: endpoint.provider,
    tokenUrl: endpoint.tokenUrl,
    authMethod: setup.request({ kind: 'refresh_token', form: [] }).authMethod,
    tenant: endpoint.provider === 'entra' ? endpoint.tenant : undefined,
    clientId: setup.session.settings.clientId ?? '',
    grant,
    redirectUri,
    profile: setup.session.profile.name,
    publicClient: setup.credential.kind === 'none',
  };
}

/** The scopes of this sign-in, refused before the user does anything if an ID token could not be verified. */
function checkedSignInScopes(setup: SignInSetup): string[] {
  const scopes = signInScopes(setup.session.settings, setup.endpoints);
  if (scopes.includes('openid') && !canVerifyIdTokens(setup.endpoints)) {
    // Found now, not after the user signed in and the tokens were already issued.
    throw new UsageError(Code.ID_TOKEN_UNVERIFIABLE, 'the openid scope asks for an ID token, but tokenctl does not know the issuer and its keys (JWKS) to verify it', {
      hint: `Give the profile its issuer, whose metadata names the keys: tokenctl configure -p ${setup.session.profile.name} --issuer URL; or leave openid out of --scope.`,
    });
  }
  return scopes;
}

/** The browser's failure page: the error's message, without the code, state or verifier of this attempt. */
function failurePageMessage(error: unknown, secrets: string[]): string {
  let message = error instanceof CliError ? error.message : 'an unexpected error';
  for (const secret of secrets) if (secret) message = message.split(secret).join('…');
  return message;
}

/**
 * The authorization code flow: a loopback listener, the browser, one callback; the code exchanged
 * and the ID token verified before the browser is told the sign-in worked.
 */
async function signInWithBrowser(setup: SignInSetup, scopes: string[], options: LoginOptions, edges: LoginEdges, context: AppContext, deadline: AbortSignal): Promise<SignedIn> {
  const { settings } = setup.session;
  const authorizationEndpoint = needEndpoint(setup.endpoints, 'authorization', 'authorization');
  const { startLoopbackListener, SIGN_IN_PAGES } = await import('../http/loopback.js');
  const listener = await startLoopbackListener({ port: settings.redirectPort ?? 0, host: settings.redirectHost ?? '127.0.0.1', pages: SIGN_IN_PAGES });
  try {
    const authorization = buildAuthorizationRequest(
      {
        authorizationEndpoint,
        clientId: settings.clientId ?? '',
        redirectUri: listener.redirectUri,
        scopes,
        prompt: options.prompt,
        loginHint: options.loginHint,
        params: options.params,
      },
      randomBytes,
    );
    let opened = false;
    if (options.browser) {
      opened = await edges.openBrowser(authorization.url.href).then(
        () => true,
        (error: unknown) => (context.reporter.detail(`could not open a browser: ${(error as Error).message}`), false),
      );
    }
    edges.show({ kind: 'browser', url: authorization.url.href, opened });
    const callback = await listener.callback(deadline).catch((error: unknown) => {
      throw deadline.aborted ? loginTimeout(options, { redirectUri: listener.redirectUri, entra: setup.endpoints.endpoint.provider === 'entra' }) : error;
    });
    let code = '';
    try {
      ({ code } = processAuthorizationCallback(callback.url, {
        state: authorization.state,
        issuer: setup.endpoints.issuer,
        context: diagnosisContext(setup, 'authorization_code', listener.redirectUri),
      }));
      const request = setup.request({ kind: 'authorization_code', form: authorizationCodeForm(code, listener.redirectUri, authorization.codeVerifier), redirectUri: listener.redirectUri });
      const token = (await sendTokenRequest({ request, transport: setup.transport }, context)).token;
      const signedIn = await withSignedInUser(setup, token, authorization.nonce, scopes, context);
      callback.answer({ ok: true });
      return signedIn;
    } catch (error) {
      callback.answer({ ok: false, message: failurePageMessage(error, [code, authorization.state, authorization.codeVerifier]) });
      throw error;
    }
  } finally {
    await listener.close();
  }
}

function loginTimeout(options: LoginOptions, redirect?: { redirectUri: string; entra: boolean }): NetworkError {
  const seconds = options.timeoutSeconds ?? DEFAULT_LOGIN_TIMEOUT_SECONDS;
  const again = `run tokenctl login -p ${options.profile} again${options.timeoutSeconds === undefined ? ', or give more time with --timeout SECONDS' : ''}`;
  if (!redirect) return new NetworkError(Code.LOGIN_TIMEOUT, `the sign-in was not completed within ${seconds} s`, { hint: `${again[0]?.toUpperCase()}${again.slice(1)}.` });
  // A server that does not know the redirect URI shows its error in the browser and never comes back: say what was sent.
  const register = redirect.entra
    ? `in the app registration (Authentication), add http://localhost under "Mobile and desktop applications" (any port matches it) and send that one: tokenctl configure -p ${options.profile} --redirect-host localhost`
    : 'register it for the client exactly (a server that follows RFC 8252 accepts any port of a registered http://127.0.0.1/ or http://localhost/)';
  return new NetworkError(Code.LOGIN_TIMEOUT, `the sign-in was not completed within ${seconds} s: the browser never came back to ${redirect.redirectUri}`, {
    hint:
      `If the browser showed an error about the redirect URI (AADSTS50011, invalid_redirect_uri, "redirect_uri did not match"), the server does not know the one tokenctl sent, ${redirect.redirectUri}: ` +
      `${register}; or make tokenctl send the registered one: tokenctl configure -p ${options.profile} --redirect-host 127.0.0.1|localhost --redirect-port PORT. Otherwise ${again}.`,
  });
}

/** RFC 8628: the code shown to the user, then the token endpoint polled at the server's pace. */
async function signInWithDeviceCode(setup: SignInSetup, scopes: string[], options: LoginOptions, edges: LoginEdges, context: AppContext, deadline: AbortSignal): Promise<TokenResult> {
  const endpointUrl = needEndpoint(setup.endpoints, 'deviceAuthorization', 'device authorization');
  const identity = setup.request({ kind: 'device_code', form: [] });
  checkRoute(endpointUrl, 'device authorization endpoint', setup.transport.proxy, context.env);
  const dispatcher = createDispatcher(setup.transport);
  const secrets = setup.credential.kind === 'secret' ? [setup.credential.secret] : [];
  let authorization: DeviceAuthorization;
  try {
    const response = await postAuthenticatedForm(
      endpointUrl,
      deviceAuthorizationForm(scopes),
      identity,
      { dispatcher, now: () => context.now(), newJti: randomUUID, readText: readInputText, trace: (event) => context.reporter.trace(event) },
      identity.timeoutMs,
    );
    authorization = processDeviceAuthorizationResponse(response, { ...diagnosisContext(setup, 'device_code'), endpoint: endpointUrl, secrets });
  } finally {
    await dispatcher.destroy();
  }
  edges.show({ kind: 'device', authorization });
  const expiresAt = context.now().getTime() + authorization.expiresIn * 1000;
  let interval = authorization.intervalSeconds;
  for (;;) {
    try {
      await sleep(interval * 1000, undefined, { signal: deadline });
    } catch {
      throw loginTimeout(options);
    }
    const request = setup.request({ kind: 'device_code', form: deviceCodeForm(authorization.deviceCode) });
    try {
      return (await sendTokenRequest({ request, transport: setup.transport }, context)).token;
    } catch (error) {
      if (!(error instanceof IdpRejectedError)) throw error;
      const decision = decidePoll(error, interval, context.now().getTime(), expiresAt);
      if (decision.action === 'stop') throw decision.error;
      if (decision.reason === 'slow_down') context.reporter.detail(`the server asked to poll more slowly: every ${decision.intervalSeconds} s`);
      interval = decision.intervalSeconds;
    }
  }
}

/** Verifies the ID token against the issuer's published keys, and says who signed in. */
export async function verifiedUser(setup: SignInSetup, idToken: string, nonce: string | undefined, context: AppContext): Promise<SignedInUser> {
  const { endpoints, session } = setup;
  const unverified = (() => {
    try {
      return JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  })();
  const issuer = idTokenIssuer(endpoints, unverified.tid);
  if (!issuer || !endpoints.jwks) {
    throw new UsageError(Code.ID_TOKEN_UNVERIFIABLE, 'the server sent an ID token, but tokenctl does not know the issuer and its keys to verify it', {
      hint: `Give the profile its issuer: tokenctl configure -p ${session.profile.name} --issuer URL.`,
    });
  }
  const jwks = await getJson(endpoints.jwks, { ...setup.transport, timeoutMs: (session.settings.timeoutSeconds ?? 30) * 1000, what: 'JWKS' });
  const claims = await verifyIdToken(idToken, jwks as never, {
    issuer,
    clientId: session.settings.clientId ?? '',
    nonce,
    now: context.now(),
    leewaySeconds: ID_TOKEN_LEEWAY_SECONDS,
  });
  return signedInUser(claims);
}

/** The tokens of a sign-in, and who signed in (undefined without a verified ID token). */
interface SignedIn {
  token: TokenResult;
  user: SignedInUser | undefined;
}

/**
 * Who signed in, from the ID token, verified. One the client did not ask for (no openid) that cannot
 * be verified is left out with a warning: the sign-in itself is good.
 */
async function withSignedInUser(setup: SignInSetup, token: TokenResult, nonce: string | undefined, scopes: string[], context: AppContext): Promise<SignedIn> {
  if (!token.idToken) return { token, user: undefined };
  if (!scopes.includes('openid') && !canVerifyIdTokens(setup.endpoints)) {
    context.reporter.warn('the server sent an ID token nobody asked for (no openid scope), and its issuer is unknown: it is not kept');
    return { token: { ...token, idToken: undefined }, user: undefined };
  }
  return { token, user: await verifiedUser(setup, token.idToken, nonce, context) };
}

/** Where a profile's refresh token may go: the token endpoint and client of this setup. */
export function tokenBinding(setup: SignInSetup): TokenBinding {
  const { endpoints, session } = setup;
  return {
    tokenUrl: endpoints.endpoint.tokenUrl.href,
    clientId: session.settings.clientId ?? '',
    ...(endpoints.issuer !== undefined ? { issuer: endpoints.issuer } : {}),
    ...(endpoints.revocation !== undefined ? { revocationUrl: endpoints.revocation.href } : {}),
  };
}

/**
 * Saves what a sign-in or refresh brought, under the profile's lock: the refresh token first (the
 * server may already have retired the old one), then the access and ID tokens in the encrypted cache.
 */
export async function saveTokens(
  session: ProfileSession,
  token: TokenResult,
  obtainedAt: Date,
  context: AppContext,
  /** The sign-in these tokens continue: where its refresh token belongs (a refresh keeps what the sign-in bound), when, who. */
  signIn: { issuedFor: TokenBinding; signedInAt: string; user?: string | undefined },
  options: { keepIdToken?: string | undefined } = {},
): Promise<boolean> {
  const { profile, store, cache, cacheKey } = session;
  if (token.refreshToken) {
    await store.set(refreshTokenAccount(profile.name), serializeRefreshToken({ ...signIn, refreshToken: token.refreshToken }));
  }
  const entry = toCache({ ...token, idToken: token.idToken ?? options.keepIdToken }, obtainedAt, undefined);
  try {
    if (entry) await cache.write(profile.name, cacheKey, entry);
  } catch (error) {
    context.reporter.warn(`could not cache the access token: ${(error as Error).message}`);
  }
  return token.refreshToken !== undefined;
}

/** The profile's sign-in as its secret store holds it: the refresh token and where it belongs, or undefined. */
export async function storedSignIn(session: Pick<ProfileSession, 'profile' | 'store'>): Promise<{ stored: boolean; record: ReturnType<typeof parseRefreshToken> }> {
  const value = await session.store.get(refreshTokenAccount(session.profile.name));
  return { stored: value !== null, record: value === null ? undefined : parseRefreshToken(value) };
}

/** `tokenctl login`: a user signs in, and the profile keeps the tokens. */
export async function login(options: LoginOptions, context: AppContext, edges: LoginEdges): Promise<LoginResult> {
  const setup = await openSignIn(options.profile, {}, options.secrets, context);
  const { profile } = setup.session;
  checkUserGrantProfile(profile, 'sign in to');
  const device = options.device || profile.settings.grant === 'device_code';
  if (device && (options.prompt || options.params?.length)) {
    throw new UsageError(Code.CONFLICTING_OPTIONS, '--prompt and --param shape the browser sign-in; the device flow has no such parameters', { hint: 'Leave them out with --device.' });
  }
  const scopes = checkedSignInScopes(setup);
  const deadline = AbortSignal.timeout((options.timeoutSeconds ?? DEFAULT_LOGIN_TIMEOUT_SECONDS) * 1000);
  const obtainedAt = context.now();
  const { token, user } = device
    ? await withSignedInUser(setup, await signInWithDeviceCode(setup, scopes, options, edges, context, deadline), undefined, scopes, context)
    : await signInWithBrowser(setup, scopes, options, edges, context, deadline);
  if (!token.refreshToken) {
    context.reporter.warn('the server issued no refresh token: once the access token expires, tokenctl login is needed again (ask for the offline_access scope, or allow refresh tokens for the client)');
  }
  const refreshTokenStored = await withProfileWriteLock(context.layout, profile.name, async () => {
    // A refresh token of an earlier sign-in belongs to another session: it is replaced, or dropped.
    if (!token.refreshToken) await setup.session.store.delete(refreshTokenAccount(profile.name));
    return saveTokens(setup.session, token, obtainedAt, context, { issuedFor: tokenBinding(setup), signedInAt: obtainedAt.toISOString(), user: user?.username ?? user?.subject });
  });
  return {
    profile: profile.name,
    grant: device ? 'device_code' : 'authorization_code',
    user,
    accessTokenExpiresAt: token.expiresAt?.toISOString(),
    scope: token.scope,
    refreshTokenStored,
  };
}

/** configure's live check of a sign-in profile: the server has the endpoints its grant needs. */
export async function checkSignInEndpoints(settings: RequestSettings, context: AppContext): Promise<void> {
  const endpoints = await resolveSignInEndpoints(settings, await transportFor(settings, context.env), fetchServerMetadata);
  const url = settings.grant === 'device_code' ? needEndpoint(endpoints, 'deviceAuthorization', 'device authorization') : needEndpoint(endpoints, 'authorization', 'authorization');
  context.reporter.detail(`sign-in goes through ${url.href}`);
}
