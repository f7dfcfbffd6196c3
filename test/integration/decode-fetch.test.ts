import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

// A service on this machine that an untrusted token must not be able to make tokenctl call.
let target: ScriptedServer;
beforeAll(async () => {
  target = await startScriptedServer([]);
});
afterAll(() => target.close());

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const tokenFrom = (iss: string) => `${part({ alg: 'RS256', typ: 'JWT', kid: 'k' })}.${part({ iss, sub: 'x', exp: 4102444800 })}.c2lnbmF0dXJl`;

describe('decode --verify fetches only what an issuer can name', () => {
  it.each([
    ['a query', (base: string) => `${base}/admin/delete?confirm=yes&x=`],
    ['a fragment', (base: string) => `${base}/internal/api#`],
    ['an encoded query', (base: string) => `${base}/admin?`],
  ])('an iss with %s is refused (exit 2) and nothing is fetched', async (_what, iss) => {
    const before = target.requests.length;
    const result = await runCli(['decode', '--verify', tokenFrom(iss(target.url))]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('query or fragment');
    expect(target.requests.length).toBe(before);
  });

  it('an iss with credentials is refused (exit 2)', async () => {
    const before = target.requests.length;
    const result = await runCli(['decode', '--verify', tokenFrom(target.url.replace('http://', 'http://user:pass@'))]);
    expect(result.code).toBe(2);
    expect(target.requests.length).toBe(before);
  });

  it('names the URL on stderr before fetching it, and still refuses a redirect', async () => {
    const redirecting = await startScriptedServer([{ status: 302, headers: { location: `${target.url}/elsewhere` } }]);
    try {
      const before = target.requests.length;
      const result = await runCli(['decode', '--verify', tokenFrom(`${redirecting.url}/tenant`)]);
      expect(result.stderr).toContain(`tokenctl: fetching the discovery document ${redirecting.url}/tenant/.well-known/openid-configuration\n`);
      expect(result.stderr).toContain('redirects');
      expect(result.code).toBe(6);
      expect(target.requests.length).toBe(before);
    } finally {
      await redirecting.close();
    }
  });

  it('refuses a plain-http issuer that is not this machine', async () => {
    const result = await runCli(['decode', '--verify', tokenFrom('http://idp.example.com/')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('must use https');
  });
});
