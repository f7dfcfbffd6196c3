import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../support/cli.js';
import { rawToken } from '../support/tokens.js';

/*
 * decode takes what people actually paste, exactly as they paste it: the vendor guides' own examples
 * (copied verbatim into test/fixtures/pastes), tokenctl's own output formats, curl commands, request
 * dumps and log lines.
 */

const fixture = (name: string) => readFileSync(join(REPO, 'test/fixtures/pastes', name), 'utf8');
const API = 'cdc128ef-09ca-46ca-a349-57c0c248cad7';
const TOKEN = rawToken({ alg: 'RS256', typ: 'JWT', kid: 'k1' }, { iss: 'https://sso.example.com/realms/acme', aud: 'account', azp: 'erp', preferred_username: 'service-account-erp', realm_access: { roles: ['orders-reader'] }, resource_access: { orders: { roles: ['read'] } }, scope: 'profile orders', exp: 4102444800, iat: 4102441200 }, 'c2lnbmF0dXJl');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tokenctl-pastes-'));
});

async function decodeJson(input: string, ...args: string[]) {
  const result = await runCli(['decode', '--json', ...args], { input });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as { header: Record<string, unknown>; payload: Record<string, unknown>; notes: Array<{ id: string; text: string }> };
}

describe('decode takes every paste', () => {
  it('the DecisionRules guide\'s example response, exactly as printed: a JSON object whose access_token is line-wrapped', async () => {
    const doc = await decodeJson(fixture('decisionrules-token-response.txt'));
    expect(doc.header).toEqual({ typ: 'JWT', alg: 'RS256', kid: 'rtsFT-b-7LuY7DVYeSNKcIJ7Vnc' });
    expect(doc.payload).toMatchObject({ aud: API, azp: '2974926a-0818-407b-a86c-b7616ce3a81a', roles: ['Solver', 'Management', expect.stringMatching(/^decisionrules:orgId:/)] });
  });

  it.each([
    ['export ACCESS_TOKEN=\'…\' (token -o env)', `export ACCESS_TOKEN='${TOKEN}'\n`],
    ['ACCESS_TOKEN=… (token -o env, unquoted)', `ACCESS_TOKEN=${TOKEN}\n`],
    ['Authorization: Bearer … (token -o header)', `Authorization: Bearer ${TOKEN}\n`],
    ['a curl argument', `curl -sS -H "Accept: application/json" -H "Authorization: Bearer ${TOKEN}" https://api.example.com/orders\n`],
    ['an HTTP request dump', `POST /orders HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/json\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: 2\r\n\r\n{}`],
    ['a log line with one JWT among other words', `2026-11-29T10:15:02.114Z WARN orders-api rejected call from erp (token=${TOKEN}): 401 invalid_token\n`],
    ['a compact JSON response', JSON.stringify({ access_token: TOKEN, token_type: 'Bearer', expires_in: 300 })],
  ])('%s', async (_name, input) => {
    const doc = await decodeJson(input);
    expect(doc.payload).toMatchObject({ azp: 'erp', realm_access: { roles: ['orders-reader'] } });
  });

  it('the Informatica guide\'s <access_token> output, which the guide itself shortened: truncated, header shown, never "JWE"', async () => {
    const result = await runCli(['decode', '--json'], { input: fixture('informatica-output-fields.txt') });
    expect(result.code).toBe(2);
    const { error } = JSON.parse(result.stderr);
    expect(error.code).toBe('JWT_TRUNCATED');
    expect(error.message).toMatch(/^the token is truncated: it contains "…"/);
    expect(error.message).toContain('"x5t":"iBjL1Rcqzhiy4fpxIxdZqohM2Yk"');
    expect(error.message).not.toMatch(/JWE|encrypted/);
    // The same element with the whole token inside decodes.
    const whole = await decodeJson(`    <access_token>${TOKEN}</access_token>\n`);
    expect(whole.payload.azp).toBe('erp');
  });

  it.each([
    ['an ellipsis', `${TOKEN.slice(0, 60)}…${TOKEN.slice(-12)}`],
    ['three dots', `${TOKEN.slice(0, 60)}...${TOKEN.slice(-12)}`],
    ['a cut in the payload', TOKEN.slice(0, TOKEN.indexOf('.') + 30)],
  ])('a token shortened by %s is "truncated"', async (_how, input) => {
    const result = await runCli(['decode', input]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error the token is truncated/);
    expect(result.stderr).not.toMatch(/JWE|encrypted/);
  });

  it('--file PATH and @PATH read a file; a path given as the token is named a file, not a bad token', async () => {
    const path = join(dir, 'response.json');
    writeFileSync(path, fixture('decisionrules-token-response.txt'));
    for (const args of [['--file', path], [`@${path}`]]) {
      const result = await runCli(['decode', '--claim', 'aud', ...args]);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(`${API}\n`);
    }
    const asToken = await runCli(['decode', path, '--json']);
    expect(asToken.code).toBe(2);
    expect(JSON.parse(asToken.stderr).error).toMatchObject({ code: 'TOKEN_IS_A_FILE', hint: expect.stringContaining(`--file ${path}`) });
    const missing = await runCli(['decode', '--file', join(dir, 'nope.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
  });
});

describe('decode explains', () => {
  it('--claim takes a dotted path into objects and lists', async () => {
    const roles = await runCli(['decode', '--claim', 'realm_access.roles', TOKEN]);
    expect(roles.stdout).toBe('["orders-reader"]\n');
    const one = await runCli(['decode', '--claim', 'resource_access.orders.roles.0', TOKEN]);
    expect(one.stdout).toBe('read\n');
    const missing = await runCli(['decode', '--claim', 'realm_access.groups', TOKEN]);
    expect(missing.code).toBe(7);
  });

  it('--expect-role and --expect-scope check roles (Keycloak realm and client roles too) and scopes', async () => {
    expect((await runCli(['decode', '--expect-role', 'orders-reader', '--expect-role', 'read', '--expect-scope', 'orders', TOKEN])).code).toBe(0);
    const failed = await runCli(['decode', '--expect-role', 'orders-admin', '--expect-scope', 'orders.write', '--json', TOKEN]);
    expect(failed.code).toBe(7);
    const { error } = JSON.parse(failed.stderr);
    expect(error.code).toBe('EXPECTATION_FAILED');
    expect(error.message).toContain('roles lack orders-admin (the token has orders-reader, read)');
    expect(error.message).toContain('scopes lack orders.write');
  });

  it('--expect-aud api://GUID against a v2 token whose aud is the GUID: says v2 tokens carry the GUID, shows both', async () => {
    const result = await runCli(['decode', '--expect-aud', `api://${API}`, '--file', join(REPO, 'examples/entra-access-token.txt')]);
    expect(result.code).toBe(7);
    expect(result.stderr).toContain(`carry the API's application ID (GUID) as aud`);
    expect(result.stderr).toContain(`expected "api://${API}", the token has "${API}"`);
  });

  it('notes are data with stable ids; a token without roles or scp is never said to carry roles', async () => {
    const entra = await decodeJson(readFileSync(join(REPO, 'examples/entra-access-token.txt'), 'utf8'));
    expect(entra.notes[0]).toEqual({ id: 'entra-app-only', text: expect.stringContaining('carries roles') });
    const bare = rawToken({ alg: 'RS256' }, { iss: `https://login.microsoftonline.com/9660ad26-896d-4438-a013-e3ee23b57b7c/v2.0`, tid: '9660ad26-896d-4438-a013-e3ee23b57b7c', aud: API, idtyp: 'app', azp: 'x' }, 'c2ln');
    const doc = await decodeJson(bare);
    expect(doc.notes[0]?.id).toBe('entra-no-permissions');
    expect(JSON.stringify(doc.notes)).not.toContain('carries roles');
    const text = await runCli(['decode', bare]);
    expect(text.stdout).toContain('without roles or scp');
    expect(text.stdout).toContain('Grant admin consent');
    expect(text.stdout).not.toContain('carries roles');
  });

  it('Keycloak, Okta and Auth0 claims get plain-language notes, without Entra readings', async () => {
    const keycloak = await runCli(['decode', TOKEN]);
    expect(keycloak.stdout).toContain('Keycloak access token issued to a client (client credentials)');
    expect(keycloak.stdout).toMatch(/realm_access.*Realm roles/);
    const okta = rawToken({ alg: 'RS256' }, { iss: 'https://dev-123456.okta.com/oauth2/default', ver: 1, cid: 'svc', sub: 'svc', scp: ['orders.read'] }, 'c2ln');
    const oktaText = (await runCli(['decode', okta])).stdout;
    expect(oktaText).toMatch(/cid.*Client ID of the app/);
    expect(oktaText).not.toContain('requestedAccessTokenVersion');
    const auth0 = rawToken({ alg: 'RS256' }, { iss: 'https://acme.eu.auth0.com/', sub: 'svc@clients', gty: 'client-credentials', azp: 'svc', permissions: ['read:orders'] }, 'c2ln');
    expect((await runCli(['decode', auth0])).stdout).toMatch(/gty.*client credentials/);
  });
});
