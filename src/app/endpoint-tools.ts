import { randomUUID } from 'node:crypto';
import { readInputFile, readInputText } from '../input-file.js';
import { Code, UsageError } from '../errors.js';
import { checkRoute, effectiveProxy } from '../http/destinations.js';
import { createDispatcher } from '../http/transport.js';
import { getResource, postAuthenticatedForm, type CallDeps } from '../oauth/call.js';
import type { ClientCredential } from '../oauth/client-auth.js';
import { resolveCredential } from '../oauth/credential.js';
import type { RequestContext as DiagnosisContext } from '../oauth/diagnose.js';
import { introspectionForm, processIntrospectionResponse, type Introspection } from '../oauth/introspection.js';
import { fetchServerMetadata } from '../oauth/live-discovery.js';
import { buildTokenRequest, type TokenRequest } from '../oauth/request.js';
import { processRevocationResponse, revocationForm, type TokenTypeHint } from '../oauth/revocation.js';
import { mergeSettings, settingsFromEnvironment, type RequestSettings } from '../oauth/settings.js';
import { buildUserinfoRequest, processUserinfoResponse } from '../oauth/userinfo.js';
import { resolveProfileName } from '../profiles/paths.js';
import type { AppContext } from './context.js';
import { refreshTokenAccount } from '../profiles/accounts.js';
import { bindingMismatch, revocationMismatch, type RefreshTokenRecord, type TokenBinding } from '../profiles/refresh-token.js';
import { signInSetup, storedSignIn, tokenBinding, transportFor } from './login.js';
import { readGivenSecrets, secretLookup, secretReaders, type SecretSources } from './secret-sources.js';
import { openProfileSession, withProfileWriteLock, type ProfileSession } from './session.js';
import { needEndpoint, resolveSignInEndpoints, type SignInEndpoints } from './signin-endpoints.js';

export interface EndpointToolOptions {
  /** -p NAME; undefined: the endpoint and client come from flags alone. */
  profile: string | undefined;
  /** Flags: --issuer, --tenant, --token-url, --introspection-url, --client-id, … */
  settings: RequestSettings;
  secrets: SecretSources;
}

/** A client at a server's endpoints: a profile's, or one described by flags alone. */
interface Client {
  settings: RequestSettings;
  endpoints: SignInEndpoints;
  credential: ClientCredential;
  identity: TokenRequest;
  session?: ProfileSession;
  /** A profile's client: where its refresh token may go now. */
  binding?: TokenBinding;
  diagnosis: DiagnosisContext;
  secrets: string[];
}

const usesProfile = (options: EndpointToolOptions, env: Record<string, string | undefined>) => options.profile !== undefined || (Boolean(env.TOKENCTL_PROFILE) && !hasEndpointFlags(options.settings));
const hasEndpointFlags = (settings: RequestSettings) => Boolean(settings.issuer || settings.tenant || settings.tokenUrl || settings.introspectionUrl || settings.revocationUrl || settings.userinfoUrl);

/** The client, authenticated (`needsCredential`) or only named. */
async function openClient(options: EndpointToolOptions, context: AppContext, needsCredential: boolean): Promise<Client> {
  let session: ProfileSession | undefined;
  let settings: RequestSettings;
  let credential: ClientCredential;
  let endpoints: SignInEndpoints;
  let binding: TokenBinding | undefined;
  if (usesProfile(options, context.env)) {
    session = await openProfileSession(resolveProfileName(options.profile, context.env), options.settings, context);
    const setup = await signInSetup(session, options.secrets, context);
    ({ settings } = session);
    ({ credential, endpoints } = setup);
    binding = tokenBinding(setup);
  } else {
    settings = mergeSettings(options.settings, settingsFromEnvironment(context.env));
    if (!hasEndpointFlags(settings)) {
      throw new UsageError(Code.NO_ENDPOINT, 'no server given: name a profile with -p, or give --issuer (or the endpoint URL)', {
        hint: 'For example: -p sso, or --issuer https://idp.example.com --client-id app',
      });
    }
    // An endpoint URL alone is enough: the token URL is only where it would otherwise come from.
    const planned = settings.issuer || settings.tenant || settings.tokenUrl ? settings : { ...settings, tokenUrl: (settings.introspectionUrl ?? settings.revocationUrl ?? settings.userinfoUrl) as string };
    endpoints = await resolveSignInEndpoints(planned, await transportFor(settings, context.env), fetchServerMetadata);
    if (needsCredential) {
      const given = await readGivenSecrets(options.secrets, secretReaders(context, settings));
      credential = await resolveCredential(settings, secretLookup(given), readInputFile);
    } else {
      credential = { kind: 'none', source: 'no client authentication' };
    }
  }
  if (needsCredential && !settings.clientId) {
    throw new UsageError(Code.CLIENT_ID_MISSING, 'no client ID given: the server authenticates the client that asks', { hint: 'Pass --client-id, or use a profile with -p.' });
  }
  const identity = buildTokenRequest({ ...settings, clientId: settings.clientId ?? 'none' }, endpoints.endpoint, credential, { kind: 'refresh_token', form: [] });
  return {
    settings,
    endpoints,
    credential,
    identity,
    ...(session ? { session } : {}),
    ...(binding ? { binding } : {}),
    diagnosis: {
      provider: endpoints.endpoint.provider,
      tokenUrl: endpoints.endpoint.tokenUrl,
      authMethod: identity.authMethod,
      clientId: settings.clientId ?? '',
      profile: session?.profile.name,
      publicClient: credential.kind === 'none',
    },
    secrets: credential.kind === 'secret' ? [credential.secret] : [],
  };
}

/** Calls `url` with the client's transport; its host (and proxy) must pass TOKENCTL_ALLOWED_HOSTS before anything is sent. */
async function withCallDeps<T>(client: Client, context: AppContext, url: URL, role: string, fn: (deps: CallDeps) => Promise<T>): Promise<T> {
  const what = role === 'userinfo endpoint' ? 'the access token' : client.identity.credential.kind === 'none' ? `a token of public client ${client.identity.clientId}` : `the credentials of client ${client.identity.clientId}`;
  for (const secret of client.secrets) context.reporter.conceal(secret, client.settings.clientId);
  const transport = await transportFor(client.settings, context.env);
  checkRoute(url, role, transport.proxy, context.env);
  const proxy = effectiveProxy(url, transport.proxy, context.env);
  context.reporter.sending(`${what} to ${url.hostname}${proxy ? ` through the proxy ${proxy.hostname}` : ''}`);
  const dispatcher = createDispatcher(transport);
  try {
    return await fn({ dispatcher, now: () => context.now(), newJti: randomUUID, readText: readInputText, trace: (event) => context.reporter.trace(event) });
  } finally {
    await dispatcher.destroy();
  }
}

/** The profile's current access token (cached, else refreshed), for the tools that take one. */
async function profileAccessToken(client: Client, options: EndpointToolOptions, context: AppContext): Promise<string> {
  const { getToken } = await import('./token.js');
  const name = client.session?.profile.name;
  const { token } = await getToken({ profile: name, settings: options.settings, secrets: options.secrets, minValiditySeconds: 30, refresh: false, noCache: false }, context);
  return token.accessToken;
}

function tokenNeeded(): UsageError {
  return new UsageError(Code.TOKEN_MISSING, 'no token given', { hint: 'Pass the token as an argument or on stdin (-), or name a profile with -p to use its current token.' });
}

/** `tokenctl userinfo`: the claims the userinfo endpoint returns for an access token. */
export async function userinfo(options: EndpointToolOptions & { token: string | undefined }, context: AppContext): Promise<Record<string, unknown>> {
  const client = await openClient(options, context, false);
  const endpoint = needEndpoint(client.endpoints, 'userinfo', 'userinfo');
  const accessToken = options.token ?? (client.session ? await profileAccessToken(client, options, context) : undefined);
  if (!accessToken) throw tokenNeeded();
  const timeoutMs = client.identity.timeoutMs;
  const response = await withCallDeps(client, context, endpoint, 'userinfo endpoint', (deps) => getResource(buildUserinfoRequest(endpoint, accessToken), deps, timeoutMs));
  return processUserinfoResponse(response, endpoint, [accessToken]);
}

/** `tokenctl introspect`: the server's verdict on a token (RFC 7662), asked as the client. */
export async function introspect(options: EndpointToolOptions & { token: string | undefined; hint?: TokenTypeHint | undefined }, context: AppContext): Promise<Introspection> {
  const client = await openClient(options, context, true);
  const endpoint = needEndpoint(client.endpoints, 'introspection', 'introspection');
  const token = options.token ?? (client.session ? await profileAccessToken(client, options, context) : undefined);
  if (!token) throw tokenNeeded();
  const hint = options.hint ?? (options.token === undefined ? 'access_token' : undefined);
  const response = await withCallDeps(client, context, endpoint, 'introspection endpoint', (deps) => postAuthenticatedForm(endpoint, introspectionForm(token, hint), client.identity, deps, client.identity.timeoutMs));
  return processIntrospectionResponse(response, { ...client.diagnosis, endpoint, secrets: [...client.secrets, token] });
}

export interface RevokeResult {
  revoked: true;
  endpoint: string;
  /** The profile whose client revoked it; null without one. */
  profile: string | null;
  /** The token revoked: the profile's refresh or access token, or one given with its hint (null: no hint). */
  tokenType: TokenTypeHint | null;
  /** The profile kept that token, and has forgotten it: a revoked token is never handed out again. */
  forgotten: boolean;
}

/** Why the profile's refresh token may not be sent to this revocation endpoint, or undefined when it may. */
function refreshTokenProblem(record: RefreshTokenRecord | undefined, client: Client, endpoint: URL): string | undefined {
  if (!record) return 'it does not say which server and client it was issued for (an earlier tokenctl stored it)';
  return bindingMismatch(record.issuedFor, client.binding as TokenBinding) ?? revocationMismatch(record.issuedFor, endpoint);
}

function sendRevocation(client: Client, endpoint: URL, token: string, hint: TokenTypeHint | undefined, context: AppContext): Promise<{ revoked: true }> {
  return withCallDeps(client, context, endpoint, 'revocation endpoint', (deps) => postAuthenticatedForm(endpoint, revocationForm(token, hint), client.identity, deps, client.identity.timeoutMs)).then((response) =>
    processRevocationResponse(response, { ...client.diagnosis, endpoint, secrets: [...client.secrets, token] }),
  );
}

/**
 * `tokenctl revoke`: the server forgets a token (RFC 7009). Given a token, that one; with -p and no
 * token, the profile's own: its refresh token (which ends the sign-in, as logout does, and with it
 * the access tokens the server issued from it), or with --token-type-hint access_token its cached
 * access token. Either way a token the profile keeps is forgotten once revoked, so `token -p` never
 * hands out a dead one.
 */
export async function revoke(options: EndpointToolOptions & { token: string | undefined; hint?: TokenTypeHint | undefined }, context: AppContext): Promise<RevokeResult> {
  if (!options.token && !usesProfile(options, context.env)) throw tokenNeeded();
  const client = await openClient(options, context, true);
  const endpoint = needEndpoint(client.endpoints, 'revocation', 'revocation');
  const session = client.session;
  const given = options.token;
  if (!session) {
    await sendRevocation(client, endpoint, given as string, options.hint, context);
    return { revoked: true, endpoint: endpoint.href, profile: null, tokenType: options.hint ?? null, forgotten: false };
  }
  const name = session.profile.name;
  return withProfileWriteLock(context.layout, name, async () => {
    const { stored, record } = await storedSignIn(session);
    const cached = await session.cache.read(name, session.cacheKey);
    if (given !== undefined) {
      await sendRevocation(client, endpoint, given, options.hint, context);
      const isRefreshToken = record?.refreshToken === given;
      if (isRefreshToken) await session.store.delete(refreshTokenAccount(name));
      // The access token just revoked, or every one issued from a revoked refresh token.
      const forgetAccess = isRefreshToken || cached?.accessToken === given;
      if (forgetAccess) await session.cache.delete(name);
      return { revoked: true, endpoint: endpoint.href, profile: name, tokenType: options.hint ?? (isRefreshToken ? 'refresh_token' : cached?.accessToken === given ? 'access_token' : null), forgotten: forgetAccess };
    }
    const tokenType: TokenTypeHint = options.hint ?? (stored ? 'refresh_token' : 'access_token');
    if (tokenType === 'refresh_token') {
      if (!stored) {
        const { loginRequired } = await import('./user-token.js');
        throw loginRequired(name, 'it keeps no refresh token to revoke (nobody signed in, or logged out)');
      }
      const problem = refreshTokenProblem(record, client, endpoint);
      if (problem) {
        const { loginRequired } = await import('./user-token.js');
        throw loginRequired(name, `its refresh token is not sent to ${endpoint.host}: ${problem}`);
      }
      await sendRevocation(client, endpoint, (record as RefreshTokenRecord).refreshToken, 'refresh_token', context);
      await session.store.delete(refreshTokenAccount(name));
      await session.cache.delete(name);
      return { revoked: true, endpoint: endpoint.href, profile: name, tokenType, forgotten: true };
    }
    if (!cached) {
      throw new UsageError(Code.TOKEN_MISSING, `profile ${name} has no cached access token to revoke`, {
        hint: stored ? `Revoke its refresh token instead (tokenctl revoke -p ${name}), or pass the token.` : 'Pass the token as an argument or on stdin (-).',
      });
    }
    await sendRevocation(client, endpoint, cached.accessToken, 'access_token', context);
    await session.cache.delete(name);
    return { revoked: true, endpoint: endpoint.href, profile: name, tokenType, forgotten: true };
  });
}

export interface LogoutResult {
  profile: string;
  /** Where the tokens were revoked; null when the server has no revocation endpoint (Entra ID). */
  revocationEndpoint: string | null;
  revoked: { refreshToken: boolean; accessToken: boolean };
  /** The tokens kept on this machine are gone, revoked or not. */
  forgotten: true;
}

/**
 * `tokenctl logout`: the refresh token (and access token) revoked where the server can, then
 * forgotten here in any case; the profile stays. A revocation that failed is reported after the
 * tokens are gone, so a dead network never leaves them behind. A refresh token goes only to the
 * revocation endpoint of the server and client it was issued for.
 */
export async function logout(options: { profile: string | undefined; secrets: SecretSources }, context: AppContext): Promise<LogoutResult> {
  const client = await openClient({ profile: resolveProfileName(options.profile, context.env), settings: {}, secrets: options.secrets }, context, true);
  const session = client.session as ProfileSession;
  const name = session.profile.name;
  const { checkUserGrantProfile } = await import('./login.js');
  checkUserGrantProfile(session.profile, 'log out of');
  const endpoint = client.endpoints.revocation;
  return withProfileWriteLock(context.layout, name, async () => {
    const { stored, record } = await storedSignIn(session);
    const cached = await session.cache.read(name, session.cacheKey);
    const revoked = { refreshToken: false, accessToken: false };
    let failure: unknown;
    if (endpoint) {
      const problem = stored ? refreshTokenProblem(record, client, endpoint) : undefined;
      if (problem) context.reporter.warn(`the refresh token is not revoked (it is not sent to ${endpoint.host}: ${problem}); it is forgotten here, and stays valid at the server that issued it until it expires`);
      try {
        if (record && !problem) revoked.refreshToken = (await sendRevocation(client, endpoint, record.refreshToken, 'refresh_token', context)).revoked;
        if (cached) revoked.accessToken = (await sendRevocation(client, endpoint, cached.accessToken, 'access_token', context)).revoked;
      } catch (error) {
        failure = error;
      }
    } else if (stored) {
      context.reporter.warn(`${client.endpoints.endpoint.provider === 'entra' ? 'Entra ID has' : 'the server has'} no revocation endpoint: the tokens are forgotten here, but stay valid until they expire`);
    }
    await session.store.delete(refreshTokenAccount(name));
    await session.cache.delete(name);
    if (failure) {
      const error = failure as Error & { hint?: string };
      throw Object.assign(error, { message: `the tokens of profile ${name} are forgotten here, but revoking them failed: ${error.message}` });
    }
    return { profile: name, revocationEndpoint: endpoint?.href ?? null, revoked, forgotten: true as const };
  });
}

/** The ID token of the profile's last sign-in (or refresh), for `decode -p NAME --id-token`. */
export async function profileIdToken(name: string | undefined, context: AppContext): Promise<string> {
  const session = await openProfileSession(resolveProfileName(name, context.env), {}, context);
  const cached = await session.cache.read(session.profile.name, session.cacheKey);
  if (!cached?.idToken) {
    const { loginRequired } = await import('./user-token.js');
    throw loginRequired(session.profile.name, 'no ID token is kept for it');
  }
  return cached.idToken;
}
