import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import forge from 'node-forge';
import type * as OidcProviderModule from 'oidc-provider';
import type { Adapter, AdapterPayload, ClientMetadata, Configuration, KoaContextWithOIDC } from 'oidc-provider';

type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

/**
 * A real OpenID provider (panva's oidc-provider) on loopback, for integration tests of client-credentials requests.
 *
 * Client assertions (private_key_jwt): oidc-provider 9 accepts as `aud` the issuer, the token endpoint URL, or an
 * array containing either (outside its FAPI 2.0 profile, which requires exactly the issuer). The issuer as a single
 * string is what RFC 7523bis and FAPI 2.0 ask clients to send, and it works here; so does the token endpoint.
 */

export interface OidcProviderOptions {
  /** The one RFC 8707 resource indicator the provider knows, also used when a request names none. */
  resource?: string;
  /** The scopes that resource grants; requested scopes outside it are silently left out of the token. */
  scope?: string;
  accessTokenTtlSeconds?: number;
  /**
   * Also act as the identity provider users sign in to: authorization code with PKCE, the device flow,
   * refresh tokens rotated on every use, introspection, revocation and userinfo, with oidc-provider's
   * own login and consent pages (any login name and password signs in as that user).
   */
  signIn?: boolean;
  /** Lifetime of sign-in access tokens (default 3600 s, as at most providers). */
  signInAccessTokenTtlSeconds?: number;
}

export interface SignInClients {
  /** A native public client: no secret, loopback redirect on any port, PKCE. */
  public: { clientId: string };
  /** A native confidential client, authenticating with client_secret_basic. */
  confidential: SecretClient;
  /** The redirect URIs registered for both (the port of a loopback URI is not compared). */
  redirectUris: string[];
}

export interface RecordedRequest {
  path: string;
  method: string;
  authorization?: string;
  /** The parsed form body; a repeated parameter shows as an array (and the provider refuses it). */
  form: Record<string, string | string[]>;
}

export interface SecretClient {
  clientId: string;
  clientSecret: string;
}

export interface KeyClient {
  clientId: string;
  /** PKCS#8 PEM of the RSA key whose public half is registered in the client's jwks. */
  privateKeyPath: string;
  /** Self-signed X.509 certificate (PEM) for that key, for clients that send x5t / x5t#S256. */
  certificatePath: string;
  /** The registered key's kid (its RFC 7638 thumbprint): an assertion may omit kid, but one naming another is refused. */
  keyId: string;
}

export interface OidcProviderHarness {
  /** http://127.0.0.1:PORT */
  issuer: string;
  tokenEndpoint: string;
  resource: string;
  scope: string;
  clients: { clientSecretBasic: SecretClient; clientSecretPost: SecretClient; privateKeyJwt: KeyClient };
  /** Present with the signIn option. */
  signInClients: SignInClients;
  /** The lifetime of sign-in access tokens issued from now on. */
  setSignInAccessTokenTtl(seconds: number): void;
  /** Every refresh token issued so far stops working, as when an admin revokes a user's sessions. */
  revokeRefreshTokens(): void;
  /** Every request the provider answered, in order. */
  requests: RecordedRequest[];
  tokenRequests(): number;
  close(): Promise<void>;
}

interface ResourceSettings {
  resource: string;
  scope: string;
  accessTokenTtlSeconds: number;
  signIn: boolean;
  signInAccessTokenTtlSeconds: number;
}

const SIGN_IN_REDIRECT_URIS = ['http://127.0.0.1/', 'http://127.0.0.1/callback'];
const SIGN_IN_GRANTS = ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'];

interface ClientKey {
  publicJwk: JWK;
  keyId: string;
  privateKeyPath: string;
  certificatePath: string;
}

const TOKEN_PATH = '/token';

/**
 * Every special character here must be form-urlencoded before base64 in client_secret_basic (RFC 6749 §2.3.1).
 * No non-ASCII character: oidc-provider only takes secrets of printable ASCII (RFC 6749's VSCHAR), refusing
 * others as invalid_client_metadata, and as invalid_request in an Authorization header however well encoded.
 */
const BASIC_CLIENT_SECRET = 's3cr:t+v%al /=';

export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<OidcProviderHarness> {
  const settings: ResourceSettings = {
    resource: options.resource ?? 'https://api.example.com',
    scope: options.scope ?? 'read write',
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 300,
    signIn: options.signIn ?? false,
    signInAccessTokenTtlSeconds: options.signInAccessTokenTtlSeconds ?? 3600,
  };
  const keyDir = await mkdtemp(join(tmpdir(), 'tokenctl-oidc-'));
  const server = createServer();
  const close = async () => {
    await closeServer(server);
    await rm(keyDir, { recursive: true, force: true });
  };

  try {
    const issuer = await listenOnLoopback(server);
    const { publicJwk, ...privateKeyJwt } = await writeClientKey(keyDir);
    const clients = {
      clientSecretBasic: { clientId: 'basic-client', clientSecret: BASIC_CLIENT_SECRET },
      clientSecretPost: { clientId: 'post-client', clientSecret: 'post-client-secret' },
      privateKeyJwt: { clientId: 'key-client', ...privateKeyJwt },
    };
    const registrations = [
      clientCredentialsClient(clients.clientSecretBasic.clientId, 'client_secret_basic', { client_secret: clients.clientSecretBasic.clientSecret }),
      clientCredentialsClient(clients.clientSecretPost.clientId, 'client_secret_post', { client_secret: clients.clientSecretPost.clientSecret }),
      clientCredentialsClient(clients.privateKeyJwt.clientId, 'private_key_jwt', { jwks: { keys: [publicJwk] } }),
    ];
    const signInClients: SignInClients = {
      public: { clientId: 'cli-public' },
      confidential: { clientId: 'cli-confidential', clientSecret: 'cli-confidential-secret' },
      redirectUris: SIGN_IN_REDIRECT_URIS,
    };
    if (settings.signIn) {
      registrations.push(
        signInClient(signInClients.public.clientId, { token_endpoint_auth_method: 'none' }),
        signInClient(signInClients.confidential.clientId, { token_endpoint_auth_method: 'client_secret_basic', client_secret: signInClients.confidential.clientSecret }),
      );
    }

    const oidc = await loadOidcProvider();
    const adapterStore = perInstanceMemoryAdapter();
    const provider = withoutDevInteractionsNotice(() => new oidc.Provider(issuer, configuration(settings, adapterStore.adapter, registrations, oidc.errors.InvalidTarget)));
    const requests: RecordedRequest[] = [];
    provider.use(recordInto(requests));
    // oidc-provider answers server_error without logging it; a bug in this harness must not pass silently.
    provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error:', error));
    server.on('request', provider.callback());

    return {
      issuer,
      tokenEndpoint: `${issuer}${TOKEN_PATH}`,
      ...settings,
      clients,
      requests,
      signInClients,
      setSignInAccessTokenTtl: (seconds) => void (settings.signInAccessTokenTtlSeconds = seconds),
      revokeRefreshTokens: () => adapterStore.deleteModel('RefreshToken'),
      tokenRequests: () => requests.filter((request) => request.method === 'POST' && request.path === TOKEN_PATH).length,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function configuration(
  settings: ResourceSettings,
  adapter: (modelName: string) => Adapter,
  clients: ClientMetadata[],
  InvalidTarget: typeof OidcProviderModule.errors.InvalidTarget,
): Configuration {
  const { resource, scope, accessTokenTtlSeconds, signIn } = settings;
  const isSignInClient = (clientId: string | undefined) => clientId !== undefined && clientId.startsWith('cli-');
  return {
    adapter,
    clients,
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', ...(signIn ? ['none' as const] : [])],
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    jwks: { keys: [signingKey()] },
    routes: { token: TOKEN_PATH },
    // Read at each issue, so a test can change it between sign-ins.
    ttl: {
      ClientCredentials: accessTokenTtlSeconds,
      AccessToken: () => settings.signInAccessTokenTtlSeconds,
      // Stated, so oidc-provider does not announce each default it falls back on.
      AuthorizationCode: 60,
      DeviceCode: 600,
      IdToken: 3600,
      RefreshToken: 86_400,
      Grant: 86_400,
      Interaction: 600,
      Session: 86_400,
    },
    ...(signIn ? signInConfiguration() : {}),
    features: {
      // oidc-provider's own login and consent pages: the user's part of a sign-in, played by the tests.
      devInteractions: { enabled: signIn },
      clientCredentials: { enabled: true },
      ...(signIn
        ? {
            deviceFlow: { enabled: true },
            introspection: { enabled: true },
            revocation: { enabled: true },
            userinfo: { enabled: true },
          }
        : {}),
      resourceIndicators: {
        enabled: true,
        // A sign-in without a resource gets an opaque token for userinfo, as at most providers.
        defaultResource: async (ctx) => (isSignInClient(ctx.oidc.client?.clientId) ? undefined : resource),
        getResourceServerInfo: async (_ctx, indicator) => {
          if (indicator !== resource) throw new InvalidTarget();
          return { scope, audience: resource, accessTokenFormat: 'jwt' };
        },
      },
      // @types/oidc-provider types each feature set as one alternative; the runtime takes them together.
    } as Configuration['features'],
  };
}

let oidcProviderModule: Promise<typeof OidcProviderModule> | undefined;

/** Imported once: the console filter below must not be installed by two starts at the same time. */
function loadOidcProvider(): Promise<typeof OidcProviderModule> {
  oidcProviderModule ??= importWithoutRuntimeNotice();
  return oidcProviderModule;
}

/**
 * oidc-provider 9 announces on import that it supports only Node 22+; the project targets Node 20, where the
 * client-credentials paths used here work. Drop exactly that notice.
 */
async function importWithoutRuntimeNotice(): Promise<typeof OidcProviderModule> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('oidc-provider WARNING: Unsupported runtime')) warn(...args);
  };
  try {
    return await import('oidc-provider');
  } finally {
    console.warn = warn;
  }
}

/** Refresh tokens for every sign-in that may use them, rotated on each use; claims a test can check. */
function signInConfiguration(): Partial<Configuration> {
  return {
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    // The profile claims go into the ID token too, as at most providers, so it alone says who signed in.
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, name: `Test User ${sub}`, preferred_username: sub, email: `${sub}@example.com`, email_verified: true }),
    }),
  };
}

function signInClient(clientId: string, authentication: Partial<ClientMetadata>): ClientMetadata {
  return {
    client_id: clientId,
    application_type: 'native',
    grant_types: SIGN_IN_GRANTS,
    response_types: ['code'],
    redirect_uris: SIGN_IN_REDIRECT_URIS,
    ...authentication,
  };
}

/** The development login pages are what the sign-in tests want; their start-up notice is noise. */
function withoutDevInteractionsNotice<T>(create: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('devInteractions is enabled')) warn(...args);
  };
  try {
    return create();
  } finally {
    console.warn = warn;
  }
}

function clientCredentialsClient(
  clientId: string,
  method: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt',
  credentials: { client_secret: string } | { jwks: { keys: JWK[] } },
): ClientMetadata {
  return {
    client_id: clientId,
    token_endpoint_auth_method: method,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    ...credentials,
  };
}

/**
 * The built-in memory adapter is shared by every provider in the process and warns on each start.
 * Expiry is ignored: a harness lives for one test file.
 */
function perInstanceMemoryAdapter(): { adapter: (modelName: string) => Adapter; deleteModel(modelName: string): void } {
  const store = new Map<string, AdapterPayload>();
  const deleteModel = (modelName: string) => {
    for (const key of [...store.keys()]) if (key.startsWith(`${modelName}:`)) store.delete(key);
  };
  const adapter = (modelName: string): Adapter => ({
    upsert: async (id, payload) => {
      store.set(`${modelName}:${id}`, payload);
    },
    find: async (id) => store.get(`${modelName}:${id}`),
    // Sessions are found by uid and device codes by the code the user types.
    findByUid: async (uid) => [...store.entries()].find(([key, payload]) => key.startsWith(`${modelName}:`) && payload.uid === uid)?.[1],
    findByUserCode: async (userCode) => [...store.entries()].find(([key, payload]) => key.startsWith(`${modelName}:`) && payload.userCode === userCode)?.[1],
    consume: async (id) => {
      const record = store.get(`${modelName}:${id}`);
      if (record) record.consumed = Math.floor(Date.now() / 1000);
    },
    destroy: async (id) => {
      store.delete(`${modelName}:${id}`);
    },
    revokeByGrantId: async (grantId) => {
      for (const [key, payload] of store) if (key.startsWith(`${modelName}:`) && payload.grantId === grantId) store.delete(key);
    },
  });
  return { adapter, deleteModel };
}

/** Without a key of its own, oidc-provider signs with published development keys and warns about it. */
function signingKey(): JWK {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'tokenctl-test-signing-key', use: 'sig', alg: 'RS256' };
}

async function writeClientKey(dir: string): Promise<ClientKey> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicJwk: JWK = publicKey.export({ format: 'jwk' });
  const keyId = await calculateJwkThumbprint(publicJwk);
  const privateKeyPath = join(dir, 'client-key.pem');
  const certificatePath = join(dir, 'client-cert.pem');
  await writeFile(privateKeyPath, privateKeyPem, { mode: 0o600 });
  await writeFile(certificatePath, selfSignedCertificatePem(privateKeyPem));
  return { publicJwk: { ...publicJwk, kid: keyId }, keyId, privateKeyPath, certificatePath };
}

function selfSignedCertificatePem(privateKeyPem: string): string {
  const key = forge.pki.privateKeyFromPem(privateKeyPem);
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  certificate.serialNumber = '01';
  certificate.validity.notBefore = new Date(Date.now() - 60_000);
  certificate.validity.notAfter = new Date(Date.now() + 24 * 60 * 60_000);
  const name = [{ name: 'commonName', value: 'tokenctl test client' }];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.sign(key, forge.md.sha256.create());
  return forge.pki.certificateToPem(certificate);
}

/** Records after the provider ran, when it has parsed the body (reading it here first would starve the provider). */
function recordInto(requests: RecordedRequest[]): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } finally {
      requests.push({
        path: ctx.path,
        method: ctx.method,
        authorization: ctx.get('authorization') || undefined,
        form: { ...(ctx.oidc?.body as Record<string, string | string[]> | undefined) },
      });
    }
  };
}

function listenOnLoopback(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // fetch keeps connections alive, and close() alone would wait for them to time out.
    server.closeAllConnections();
  });
}
