import { createHash, createPrivateKey, randomBytes, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { unescape as percentDecode } from 'node:querystring';
import {
  compactVerify,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  SignJWT,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';
import { certificateThumbprints, createSelfSignedCertificate, createTestCertificates, type TestCertificates } from './tls.js';

/*
 * A loopback stand-in for Microsoft Entra ID v2.0: the token endpoint (client credentials, authorization
 * code with PKCE, refresh with rotation, device code), the authorize and devicecode endpoints with a
 * sign-in page of its own, and the metadata, with Entra's error codes, wording and response shape, so
 * the CLI can be tested end to end offline.
 */

export interface EmulatorTenant {
  id: string;
  /** Verified domains that may stand in for the id in the URL, e.g. contoso.onmicrosoft.com. */
  domains?: string[];
  /** Shown where Entra names the directory (700016, 500011); the tenant segment of the URL otherwise. */
  displayName?: string;
  /** The tenant lives in another cloud (e.g. US Government), so this instance answers 50049. */
  otherCloud?: boolean;
  /** The tenant was deleted or decommissioned: every request to it answers 5000224. */
  decommissioned?: boolean;
}

export interface EmulatorSecret {
  value: string;
  /** The secret's ID (a GUID), which people paste by mistake: it is never accepted as the value. */
  secretId: string;
  expiresAt?: Date;
}

export interface EmulatorApp {
  tenantId: string;
  clientId: string;
  displayName: string;
  secrets?: EmulatorSecret[];
  /** Uploaded certificate credentials, PEM. */
  certificates?: string[];
  /** Subject-name/issuer auth: the assertion must carry the certificate in `x5c`. */
  requireX5c?: boolean;
  disabled?: boolean;
  /** Registered in a national cloud (e.g. 'usgov'): this instance, the global cloud, answers 900382. */
  homeCloud?: string;
  /** App roles granted per resource app id, issued as the `roles` claim. */
  roles?: Record<string, string[]>;
  /** Object id of the app's service principal (`oid`/`sub`); random per emulator otherwise. */
  servicePrincipalId?: string;
  /** "Allow public client flows": user sign-in without a secret, and a secret is then refused (700025). */
  publicClient?: boolean;
  /** Redirect URIs for the authorization code flow; http://localhost (any port) as Entra's "Mobile and desktop" does. */
  redirectUris?: string[];
  /** Nobody has consented to the app yet: sign-in answers AADSTS65001. */
  consentRequired?: boolean;
}

export interface EmulatorResource {
  tenantId: string;
  appId: string;
  appIdUri?: string;
  displayName: string;
}

export interface EntraEmulatorConfig {
  tenants: EmulatorTenant[];
  apps?: EmulatorApp[];
  /** Resource apps besides Microsoft Graph, which every tenant has. */
  resources?: EmulatorResource[];
  /** Token and discovery issuer; Entra's `https://login.microsoftonline.com/{tenantId}/v2.0` by default. */
  issuer?: (tenantId: string, emulatorUrl: string) => string;
  /** Clock skew allowed on assertion times; default 300 s. */
  clockSkewSeconds?: number;
  /** Longest assertion lifetime (exp - nbf) accepted; default 600 s. */
  maxAssertionLifetimeSeconds?: number;
  /** Reuse certificates (e.g. shared with other test servers); generated and removed on close otherwise. */
  tls?: TestCertificates;
}

/**
 * The next request (any path, metadata included) gets this instead of normal handling, whatever it asks. Without `status` or `hang`,
 * the request is handled normally and only the extra `headers` and the Date skew apply.
 */
export interface CannedResponse {
  status?: number;
  headers?: Record<string, string>;
  /** Defaults to JSON for an object body, text/plain otherwise. */
  contentType?: string;
  body?: string | object;
  /** Read the request, then never answer. */
  hang?: boolean;
  /** Shifts the Date header, e.g. -600 for a server clock ten minutes behind. */
  dateOffsetSeconds?: number;
}

/** 'token' on success, the AADSTS code on an Entra error. */
export type Outcome = 'token' | 'canned' | 'metadata' | 'not-found' | 'emulator-error' | 'sign-in-page' | 'code' | 'device-code' | number;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  form: Record<string, string>;
  /** Basic credentials after the RFC 6749 §2.3.1 form-decoding. */
  basicAuth?: { id: string; secret: string };
  /** The client assertion, decoded but not verified. */
  assertion?: { header: ProtectedHeaderParameters; payload: JWTPayload };
  outcome: Outcome;
}

export interface EntraEmulator {
  /** https://127.0.0.1:PORT */
  url: string;
  /** What the CLI gets through --authority-host. */
  authorityHost: string;
  tokenUrl(tenant: string): string;
  caFile: string;
  caPem: string;
  requests: RecordedRequest[];
  enqueue(...responses: CannedResponse[]): void;
  /** Public keys that sign the access tokens. */
  signingJwks: JSONWebKeySet;
  /** The polling interval devicecode answers with (Entra says 5). */
  setDeviceInterval(seconds: number): void;
  /** Every refresh token issued so far stops working (a revoked session). */
  revokeRefreshTokens(): void;
  /** How long authorization codes issued from now on can be redeemed (Entra: about 10 minutes). */
  setCodeLifetime(seconds: number): void;
  close(): Promise<void>;
}

export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const EXPIRES_IN = 3599;
// Entra backdates iat/nbf of the tokens it issues by five minutes to absorb clock skew.
const ISSUE_BACKDATE_SECONDS = 300;
const CERT_DOCS = 'https://learn.microsoft.com/entra/identity-platform/certificate-credentials';

// ---------------------------------------------------------------------------------------------------
// Errors, worded as Entra words them

class AadstsError extends Error {
  constructor(
    readonly code: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return this.error === 'invalid_client' ? 401 : 400;
  }
}

const aadsts = {
  methodNotAllowed: (method: string) =>
    new AadstsError(900561, 'invalid_request', `The endpoint only accepts POST, OPTIONS requests. Received a ${method} request.`),
  // The token endpoint says invalid_request; the metadata endpoints say invalid_tenant.
  tenantNotFound: (tenant: string, error = 'invalid_request') =>
    new AadstsError(
      90002,
      error,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. ` +
        'Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.',
    ),
  crossCloud: () => new AadstsError(900382, 'invalid_request', 'Confidential Client is not supported in Cross Cloud request.'),
  resourceNotSupported: () => new AadstsError(901002, 'invalid_request', "The 'resource' request parameter is not supported."),
  unknownInstance: () => new AadstsError(50049, 'invalid_instance', 'Unknown or invalid instance.'),
  // MSAL reports it as MsalUiRequiredException, i.e. invalid_grant, even to a confidential client.
  tenantUnavailable: () =>
    new AadstsError(5000224, 'invalid_grant', 'We are sorry, this resource is not available. If you are seeing this message by mistake, please contact Microsoft support.'),
  missingParameter: (name: string) =>
    new AadstsError(900144, 'invalid_request', `The request body must contain the following parameter: '${name}'.`),
  missingCredentialField: (name: string) =>
    new AadstsError(
      90014,
      'invalid_request',
      `The required field '${name}' is missing from the credential. Ensure that you have all the necessary parameters for the login request.`,
    ),
  unsupportedGrantType: (grantType: string) =>
    new AadstsError(70003, 'unsupported_grant_type', `The app requested an unsupported grant type '${grantType}'.`),
  scopeWithoutDefault: (scope: string) =>
    new AadstsError(
      1002012,
      'invalid_scope',
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  invalidScope: (scope: string) =>
    new AadstsError(70011, 'invalid_scope', `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`),
  applicationNotFound: (clientId: string, directory: string) =>
    new AadstsError(
      700016,
      'unauthorized_client',
      `Application with identifier '${clientId}' was not found in the directory '${directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  applicationDisabled: (app: EmulatorApp) =>
    new AadstsError(7000112, 'unauthorized_client', `Application '${app.clientId}'(${app.displayName}) is disabled.`),
  missingCredential: () =>
    new AadstsError(7000218, 'invalid_client', "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  invalidSecret: (clientId: string) =>
    new AadstsError(
      7000215,
      'invalid_client',
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    ),
  expiredSecret: (clientId: string) =>
    new AadstsError(
      7000222,
      'invalid_client',
      `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    ),
  malformedAssertion: () => new AadstsError(50027, 'invalid_request', 'JWT token is invalid or malformed.'),
  noThumbprint: () => new AadstsError(5002723, 'invalid_client', 'Invalid JWT token. No certificate thumbprint specified in token header.'),
  keyNotFound: (clientId: string, thumbprint: string) =>
    new AadstsError(
      700027,
      'invalid_client',
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., ${keyDetails(clientId, thumbprint)}]`,
    ),
  keyExpired: (clientId: string, thumbprint: string) =>
    new AadstsError(700027, 'invalid_client', `Client assertion failed signature validation. [Reason - The key used is expired., ${keyDetails(clientId, thumbprint)}]`),
  signatureMismatch: (clientId: string, thumbprint: string) =>
    new AadstsError(
      700027,
      'invalid_client',
      `Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value., ${keyDetails(clientId, thumbprint)}]`,
    ),
  audienceMismatch: () =>
    new AadstsError(700023, 'invalid_client', `Client assertion audience claim does not match Realm issuer. Review the documentation at ${CERT_DOCS} .`),
  // iss/sub other than the client id: the nearest real code is 700021 (assertion app id vs client_id).
  clientIdMismatch: () =>
    new AadstsError(
      700021,
      'invalid_client',
      `Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at ${CERT_DOCS} .`,
    ),
  outsideTimeRange: (now: number, validFrom: number, expiry: number) =>
    new AadstsError(
      700024,
      'invalid_client',
      `Client assertion is not within its valid time range. Current time: ${entraInstant(now)}, assertion valid from ${entraInstant(validFrom)}, expiry time of assertion ${entraInstant(expiry)}. Review the documentation at ${CERT_DOCS} .`,
    ),
  // Entra documents no replay error; 50013 is its catch-all "invalid assertion" code, the wording is ours.
  assertionReplayed: (jti: string) =>
    new AadstsError(50013, 'invalid_client', `Assertion is invalid because of various reasons: an assertion with jti '${jti}' was already used.`),
  redirectMismatch: (redirectUri: string, clientId: string) =>
    new AadstsError(
      50011,
      'invalid_request',
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`,
    ),
  consentRequired: (clientId: string) =>
    new AadstsError(65001, 'invalid_grant', `The user or administrator has not consented to use the application with ID '${clientId}'. Send an interactive authorization request for this user and resource.`),
  userDeclined: () => new AadstsError(65004, 'access_denied', 'User declined to consent to access the app.'),
  publicClientWithSecret: () => new AadstsError(700025, 'invalid_client', "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."),
  codeRedeemed: () => new AadstsError(54005, 'invalid_grant', 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'),
  codeExpired: () => new AadstsError(70008, 'invalid_grant', 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.'),
  pkceMismatch: () => new AadstsError(501481, 'invalid_grant', 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'),
  redirectDiffers: () => new AadstsError(70008, 'invalid_grant', "The provided value for the 'redirect_uri' is not valid. The value must exactly match the redirect URI used to obtain the authorization code."),
  authorizationPending: () => new AadstsError(70016, 'authorization_pending', 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.'),
  deviceDeclined: () => new AadstsError(70000, 'authorization_declined', 'The user declined the sign-in request.'),
  deviceExpired: () => new AadstsError(70020, 'expired_token', 'The provided value for the input parameter \'device_code\' is not valid. Device codes are valid for 15 minutes.'),
  resourceNotFound: (resource: string, tenantName: string) =>
    new AadstsError(
      500011,
      'invalid_resource',
      `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
};

function keyDetails(clientId: string, thumbprint: string): string {
  const hex = Buffer.from(thumbprint, 'base64url').toString('hex').toUpperCase();
  return (
    `Thumbprint of key used by client: '${hex}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'. ` +
    'Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and ' +
    'https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, ' +
    `such as 'https://graph.microsoft.com/beta/applications/${clientId}'`
  );
}

/** 2024-10-02T22:05:03.6750000Z: .NET's seven fractional digits, as in 700024. */
function entraInstant(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** 2024-10-02 22:05:03Z, the error body's timestamp. */
function entraTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------------
// State

interface RegisteredCertificate {
  x5c: string;
  x5t: string;
  x5tS256: string;
  publicKey: KeyObject;
  validTo: Date;
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

interface SignInGrant {
  tenantId: string;
  clientId: string;
  user: string;
  scope: string;
}

interface PendingCode extends SignInGrant {
  redirectUri: string;
  codeChallenge: string | undefined;
  nonce: string | undefined;
  used: boolean;
  expiresAt: number;
}

interface PendingDevice {
  tenantId: string;
  clientId: string;
  scope: string;
  userCode: string;
  expiresAt: number;
  state: 'pending' | 'declined' | { user: string };
}

interface Context {
  config: EntraEmulatorConfig;
  codes: Map<string, PendingCode>;
  refreshTokens: Map<string, SignInGrant>;
  devices: Map<string, PendingDevice>;
  deviceInterval: number;
  codeLifetimeSeconds: number;
  baseUrl: string;
  signing: SigningKey;
  requests: RecordedRequest[];
  queue: CannedResponse[];
  usedJtis: Set<string>;
  certificates: Map<EmulatorApp, RegisteredCertificate[]>;
  servicePrincipalIds: Map<EmulatorApp, string>;
}

type ParsedRequest = Omit<RecordedRequest, 'outcome'>;
type Credential = 'secret' | 'certificate';

async function createSigningKey(): Promise<SigningKey> {
  const { certPem, keyPem, x5c, x5t } = createSelfSignedCertificate({ commonName: 'accounts.accesscontrol.windows.net' });
  const publicKey = new X509Certificate(certPem).publicKey;
  // Entra's key ids are the certificate's SHA-1 thumbprint, also given as x5t.
  const publicJwk: JWK = { kty: 'RSA', use: 'sig', kid: x5t, x5t, ...(await exportJWK(publicKey)), x5c: [x5c] };
  return { kid: x5t, privateKey: createPrivateKey(keyPem), publicJwk };
}

function registerCertificates(apps: EmulatorApp[]): Map<EmulatorApp, RegisteredCertificate[]> {
  return new Map(
    apps.map((app) => [
      app,
      (app.certificates ?? []).map((pem) => {
        const cert = new X509Certificate(pem);
        return { ...certificateThumbprints(pem), publicKey: cert.publicKey, validTo: new Date(cert.validTo) };
      }),
    ]),
  );
}

function servicePrincipalId(ctx: Context, app: EmulatorApp): string {
  const known = app.servicePrincipalId ?? ctx.servicePrincipalIds.get(app);
  if (known) return known;
  const id = randomUUID();
  ctx.servicePrincipalIds.set(app, id);
  return id;
}

function issuerFor(ctx: Context, tenantId: string): string {
  return ctx.config.issuer?.(tenantId, ctx.baseUrl) ?? `https://login.microsoftonline.com/${tenantId}/v2.0`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const opaque = (bytes: number) => randomBytes(bytes).toString('base64url');

// ---------------------------------------------------------------------------------------------------
// Reading requests

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// RFC 6749 §2.3.1: id and secret are form-urlencoded before base64. Decoding is lenient like .NET's:
// a malformed % sequence stays as it is.
function formDecode(value: string): string {
  return percentDecode(value.replace(/\+/g, '%20'));
}

function parseBasicAuth(authorization: string | undefined): RecordedRequest['basicAuth'] {
  const encoded = /^Basic\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

function decodeAssertion(jwt: string | undefined): RecordedRequest['assertion'] {
  if (jwt === undefined) return undefined;
  try {
    return { header: decodeProtectedHeader(jwt), payload: decodeJwt(jwt) };
  } catch {
    return undefined;
  }
}

// Entra reads the body only as a form: JSON gets "must contain the following parameter: 'grant_type'".
function parseRequest(req: IncomingMessage, body: string): ParsedRequest {
  const isForm = /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '');
  const form = isForm ? Object.fromEntries(new URLSearchParams(body)) : {};
  const basicAuth = parseBasicAuth(req.headers.authorization);
  const assertion = decodeAssertion(form.client_assertion);
  return {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers: req.headers,
    body,
    form,
    ...(basicAuth && { basicAuth }),
    ...(assertion && { assertion }),
  };
}

// ---------------------------------------------------------------------------------------------------
// The token endpoint

function resolveTenant(ctx: Context, segment: string, errorName?: string): EmulatorTenant {
  const wanted = segment.toLowerCase();
  const tenant = ctx.config.tenants.find((t) => t.id.toLowerCase() === wanted || t.domains?.some((d) => d.toLowerCase() === wanted));
  if (!tenant) throw aadsts.tenantNotFound(segment, errorName);
  if (tenant.otherCloud) throw aadsts.unknownInstance();
  if (tenant.decommissioned) throw aadsts.tenantUnavailable();
  return tenant;
}

function requireParameter(form: Record<string, string>, name: string): string {
  const value = form[name];
  if (!value) throw aadsts.missingParameter(name);
  return value;
}

/** The resource identifier of the one `{resource}/.default` scope client credentials allow. */
function resourceFromScope(scope: string): string {
  const values = scope.split(' ').filter(Boolean);
  const notDefault = values.find((value) => !value.endsWith('/.default'));
  if (notDefault !== undefined) throw aadsts.scopeWithoutDefault(notDefault);
  if (values.length !== 1) throw aadsts.invalidScope(scope);
  return values[0]!.slice(0, -'/.default'.length);
}

function findApp(ctx: Context, tenant: EmulatorTenant, clientId: string, tenantSegment: string): EmulatorApp {
  const wanted = clientId.toLowerCase();
  const app = ctx.config.apps?.find((a) => a.tenantId === tenant.id && a.clientId.toLowerCase() === wanted);
  if (!app) throw aadsts.applicationNotFound(clientId, tenant.displayName ?? tenantSegment);
  if (app.disabled) throw aadsts.applicationDisabled(app);
  if (app.homeCloud) throw aadsts.crossCloud();
  return app;
}

function verifySecret(app: EmulatorApp, secret: string): void {
  // A pasted secret ID matches no value, so it gets 7000215 like any wrong secret; hence the hint in the message.
  const match = app.secrets?.find((s) => s.value === secret);
  if (!match) throw aadsts.invalidSecret(app.clientId);
  if (match.expiresAt && match.expiresAt.getTime() <= Date.now()) throw aadsts.expiredSecret(app.clientId);
}

function findCertificate(ctx: Context, app: EmulatorApp, header: ProtectedHeaderParameters): { cert: RegisteredCertificate; thumbprint: string } {
  // x5t#S256 wins when both are present, as in Entra.
  const sha256 = header['x5t#S256'];
  const thumbprint = typeof sha256 === 'string' ? sha256 : header.x5t;
  if (typeof thumbprint !== 'string' || thumbprint === '') throw aadsts.noThumbprint();
  const field = typeof sha256 === 'string' ? 'x5tS256' : 'x5t';
  const cert = ctx.certificates.get(app)?.find((c) => c[field] === thumbprint);
  if (!cert) throw aadsts.keyNotFound(app.clientId, thumbprint);
  if (cert.validTo.getTime() <= Date.now()) throw aadsts.keyExpired(app.clientId, thumbprint);
  if (app.requireX5c && header.x5c?.[0] !== cert.x5c) throw aadsts.keyNotFound(app.clientId, thumbprint);
  return { cert, thumbprint };
}

async function verifySignature(jwt: string, cert: RegisteredCertificate, clientId: string, thumbprint: string): Promise<void> {
  try {
    await compactVerify(jwt, cert.publicKey, { algorithms: ['PS256', 'RS256'] });
  } catch {
    throw aadsts.signatureMismatch(clientId, thumbprint);
  }
}

function checkAssertionTimes(ctx: Context, payload: JWTPayload): void {
  const { exp, nbf, iat } = payload;
  if (typeof exp !== 'number') throw aadsts.malformedAssertion();
  const skew = ctx.config.clockSkewSeconds ?? 300;
  const maxLifetime = ctx.config.maxAssertionLifetimeSeconds ?? 600;
  const now = nowSeconds();
  const start = nbf ?? iat;
  const expired = exp + skew < now;
  const notYetValid = (nbf !== undefined && nbf > now + skew) || (iat !== undefined && iat > now + skew);
  const tooLong = start !== undefined && exp - start > maxLifetime;
  // Entra reports a missing nbf as "valid from" the epoch.
  if (expired || notYetValid || tooLong) throw aadsts.outsideTimeRange(now, nbf ?? 0, exp);
}

function consumeJti(ctx: Context, payload: JWTPayload): void {
  const { jti } = payload;
  if (typeof jti !== 'string' || jti === '') throw aadsts.malformedAssertion();
  const key = `${payload.iss}|${jti}`;
  if (ctx.usedJtis.has(key)) throw aadsts.assertionReplayed(jti);
  ctx.usedJtis.add(key);
}

async function verifyAssertion(ctx: Context, request: ParsedRequest, app: EmulatorApp, clientId: string): Promise<void> {
  const jwt = request.form.client_assertion!;
  if (!request.assertion) throw aadsts.malformedAssertion();
  const { header, payload } = request.assertion;
  const { cert, thumbprint } = findCertificate(ctx, app, header);
  await verifySignature(jwt, cert, app.clientId, thumbprint);
  const tokenEndpoint = `https://${request.headers.host}${new URL(request.path, 'https://host').pathname}`;
  if (payload.aud !== tokenEndpoint) throw aadsts.audienceMismatch();
  if (payload.iss !== clientId || payload.sub !== clientId) throw aadsts.clientIdMismatch();
  checkAssertionTimes(ctx, payload);
  consumeJti(ctx, payload);
}

async function authenticateClient(ctx: Context, request: ParsedRequest, app: EmulatorApp, clientId: string): Promise<Credential> {
  const { form } = request;
  if (form.client_assertion !== undefined || form.client_assertion_type !== undefined) {
    // A client_assertion_type other than jwt-bearer counts as no type at all.
    if (form.client_assertion_type !== JWT_BEARER) throw aadsts.missingCredentialField('client_assertion_type');
    if (!form.client_assertion) throw aadsts.missingCredentialField('client_assertion');
    await verifyAssertion(ctx, request, app, clientId);
    return 'certificate';
  }
  // The RFC forbids sending both; when a client does, the body's secret is the one checked.
  const secret = form.client_secret ?? request.basicAuth?.secret;
  if (secret === undefined) throw aadsts.missingCredential();
  verifySecret(app, secret);
  return 'secret';
}

function findResource(ctx: Context, tenant: EmulatorTenant, identifier: string, tenantSegment: string): EmulatorResource {
  const graph: EmulatorResource = { tenantId: tenant.id, appId: GRAPH_APP_ID, appIdUri: 'https://graph.microsoft.com', displayName: 'Microsoft Graph' };
  const candidates = [graph, ...(ctx.config.resources ?? []).filter((r) => r.tenantId === tenant.id)];
  const resource = candidates.find((r) => r.appId.toLowerCase() === identifier.toLowerCase() || r.appIdUri === identifier);
  if (!resource) throw aadsts.resourceNotFound(identifier, tenant.displayName ?? tenantSegment);
  return resource;
}

// Real Microsoft Graph tokens are v1-shaped; the emulator issues the v2.0 app-only shape for every resource.
function issueAccessToken(ctx: Context, tenant: EmulatorTenant, app: EmulatorApp, resource: EmulatorResource, credential: Credential): Promise<string> {
  const now = nowSeconds();
  const issuedAt = now - ISSUE_BACKDATE_SECONDS;
  const roles = app.roles?.[resource.appId] ?? [];
  const objectId = servicePrincipalId(ctx, app);
  const claims: JWTPayload = {
    aud: resource.appId,
    iss: issuerFor(ctx, tenant.id),
    iat: issuedAt,
    nbf: issuedAt,
    exp: now + EXPIRES_IN,
    aio: opaque(72),
    azp: app.clientId,
    azpacr: credential === 'secret' ? '1' : '2',
    idtyp: 'app',
    oid: objectId,
    rh: `0.${opaque(54)}.`,
    ...(roles.length > 0 && { roles }),
    sub: objectId,
    tid: tenant.id,
    uti: opaque(16),
    ver: '2.0',
  };
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'JWT', alg: 'RS256', x5t: ctx.signing.kid, kid: ctx.signing.kid })
    .sign(ctx.signing.privateKey);
}

async function tokenResponse(ctx: Context, request: ParsedRequest, tenantSegment: string): Promise<object> {
  if (request.method !== 'POST') throw aadsts.methodNotAllowed(request.method);
  const tenant = resolveTenant(ctx, tenantSegment);
  const { form } = request;
  const grantType = requireParameter(form, 'grant_type');
  if (grantType === 'authorization_code' || grantType === 'refresh_token' || grantType === DEVICE_CODE_GRANT) return userTokenResponse(ctx, request, tenant, tenantSegment, grantType);
  if (grantType !== 'client_credentials') throw aadsts.unsupportedGrantType(grantType);
  const clientId = request.basicAuth?.id ?? requireParameter(form, 'client_id');
  if (form.resource !== undefined) throw aadsts.resourceNotSupported();
  const resourceIdentifier = resourceFromScope(requireParameter(form, 'scope'));
  const app = findApp(ctx, tenant, clientId, tenantSegment);
  const credential = await authenticateClient(ctx, request, app, clientId);
  const resource = findResource(ctx, tenant, resourceIdentifier, tenantSegment);
  const accessToken = await issueAccessToken(ctx, tenant, app, resource, credential);
  return { token_type: 'Bearer', expires_in: EXPIRES_IN, ext_expires_in: EXPIRES_IN, access_token: accessToken };
}

// ---------------------------------------------------------------------------------------------------
// User sign-in: authorize, devicecode, and the grants that redeem them

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const DEVICE_CODE_SECONDS = 900;

/** Entra's "Mobile and desktop applications" rule: a registered http://localhost matches any port. */
function redirectAllowed(app: EmulatorApp, redirectUri: string): boolean {
  const registered = app.redirectUris ?? [];
  if (registered.includes(redirectUri)) return true;
  const url = URL.canParse(redirectUri) ? new URL(redirectUri) : undefined;
  if (!url || url.protocol !== 'http:' || !['localhost', '127.0.0.1'].includes(url.hostname)) return false;
  return registered.some((r) => {
    const allowed = new URL(r);
    return allowed.protocol === 'http:' && allowed.hostname === url.hostname && allowed.port === '' && allowed.pathname === url.pathname;
  });
}

/** The client's credential on a user grant: none for a public client (700025 if one is sent), required otherwise (7000218). */
async function authenticateUserGrantClient(ctx: Context, request: ParsedRequest, app: EmulatorApp, clientId: string): Promise<void> {
  const { form } = request;
  const sent = form.client_secret !== undefined || form.client_assertion !== undefined || request.basicAuth !== undefined;
  if (app.publicClient) {
    if (sent) throw aadsts.publicClientWithSecret();
    return;
  }
  await authenticateClient(ctx, request, app, clientId);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function hiddenFields(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
}

/** The sign-in form: a user name and password, and Cancel. */
function signInForm(action: string, carried: Record<string, string>): string {
  return page(
    'Sign in to your account',
    `<form method="post" action="${escapeHtml(action)}">${hiddenFields(carried)}<input name="username" type="email" placeholder="Email"><input name="password" type="password" placeholder="Password"><button type="submit" name="action" value="signin">Sign in</button><button type="submit" name="action" value="cancel">Cancel</button></form>`,
  );
}

function redirectTo(res: ServerResponse, redirectUri: string, params: Record<string, string | undefined>): void {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  res.writeHead(302, { Location: url.href }).end();
}

/** GET shows the sign-in page; POST signs in and redirects back with a code, or an error. */
function authorize(ctx: Context, request: ParsedRequest, res: ServerResponse, tenantSegment: string): Outcome {
  const tenant = resolveTenant(ctx, tenantSegment);
  const params = request.method === 'POST' ? request.form : Object.fromEntries(new URL(request.path, 'https://host').searchParams);
  const clientId = requireParameter(params, 'client_id');
  const app = findApp(ctx, tenant, clientId, tenantSegment);
  const redirectUri = requireParameter(params, 'redirect_uri');
  // Entra shows these in the browser: it never redirects to a URI it does not trust.
  if (!redirectAllowed(app, redirectUri)) throw aadsts.redirectMismatch(redirectUri, clientId);
  if (params.response_type !== 'code') throw aadsts.missingParameter('response_type');
  const { username, action, ...carried } = params;
  delete carried.password;
  if (request.method !== 'POST') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(signInForm(new URL(request.path, 'https://host').pathname, carried));
    return 'sign-in-page';
  }
  if (action === 'cancel') {
    const declined = aadsts.userDeclined();
    redirectTo(res, redirectUri, { error: declined.error, error_description: `AADSTS${declined.code}: ${declined.message}`, state: params.state });
    return declined.code;
  }
  if (app.consentRequired) {
    const consent = aadsts.consentRequired(clientId);
    redirectTo(res, redirectUri, { error: 'invalid_client', error_description: `AADSTS${consent.code}: ${consent.message}`, state: params.state });
    return consent.code;
  }
  const code = `0.A${opaque(48)}`;
  ctx.codes.set(code, {
    tenantId: tenant.id,
    clientId: app.clientId,
    user: username || 'user@contoso.onmicrosoft.com',
    scope: params.scope ?? 'openid',
    redirectUri,
    codeChallenge: params.code_challenge,
    nonce: params.nonce,
    used: false,
    expiresAt: Date.now() + ctx.codeLifetimeSeconds * 1000,
  });
  redirectTo(res, redirectUri, { code, state: params.state, session_state: randomUUID() });
  return 'code';
}

/** POST /{tenant}/oauth2/v2.0/devicecode: a user code for the user, a device code to poll with. */
function deviceCode(ctx: Context, request: ParsedRequest, tenantSegment: string): object {
  if (request.method !== 'POST') throw aadsts.methodNotAllowed(request.method);
  const tenant = resolveTenant(ctx, tenantSegment);
  const clientId = requireParameter(request.form, 'client_id');
  const app = findApp(ctx, tenant, clientId, tenantSegment);
  const userCode = randomBytes(5).toString('hex').toUpperCase().slice(0, 9);
  const device = `DAQABAAEAAA${opaque(48)}`;
  ctx.devices.set(device, { tenantId: tenant.id, clientId: app.clientId, scope: request.form.scope ?? 'openid', userCode, expiresAt: Date.now() + DEVICE_CODE_SECONDS * 1000, state: 'pending' });
  const verificationUri = `${ctx.baseUrl}/devicelogin`;
  return {
    user_code: userCode,
    device_code: device,
    verification_uri: verificationUri,
    expires_in: DEVICE_CODE_SECONDS,
    interval: ctx.deviceInterval,
    message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
  };
}

/** The user's side of the device flow: enter the code, then sign in (or cancel). */
function deviceLogin(ctx: Context, request: ParsedRequest, res: ServerResponse): Outcome {
  const html = (body: string) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(body);
  if (request.method !== 'POST') {
    html(page('Enter code', '<form method="post" action="/devicelogin"><input name="otc" placeholder="Code"><button type="submit">Next</button></form>'));
    return 'sign-in-page';
  }
  const entry = [...ctx.devices.values()].find((d) => d.userCode === (request.form.otc ?? '').trim().toUpperCase());
  if (!entry || entry.expiresAt < Date.now()) {
    html(page('Enter code', '<p>That code didn\'t work. Check the code and try again.</p><form method="post" action="/devicelogin"><input name="otc"><button type="submit">Next</button></form>'));
    return 'sign-in-page';
  }
  if (request.form.action === undefined) {
    html(signInForm('/devicelogin', { otc: entry.userCode }));
    return 'sign-in-page';
  }
  entry.state = request.form.action === 'cancel' ? 'declined' : { user: request.form.username || 'user@contoso.onmicrosoft.com' };
  html(page(entry.state === 'declined' ? 'Sign-in declined' : 'You have signed in', '<p>You may now close this window.</p>'));
  return 'sign-in-page';
}

function pkceMatches(challenge: string | undefined, verifier: string | undefined): boolean {
  if (challenge === undefined) return verifier === undefined;
  return verifier !== undefined && createHash('sha256').update(verifier).digest('base64url') === challenge;
}

async function issueUserTokens(ctx: Context, tenant: EmulatorTenant, grant: SignInGrant, nonce?: string): Promise<object> {
  const now = nowSeconds();
  const issuer = issuerFor(ctx, tenant.id);
  const oid = createHash('sha256').update(grant.user).digest('hex').slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  const header = { typ: 'JWT', alg: 'RS256', kid: ctx.signing.kid };
  const scopes = grant.scope.split(' ').filter(Boolean);
  const api = scopes.find((scope) => scope.endsWith('/.default'))?.slice(0, -'/.default'.length) ?? GRAPH_APP_ID;
  const accessToken = await new SignJWT({ aud: api, iss: issuer, iat: now - ISSUE_BACKDATE_SECONDS, nbf: now - ISSUE_BACKDATE_SECONDS, exp: now + EXPIRES_IN, azp: grant.clientId, idtyp: 'user', name: `User ${grant.user}`, oid, preferred_username: grant.user, scp: scopes.filter((s) => !['openid', 'profile', 'offline_access', 'email'].includes(s)).join(' ') || 'User.Read', sub: oid, tid: tenant.id, ver: '2.0' })
    .setProtectedHeader(header)
    .sign(ctx.signing.privateKey);
  const idToken = await new SignJWT({ aud: grant.clientId, iss: issuer, iat: now, nbf: now, exp: now + 3600, name: `User ${grant.user}`, oid, preferred_username: grant.user, sub: opaque(32), tid: tenant.id, ver: '2.0', ...(nonce ? { nonce } : {}) })
    .setProtectedHeader(header)
    .sign(ctx.signing.privateKey);
  const refreshToken = `1.A${opaque(96)}`;
  if (scopes.includes('offline_access')) ctx.refreshTokens.set(refreshToken, grant);
  return {
    token_type: 'Bearer',
    scope: scopes.filter((s) => s !== 'offline_access').join(' '),
    expires_in: EXPIRES_IN,
    ext_expires_in: EXPIRES_IN,
    access_token: accessToken,
    ...(scopes.includes('offline_access') ? { refresh_token: refreshToken } : {}),
    ...(scopes.includes('openid') ? { id_token: idToken } : {}),
  };
}

async function userTokenResponse(ctx: Context, request: ParsedRequest, tenant: EmulatorTenant, tenantSegment: string, grantType: string): Promise<object> {
  const { form } = request;
  const clientId = request.basicAuth?.id ?? requireParameter(form, 'client_id');
  const app = findApp(ctx, tenant, clientId, tenantSegment);
  await authenticateUserGrantClient(ctx, request, app, clientId);
  if (grantType === 'authorization_code') {
    const code = ctx.codes.get(requireParameter(form, 'code'));
    if (!code || code.clientId !== app.clientId || code.expiresAt <= Date.now()) throw aadsts.codeExpired();
    if (code.used) throw aadsts.codeRedeemed();
    code.used = true;
    if (form.redirect_uri !== code.redirectUri) throw aadsts.redirectDiffers();
    if (!pkceMatches(code.codeChallenge, form.code_verifier)) throw aadsts.pkceMismatch();
    return issueUserTokens(ctx, tenant, code, code.nonce);
  }
  if (grantType === 'refresh_token') {
    const token = requireParameter(form, 'refresh_token');
    const grant = ctx.refreshTokens.get(token);
    if (!grant || grant.clientId !== app.clientId) throw aadsts.codeExpired();
    // Entra returns a new refresh token with every refresh; the old one stays valid until it expires.
    return issueUserTokens(ctx, tenant, { ...grant, scope: form.scope ?? grant.scope });
  }
  const device = ctx.devices.get(requireParameter(form, 'device_code'));
  if (!device || device.clientId !== app.clientId || device.expiresAt < Date.now()) throw aadsts.deviceExpired();
  if (device.state === 'pending') throw aadsts.authorizationPending();
  if (device.state === 'declined') throw aadsts.deviceDeclined();
  ctx.devices.delete(requireParameter(form, 'device_code'));
  return issueUserTokens(ctx, tenant, { tenantId: tenant.id, clientId: app.clientId, user: device.state.user, scope: device.scope });
}

// ---------------------------------------------------------------------------------------------------
// Metadata

function discoveryDocument(ctx: Context, tenantId: string): object {
  const authority = `${ctx.baseUrl}/${tenantId}`;
  return {
    token_endpoint: `${authority}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${authority}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: issuerFor(ctx, tenantId),
    request_uri_parameter_supported: false,
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    tenant_region_scope: 'NA',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  };
}

// Entra's JWKS entries also name the issuer they sign for.
function keySet(ctx: Context, tenantId: string): { keys: object[] } {
  return { keys: [{ ...ctx.signing.publicJwk, issuer: issuerFor(ctx, tenantId) }] };
}

// ---------------------------------------------------------------------------------------------------
// Responses

interface Ids {
  traceId: string;
  correlationId: string;
  clientRequestId: string | undefined;
}

function requestIds(request: ParsedRequest): Ids {
  const header = request.headers['client-request-id'];
  const clientRequestId = Array.isArray(header) ? header[0] : header;
  // Entra adopts the client's request id as the correlation id.
  return { traceId: randomUUID(), correlationId: clientRequestId ?? randomUUID(), clientRequestId };
}

function entraHeaders(ids: Ids): Record<string, string> {
  return {
    'Cache-Control': 'no-store, no-cache',
    Pragma: 'no-cache',
    'Content-Type': 'application/json; charset=utf-8',
    Expires: '-1',
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
    'X-Content-Type-Options': 'nosniff',
    P3P: 'CP="DSP CUR OTPi IND OTRi ONL FIN"',
    'x-ms-request-id': ids.traceId,
    'x-ms-ests-server': '2.1.0 - emulator',
    'X-XSS-Protection': '0',
    ...(ids.clientRequestId !== undefined && { 'client-request-id': ids.clientRequestId }),
  };
}

function sendJson(res: ServerResponse, status: number, body: object, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.writeHead(status);
  res.end(JSON.stringify(body));
}

function sendAadstsError(res: ServerResponse, failure: AadstsError, ids: Ids): void {
  const timestamp = entraTimestamp(new Date());
  sendJson(
    res,
    failure.status,
    {
      error: failure.error,
      error_description: `AADSTS${failure.code}: ${failure.message}\r\nTrace ID: ${ids.traceId}\r\nCorrelation ID: ${ids.correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [failure.code],
      timestamp,
      trace_id: ids.traceId,
      correlation_id: ids.correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${failure.code}`,
    },
    entraHeaders(ids),
  );
}

function sendCanned(res: ServerResponse, canned: CannedResponse & { status: number }): void {
  const isJson = typeof canned.body === 'object';
  const body = canned.body === undefined ? '' : isJson ? JSON.stringify(canned.body) : String(canned.body);
  if (body !== '' || canned.contentType) {
    res.setHeader('Content-Type', canned.contentType ?? (isJson ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8'));
  }
  res.writeHead(canned.status);
  res.end(body);
}

/** Answers one request; returns its outcome. */
async function respond(ctx: Context, request: ParsedRequest, res: ServerResponse): Promise<Outcome> {
  const ids = requestIds(request);
  const { pathname } = new URL(request.path, 'https://host');
  const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(pathname);
  const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(pathname);
  const keys = /^\/([^/]+)\/discovery\/v2\.0\/keys$/.exec(pathname);
  const authorizePath = /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/.exec(pathname);
  const devicePath = /^\/([^/]+)\/oauth2\/v2\.0\/devicecode$/.exec(pathname);
  try {
    if (authorizePath) return authorize(ctx, request, res, authorizePath[1]!);
    if (devicePath) {
      sendJson(res, 200, deviceCode(ctx, request, devicePath[1]!), entraHeaders(ids));
      return 'device-code';
    }
    if (pathname === '/devicelogin') return deviceLogin(ctx, request, res);
    if (token) {
      sendJson(res, 200, await tokenResponse(ctx, request, token[1]!), entraHeaders(ids));
      return 'token';
    }
    if (request.method === 'GET' && (discovery || keys)) {
      const tenant = resolveTenant(ctx, (discovery ?? keys)![1]!, 'invalid_tenant');
      const document = discovery ? discoveryDocument(ctx, tenant.id) : keySet(ctx, tenant.id);
      sendJson(res, 200, document, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'max-age=86400, private' });
      return 'metadata';
    }
  } catch (error) {
    if (!(error instanceof AadstsError)) throw error;
    sendAadstsError(res, error, ids);
    return error.code;
  }
  res.writeHead(404).end();
  return 'not-found';
}

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = parseRequest(req, await readBody(req));
  const canned = ctx.queue.shift();
  if (canned?.dateOffsetSeconds !== undefined) res.setHeader('Date', new Date(Date.now() + canned.dateOffsetSeconds * 1000).toUTCString());
  for (const [name, value] of Object.entries(canned?.headers ?? {})) res.setHeader(name, value);
  if (canned?.hang) {
    ctx.requests.push({ ...request, outcome: 'canned' });
    return;
  }
  if (canned?.status !== undefined) {
    ctx.requests.push({ ...request, outcome: 'canned' });
    sendCanned(res, { ...canned, status: canned.status });
    return;
  }
  try {
    ctx.requests.push({ ...request, outcome: await respond(ctx, request, res) });
  } catch (error) {
    // An emulator bug: make it loud in the test rather than a hang.
    ctx.requests.push({ ...request, outcome: 'emulator-error' });
    res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`entra emulator error: ${(error as Error).stack}`);
  }
}

// ---------------------------------------------------------------------------------------------------

function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Starts the emulator on 127.0.0.1 with a random port, serving HTTPS with a generated test CA. */
export async function startEntraEmulator(config: EntraEmulatorConfig): Promise<EntraEmulator> {
  const tls = config.tls ?? createTestCertificates();
  const server = createServer({ cert: tls.serverCertPem, key: tls.serverKeyPem });
  const port = await listenOnLoopback(server);
  const url = `https://127.0.0.1:${port}`;
  const ctx: Context = {
    config,
    baseUrl: url,
    signing: await createSigningKey(),
    requests: [],
    queue: [],
    usedJtis: new Set(),
    certificates: registerCertificates(config.apps ?? []),
    servicePrincipalIds: new Map(),
    codes: new Map(),
    refreshTokens: new Map(),
    devices: new Map(),
    deviceInterval: 5,
    codeLifetimeSeconds: 600,
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(ctx, req, res).catch(() => res.destroy());
  });
  return {
    url,
    authorityHost: url,
    tokenUrl: (tenant) => `${url}/${tenant}/oauth2/v2.0/token`,
    caFile: tls.caFile,
    caPem: tls.caPem,
    requests: ctx.requests,
    enqueue: (...responses) => void ctx.queue.push(...responses),
    signingJwks: { keys: [ctx.signing.publicJwk] },
    setDeviceInterval: (seconds) => void (ctx.deviceInterval = seconds),
    revokeRefreshTokens: () => ctx.refreshTokens.clear(),
    setCodeLifetime: (seconds) => void (ctx.codeLifetimeSeconds = seconds),
    async close() {
      // Hung and keep-alive sockets would hold close() open forever.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      if (!config.tls) rmSync(tls.dir, { recursive: true, force: true });
    },
  };
}
