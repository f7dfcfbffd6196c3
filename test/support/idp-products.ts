import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * Loopback stand-ins for the token endpoints of Keycloak, Okta, Auth0, PingFederate, PingOne and Spring
 * Authorization Server, each at its own path and answering misconfigured requests with the status,
 * body shape and wording that product uses. One server hosts them all; a test picks the product by URL.
 */

export interface ProductClient {
  secret: string;
  /** Client-credentials grant allowed (Keycloak: service accounts roles on). */
  grantAllowed?: boolean;
  publicClient?: boolean;
  authMethod?: 'client_secret_basic' | 'client_secret_post' | 'either';
  disabled?: boolean;
  /** Scopes the client may ask for. */
  scopes?: string[];
  /** Auth0: APIs (audiences) the client has a client grant for. */
  audiences?: string[];
  /** Okta: an access policy rule lets this client have tokens. */
  policyAllows?: boolean;
}

export interface ProductServer {
  url: string;
  keycloak(realm: string): string;
  okta(authorizationServer: string): string;
  auth0: string;
  pingFederate: string;
  pingOne(environment: string): string;
  spring: string;
  requests: Array<{ path: string; form: Record<string, string>; authorization: string | undefined }>;
  close(): Promise<void>;
}

const KEYCLOAK_REALMS = ['acme'];
const OKTA_SERVERS = ['default', 'aus1a2b3c4d5e6f7g8h9'];
export const PINGONE_ENVIRONMENT = '4b7e1a52-3f0e-4d5c-9a61-0c2f6b9d8e11';
export const AUTH0_API = 'https://orders.example.com/api';

interface Answer {
  status: number;
  body: object | string;
  headers?: Record<string, string>;
}

const json = (status: number, body: object, headers: Record<string, string> = {}): Answer => ({ status, body, headers });
const fakeJwt = (claims: object) => `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
const token = (claims: object = {}): Answer => json(200, { access_token: fakeJwt({ sub: 'svc', exp: Math.floor(Date.now() / 1000) + 3600, ...claims }), token_type: 'Bearer', expires_in: 3600 });

interface Sent {
  form: Record<string, string>;
  clientId: string | undefined;
  secret: string | undefined;
  method: 'client_secret_basic' | 'client_secret_post' | undefined;
}

function credentials(req: IncomingMessage, form: Record<string, string>): Sent {
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const [id, secret] = Buffer.from(basic[1]!, 'base64').toString().split(':').map(decodeURIComponent) as [string, string];
    return { form, clientId: id, secret, method: 'client_secret_basic' };
  }
  return { form, clientId: form.client_id, secret: form.client_secret, method: form.client_secret === undefined ? undefined : 'client_secret_post' };
}

function methodAllowed(client: ProductClient, sent: Sent): boolean {
  return (client.authMethod ?? 'either') === 'either' || client.authMethod === sent.method;
}

function keycloak(realm: string, sent: Sent, clients: Record<string, ProductClient>): Answer {
  if (!KEYCLOAK_REALMS.includes(realm)) return json(404, { error: 'Realm does not exist', error_description: 'Realm does not exist' });
  const client = clients[sent.clientId ?? ''];
  if (!client) return json(401, { error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' });
  if (client.disabled) return json(401, { error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' });
  if (client.publicClient) return json(400, { error: 'unauthorized_client', error_description: 'Public client not allowed to retrieve service account' });
  if (client.secret !== sent.secret) return json(401, { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' });
  if (client.grantAllowed === false) return json(400, { error: 'unauthorized_client', error_description: 'Client not enabled to retrieve service account' });
  const asked = (sent.form.scope ?? '').split(' ').filter(Boolean);
  const unknown = asked.filter((scope) => !(client.scopes ?? []).includes(scope));
  if (unknown.length) return json(400, { error: 'invalid_scope', error_description: `Invalid scopes: ${asked.join(' ')}` });
  return token({ realm_access: { roles: ['default-roles-acme'] }, azp: sent.clientId });
}

function okta(server: string, sent: Sent, clients: Record<string, ProductClient>): Answer {
  if (!OKTA_SERVERS.includes(server)) {
    return json(404, { errorCode: 'E0000007', errorSummary: `Not found: Resource not found: ${server} (AuthorizationServer)`, errorLink: 'E0000007', errorId: `oae${randomUUID().slice(0, 19)}`, errorCauses: [] });
  }
  const client = clients[sent.clientId ?? ''];
  if (!client) return json(401, { error: 'invalid_client', error_description: "Invalid value for 'client_id' parameter." });
  if (!methodAllowed(client, sent)) {
    return json(401, { error: 'invalid_client', error_description: `Client authentication failed. The client is configured to use ${client.authMethod} and ${sent.method} was used.` });
  }
  if (client.secret !== sent.secret) return json(401, { error: 'invalid_client', error_description: 'The client secret supplied for a confidential client is invalid.' });
  if (client.grantAllowed === false) {
    return json(400, { error: 'unauthorized_client', error_description: 'The client is not authorized to use the provided grant type. Configured grant types: [authorization_code].' });
  }
  const asked = (sent.form.scope ?? '').split(' ').filter(Boolean);
  if (asked.length === 0) {
    return json(400, { error: 'invalid_scope', error_description: "The authorization server resource does not have any configured default scopes, 'scope' must be provided." });
  }
  if (asked.some((scope) => !(client.scopes ?? []).includes(scope))) {
    return json(400, { error: 'invalid_scope', error_description: 'One or more scopes are not configured for the authorization server resource.' });
  }
  if (client.policyAllows === false) return json(400, { error: 'access_denied', error_description: 'Policy evaluation failed for this request, please check the policy configurations.' });
  return token({ scp: asked, cid: sent.clientId, ver: 1, iss: `https://dev-123456.okta.com/oauth2/${server}` });
}

function auth0(sent: Sent, clients: Record<string, ProductClient>): Answer {
  const client = clients[sent.clientId ?? ''];
  if (!client || client.secret !== sent.secret) return json(401, { error: 'access_denied', error_description: 'Unauthorized' });
  if (client.grantAllowed === false) {
    return json(403, { error: 'unauthorized_client', error_description: "Grant type 'client_credentials' not allowed for the client.", error_uri: 'https://auth0.com/docs/clients/client-grant-types' });
  }
  const audience = sent.form.audience;
  if (!audience) return json(403, { error: 'access_denied', error_description: 'No audience parameter was provided, and no default audience has been configured' });
  if (audience !== AUTH0_API) return json(403, { error: 'access_denied', error_description: `Service not enabled within domain: ${audience}` });
  if (!(client.audiences ?? []).includes(audience)) {
    return json(403, {
      error: 'access_denied',
      error_description: `Client is not authorized to access "${audience}". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`,
    });
  }
  const asked = (sent.form.scope ?? '').split(' ').filter(Boolean);
  const notGranted = asked.filter((scope) => !(client.scopes ?? []).includes(scope));
  if (notGranted.length) return json(403, { error: 'access_denied', error_description: `Client has not been granted scopes: ${notGranted.join(' ')}` });
  return token({ aud: audience, azp: sent.clientId, gty: 'client-credentials', permissions: asked.length ? asked : (client.scopes ?? []) });
}

function pingFederate(sent: Sent, clients: Record<string, ProductClient>): Answer {
  const client = clients[sent.clientId ?? ''];
  if (!client || client.secret !== sent.secret) return json(401, { error_description: 'Invalid client or client credentials.', error: 'invalid_client' });
  if (client.grantAllowed === false) return json(400, { error_description: 'grant_type is not allowed for this client', error: 'unauthorized_client' });
  const asked = (sent.form.scope ?? '').split(' ').filter(Boolean);
  if (asked.some((scope) => !(client.scopes ?? []).includes(scope))) {
    return json(400, { error_description: 'The requested scope(s) must be blank or a subset of the provided scopes.', error: 'invalid_scope' });
  }
  return token({ client_id: sent.clientId, scope: asked });
}

function pingOne(environment: string, sent: Sent, clients: Record<string, ProductClient>): Answer {
  const correlation = randomUUID();
  if (environment !== PINGONE_ENVIRONMENT) {
    return json(404, { id: correlation, code: 'NOT_FOUND', message: 'The request could not be completed. The requested resource was not found.' });
  }
  const client = clients[sent.clientId ?? ''];
  if (client && !methodAllowed(client, sent)) {
    return json(401, { error: 'invalid_client', error_description: `Request denied: Unsupported authentication method (Correlation ID: ${correlation})` }, { 'correlation-id': correlation });
  }
  if (!client || client.secret !== sent.secret) {
    return json(401, { error: 'invalid_client', error_description: `Request denied: Invalid client credentials (Correlation ID: ${correlation})` }, { 'correlation-id': correlation });
  }
  if (client.grantAllowed === false) return json(400, { error: 'unauthorized_client', error_description: `Request denied: Unsupported grant type (Correlation ID: ${correlation})` });
  return token({ client_id: sent.clientId, env: environment });
}

function spring(sent: Sent, clients: Record<string, ProductClient>): Answer {
  const uri = 'https://datatracker.ietf.org/doc/html/rfc6749#section-3.2.1';
  const client = clients[sent.clientId ?? ''];
  if (!client) return json(401, { error_description: 'Client authentication failed: client_id', error: 'invalid_client', error_uri: uri });
  if (!methodAllowed(client, sent)) return json(401, { error_description: 'Client authentication failed: authentication_method', error: 'invalid_client', error_uri: uri });
  if (client.secret !== sent.secret) return json(401, { error_description: 'Client authentication failed: client_secret', error: 'invalid_client', error_uri: uri });
  if (client.grantAllowed === false) return json(400, { error: 'unauthorized_client' });
  const asked = (sent.form.scope ?? '').split(' ').filter(Boolean);
  if (asked.some((scope) => !(client.scopes ?? []).includes(scope))) return json(400, { error: 'invalid_scope' });
  return token({ sub: sent.clientId, scope: asked });
}

function route(path: string, sent: Sent, clients: Record<string, ProductClient>): Answer {
  let match: RegExpExecArray | null;
  if ((match = /^\/realms\/([^/]+)\/protocol\/openid-connect\/token$/.exec(path))) return keycloak(match[1]!, sent, clients);
  if ((match = /^\/oauth2\/([^/]+)\/v1\/token$/.exec(path))) return okta(match[1]!, sent, clients);
  if (path === '/oauth/token') return auth0(sent, clients);
  if (path === '/as/token.oauth2') return pingFederate(sent, clients);
  if ((match = /^\/([0-9a-f-]{36})\/as\/token$/.exec(path))) return pingOne(match[1]!, sent, clients);
  if (path === '/oauth2/token') return spring(sent, clients);
  return { status: 404, body: '<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>', headers: { 'content-type': 'text/html' } };
}

function formOf(req: IncomingMessage, body: string): Record<string, string> {
  if ((req.headers['content-type'] ?? '').includes('json')) return JSON.parse(body) as Record<string, string>;
  return Object.fromEntries(new URLSearchParams(body));
}

/** Starts the products on 127.0.0.1 (plain http, which tokenctl allows for a literal loopback address). */
export async function startProductServer(clients: Record<string, ProductClient>): Promise<ProductServer> {
  const requests: ProductServer['requests'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://host').pathname;
      const form = formOf(req, body);
      requests.push({ path, form, authorization: req.headers.authorization });
      const answer = route(path, credentials(req, form), clients);
      const isText = typeof answer.body === 'string';
      res.writeHead(answer.status, { 'content-type': isText ? 'text/plain' : 'application/json;charset=UTF-8', 'cache-control': 'no-store', ...answer.headers });
      res.end(isText ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    keycloak: (realm) => `${url}/realms/${realm}/protocol/openid-connect/token`,
    okta: (authorizationServer) => `${url}/oauth2/${authorizationServer}/v1/token`,
    auth0: `${url}/oauth/token`,
    pingFederate: `${url}/as/token.oauth2`,
    pingOne: (environment) => `${url}/${environment}/as/token`,
    spring: `${url}/oauth2/token`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
