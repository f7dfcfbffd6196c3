import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../support/cli.js';
import { makeSigningKey, rawToken, signToken, type SigningKey } from '../support/tokens.js';

const seedToken = readFileSync(join(REPO, 'examples/entra-access-token.txt'), 'utf8');

/** A loopback "issuer" publishing discovery metadata and a JWKS, counting the requests it gets. */
interface FakeIssuer {
  url: string;
  requests: string[];
  jwks: { keys: unknown[] };
  metadataIssuer?: string;
  server: Server;
}

async function startIssuer(jwks: { keys: unknown[] }): Promise<FakeIssuer> {
  const issuer = { requests: [] as string[], jwks } as FakeIssuer;
  issuer.server = createServer((req, res) => {
    issuer.requests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    if (req.url === '/tenant/v2.0/.well-known/openid-configuration') {
      res.end(JSON.stringify({ issuer: issuer.metadataIssuer ?? `${issuer.url}/tenant/v2.0`, jwks_uri: `${issuer.url}/keys` }));
    } else if (req.url === '/keys') {
      res.end(JSON.stringify(issuer.jwks));
    } else if (req.url === '/moved') {
      res.writeHead(302, { location: 'https://elsewhere.example/keys' }).end();
    } else {
      res.writeHead(404).end('{}');
    }
  });
  await new Promise<void>((resolve) => issuer.server.listen(0, '127.0.0.1', resolve));
  issuer.url = `http://127.0.0.1:${(issuer.server.address() as AddressInfo).port}`;
  return issuer;
}

let key: SigningKey;
let otherKey: SigningKey;
let issuer: FakeIssuer;
let dir: string;
let token: string;

beforeAll(async () => {
  key = await makeSigningKey('key-1');
  otherKey = await makeSigningKey('key-2');
  issuer = await startIssuer({ keys: [otherKey.publicJwk, key.publicJwk] });
  dir = mkdtempSync(join(tmpdir(), 'tokenctl-decode-'));
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [key.publicJwk] }));
  writeFileSync(join(dir, 'other-jwks.json'), JSON.stringify({ keys: [otherKey.publicJwk] }));
  writeFileSync(join(dir, 'key.pem'), key.publicPem);
  writeFileSync(join(dir, 'key.jwk'), JSON.stringify(key.publicJwk));
  token = await signToken(key, { iss: `${issuer.url}/tenant/v2.0`, aud: 'api://orders', tid: 'tenant', roles: ['Orders.Read'], azp: 'client-1' });
});

afterAll(() => new Promise<void>((resolve) => issuer.server.close(() => resolve())));

describe('decode input', () => {
  it('decodes the line-wrapped Entra token from the vendor guide, from stdin', async () => {
    const result = await runCli(['decode'], { input: seedToken });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"tid": "9660ad26-896d-4438-a013-e3ee23b57b7c"');
    expect(result.stdout).toContain('App-only token: it carries roles and no scp');
    expect(result.stdout).toMatch(/exp\s+2025-11-18T10:46:00Z/);
    expect(result.stdout).toContain('NOT verified');
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('takes the token from an argument, with quotes and an Authorization header around it', async () => {
    const result = await runCli(['decode', '--claim', 'azp', `"Authorization: Bearer ${seedToken.replace(/\s/g, '')}"`]);
    expect(result).toMatchObject({ code: 0, stdout: '2974926a-0818-407b-a86c-b7616ce3a81a\n' });
  });

  it('reads stdin for "-"', async () => {
    expect((await runCli(['decode', '-', '--claim', 'ver'], { input: seedToken })).stdout).toBe('2.0\n');
  });

  it('--json prints the header and payload exactly as decoded', async () => {
    const result = await runCli(['decode', '--json'], { input: seedToken });
    const doc = JSON.parse(result.stdout);
    expect(doc.header).toEqual({ typ: 'JWT', alg: 'RS256', kid: 'rtsFT-b-7LuY7DVYeSNKcIJ7Vnc' });
    expect(doc.payload.roles).toHaveLength(3);
    expect(doc.status.state).toBe('expired');
    expect(doc.signature.verified).toBe(false);
    expect(result.stderr).toBe('');
  });

  it('--claim prints a string raw and anything else as JSON; a missing claim is exit 7', async () => {
    expect((await runCli(['decode', '--claim', 'exp'], { input: seedToken })).stdout).toBe('1763462760\n');
    expect((await runCli(['decode', '--claim', 'roles'], { input: seedToken })).stdout).toMatch(/^\["Solver","Management",/);
    const missing = await runCli(['decode', '--claim', 'scp'], { input: seedToken });
    expect(missing).toMatchObject({ code: 7, stdout: '' });
    expect(missing.stderr).toContain('the token has no "scp" claim');
  });

  it.each([
    ['a.b', 'JWT_SEGMENT_COUNT', 'this input has 2'],
    ['a.b.c.d.e', 'JWT_ENCRYPTED', 'encrypted token'],
    ['2YotnFZFEjr1zCsicMWpAA', 'OPAQUE_TOKEN', 'opaque'],
    ['eyJhbGciOiJub25lIn0.eyJ+IjoxfQ.x', 'JWT_BAD_BASE64URL', 'position 4'],
    [rawToken({ alg: 'none' }, 'nope'), 'JWT_NOT_JSON', 'payload segment is not JSON'],
    [rawToken([1], {}), 'JWT_NOT_OBJECT', 'header segment is JSON but an array'],
    ['   ', 'EMPTY_TOKEN', 'empty'],
  ])('rejects %s with exit 2, a precise message and nothing on stdout', async (input, code, text) => {
    const human = await runCli(['decode'], { input });
    expect(human).toMatchObject({ code: 2, stdout: '' });
    expect(human.stderr).toContain(text);
    expect(human.stderr).not.toMatch(/\n\s+at /);
    const json = await runCli(['decode', '--json'], { input });
    expect(JSON.parse(json.stderr)).toEqual({ error: { code, message: expect.stringContaining(text), hint: expect.any(String), exitCode: 2 } });
  });

  it('rejects more than 1 MiB on stdin', async () => {
    const result = await runCli(['decode'], { input: 'a'.repeat(1024 * 1024 + 10) });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('larger than 1 MiB');
  });
});

describe('decode validity', () => {
  it('--require-valid: 0 for a fresh token, 7 for an expired or not-yet-valid one, --leeway tolerates skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await runCli(['decode', '--require-valid', token])).code).toBe(0);
    const expired = await signToken(key, { iat: now - 7200, nbf: now - 7200, exp: now - 30 });
    const result = await runCli(['decode', '--require-valid', expired]);
    expect(result).toMatchObject({ code: 7, stdout: '' });
    expect(result.stderr).toMatch(/expired \d+s ago/);
    expect((await runCli(['decode', '--require-valid', '--leeway', '120', expired])).code).toBe(0);
    const future = await signToken(key, { nbf: now + 600, exp: now + 4000 });
    expect((await runCli(['decode', '--require-valid', future])).stderr).toContain('not valid until');
    expect((await runCli(['decode', '--require-valid', expired])).code).toBe(7);
    expect((await runCli(['decode', expired])).code).toBe(0);
  });

  it('shows relative times and the status line', async () => {
    const result = await runCli(['decode', token]);
    expect(result.stdout).toMatch(/exp\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+in (59m \d+s|1h)/);
    expect(result.stdout).toMatch(/Status\s+valid for (59m \d+s|1h)/);
  });
});

describe('decode --verify', () => {
  it('sends nothing anywhere without --verify', async () => {
    const before = issuer.requests.length;
    expect((await runCli(['decode', token])).code).toBe(0);
    expect(issuer.requests.length).toBe(before);
  });

  it('discovers the JWKS from iss and verifies', async () => {
    const before = issuer.requests.length;
    const result = await runCli(['decode', '--verify', token]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`verified (RS256, key id key-1) with ${issuer.url}/keys (discovered from ${issuer.url}/tenant/v2.0)`);
    expect(issuer.requests.slice(before)).toEqual(['/tenant/v2.0/.well-known/openid-configuration', '/keys']);
  });

  it.each([
    ['a JWKS file', () => ['--jwks', join(dir, 'jwks.json')]],
    ['a JWKS URL', () => ['--jwks', `${issuer.url}/keys`]],
    ['a PEM public key', () => ['--key', join(dir, 'key.pem')]],
    ['a JWK', () => ['--key', join(dir, 'key.jwk')]],
  ])('verifies against %s', async (_name, args) => {
    const result = await runCli(['decode', '--json', ...args(), token]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).signature).toMatchObject({ verified: true, algorithm: 'RS256', keyId: 'key-1' });
  });

  it('fails with exit 7 and the reason for a wrong key, a tampered token, or no matching kid', async () => {
    const wrongKey = await runCli(['decode', '--key', join(dir, 'key.pem'), await signToken(otherKey, { iss: 'x' }, { kid: 'key-1' })]);
    expect(wrongKey).toMatchObject({ code: 7, stdout: '' });
    expect(wrongKey.stderr).toContain('signature verification failed');

    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, roles: ['Admin'] })).toString('base64url')}.${s}`;
    expect((await runCli(['decode', '--jwks', join(dir, 'jwks.json'), tampered])).stderr).toContain('signature verification failed');

    const noKid = await runCli(['decode', '--jwks', join(dir, 'other-jwks.json'), token]);
    expect(noKid.code).toBe(7);
    expect(noKid.stderr).toContain('no key in the key set matches the token (key id key-1, alg RS256)');
  });

  it('checks --expect-aud and --expect-iss', async () => {
    expect((await runCli(['decode', '--verify', '--expect-aud', 'api://orders', '--expect-iss', `${issuer.url}/tenant/v2.0`, token])).code).toBe(0);
    const result = await runCli(['decode', '--verify', '--expect-aud', 'api://billing', token]);
    expect(result).toMatchObject({ code: 7, stdout: '' });
    expect(result.stderr).toContain('aud is "api://orders", expected "api://billing"');
  });

  it('refuses a discovery document that names another issuer', async () => {
    issuer.metadataIssuer = 'https://evil.example/';
    try {
      const result = await runCli(['decode', '--verify', token]);
      expect(result.code).toBe(7);
      expect(result.stderr).toContain('names issuer "https://evil.example/"');
    } finally {
      delete issuer.metadataIssuer;
    }
  });

  it('refuses plain http to a non-loopback host before sending anything (exit 2)', async () => {
    const result = await runCli(['decode', '--jwks', 'http://keys.example.com/jwks', token]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('must use https');
  });

  it('does not follow redirects, and names the Location (exit 6)', async () => {
    const result = await runCli(['decode', '--jwks', `${issuer.url}/moved`, token]);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('redirects (HTTP 302) to https://elsewhere.example/keys');
  });

  it('reports an unreachable key server with exit 6', async () => {
    const result = await runCli(['decode', '--jwks', 'http://127.0.0.1:9/keys', token]);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('cannot reach 127.0.0.1:9');
  });
});

describe('conventions', () => {
  it('colours only on request: FORCE_COLOR on a pipe, never with NO_COLOR or --no-color', async () => {
    expect((await runCli(['decode', token], { env: { FORCE_COLOR: '1' } })).stdout).toContain('\u001b[');
    expect((await runCli(['decode', token], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout).toContain('\u001b[');
    expect((await runCli(['decode', '--no-color', token], { env: { FORCE_COLOR: '1' } })).stdout).not.toContain('\u001b[');
    expect((await runCli(['decode', token], { env: { NO_COLOR: '1' } })).stdout).not.toContain('\u001b[');
  });

  it('--help documents the exit codes; decode --help has examples', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('130  interrupted');
    expect((await runCli(['decode', '--help'])).stdout).toContain('Examples:');
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    expect(await runCli(['--version'])).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('an unknown command points at the command list, with a suggestion', async () => {
    const result = await runCli(['tokn']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('Did you mean token?');
    expect(result.stderr).toContain('Run tokenctl --help');
  });

  it('an unknown flag is exit 2 with a hint; with --json one JSON object on stderr', async () => {
    const result = await runCli(['decode', '--bogus', '--json']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(JSON.parse(result.stderr).error).toMatchObject({ code: 'UNKNOWN_OPTION', exitCode: 2, hint: 'Run tokenctl decode --help for the options.' });
  });
});
