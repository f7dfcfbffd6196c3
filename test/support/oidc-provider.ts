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
  /** Every request the provider answered, in order. */
  requests: RecordedRequest[];
  tokenRequests(): number;
  close(): Promise<void>;
}

interface ResourceSettings {
  resource: string;
  scope: string;
  accessTokenTtlSeconds: number;
}

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

    const oidc = await loadOidcProvider();
    const provider = new oidc.Provider(issuer, configuration(settings, registrations, oidc.errors.InvalidTarget));
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
      tokenRequests: () => requests.filter((request) => request.method === 'POST' && request.path === TOKEN_PATH).length,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function configuration(
  { resource, scope, accessTokenTtlSeconds }: ResourceSettings,
  clients: ClientMetadata[],
  InvalidTarget: typeof OidcProviderModule.errors.InvalidTarget,
): Configuration {
  return {
    adapter: perInstanceMemoryAdapter(),
    clients,
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    jwks: { keys: [signingKey()] },
    routes: { token: TOKEN_PATH },
    ttl: { ClientCredentials: accessTokenTtlSeconds },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => resource,
        getResourceServerInfo: async (_ctx, indicator) => {
          if (indicator !== resource) throw new InvalidTarget();
          return { scope, audience: resource, accessTokenFormat: 'jwt' };
        },
      },
    },
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
function perInstanceMemoryAdapter(): (modelName: string) => Adapter {
  const store = new Map<string, AdapterPayload>();
  return (modelName) => ({
    upsert: async (id, payload) => {
      store.set(`${modelName}:${id}`, payload);
    },
    find: async (id) => store.get(`${modelName}:${id}`),
    // The client-credentials grant never looks records up these ways; the interface still asks for them.
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    consume: async (id) => {
      const record = store.get(`${modelName}:${id}`);
      if (record) record.consumed = Math.floor(Date.now() / 1000);
    },
    destroy: async (id) => {
      store.delete(`${modelName}:${id}`);
    },
    revokeByGrantId: async () => {},
  });
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
