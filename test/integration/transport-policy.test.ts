import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startProxy, type TestProxy } from '../support/proxy.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { createTestCertificates } from '../support/tls.js';

const SECRET = 'transport-canary-secret';
const TOKEN_BODY = JSON.stringify({ token_type: 'Bearer', expires_in: 3600, access_token: 'https-token' });

let proxy: TestProxy;
let untrusted: HttpsServer;
let untrustedUrl: string;
const untrustedRequests: string[] = [];

beforeAll(async () => {
  proxy = await startProxy();
  // A certificate from a CA nobody trusts: only turning verification off would accept it.
  const certs = createTestCertificates();
  untrusted = createHttpsServer({ cert: certs.serverCertPem, key: certs.serverKeyPem }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      untrustedRequests.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(TOKEN_BODY);
    });
  });
  await new Promise<void>((resolve) => untrusted.listen(0, '127.0.0.1', resolve));
  untrustedUrl = `https://127.0.0.1:${(untrusted.address() as AddressInfo).port}/token`;
});
afterAll(async () => {
  await proxy.close();
  untrusted.closeAllConnections();
  await new Promise<void>((resolve) => untrusted.close(() => resolve()));
});

const tokenArgs = (url: string) => ['token', '--token-url', url, '--client-id', 'svc', '--timeout', '5'];
const noProxy = { HTTPS_PROXY: undefined, HTTP_PROXY: undefined, https_proxy: undefined, http_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined };

describe('NODE_TLS_REJECT_UNAUTHORIZED=0 does not turn certificate checking off', () => {
  it('a direct connection to a server with an untrusted certificate fails (exit 6) and sends nothing', async () => {
    const result = await runCli(tokenArgs(untrustedUrl), { env: { ...noProxy, TOKENCTL_CLIENT_SECRET: SECRET, NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
    expect(result.stderr).toContain('TLS handshake');
    expect(result.code).toBe(6);
    expect(untrustedRequests).toEqual([]);
  });

  it('nor through a proxy', async () => {
    for (const env of [{ HTTPS_PROXY: proxy.url }, { HTTP_PROXY: proxy.url }]) {
      const result = await runCli(tokenArgs(untrustedUrl), { env: { ...noProxy, ...env, TOKENCTL_CLIENT_SECRET: SECRET, NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
      expect(result.code).toBe(6);
    }
    const viaFlag = await runCli([...tokenArgs(untrustedUrl), '--proxy', proxy.url], { env: { ...noProxy, TOKENCTL_CLIENT_SECRET: SECRET, NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
    expect(viaFlag.code).toBe(6);
    expect(proxy.connects.length).toBeGreaterThan(0);
    expect(untrustedRequests).toEqual([]);
  });

  it('doctor reports the variable as a problem', async () => {
    const result = await runCli(['doctor', '--json'], { env: { ...noProxy, NODE_TLS_REJECT_UNAUTHORIZED: '0', TOKENCTL_CONFIG_DIR: '/nonexistent-tokenctl-doctor' } });
    expect(result.code).toBe(7);
    const doc = JSON.parse(result.stdout) as { checks: Array<{ status: string; detail: string }> };
    expect(doc.checks).toContainEqual(expect.objectContaining({ status: 'problem', detail: expect.stringContaining('NODE_TLS_REJECT_UNAUTHORIZED=0') }));
  });
});

describe('plain http only to this machine, never through a proxy', () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer([]);
  });
  afterAll(() => server.close());

  it('a loopback http URL is connected directly, whatever HTTP_PROXY, HTTPS_PROXY or --proxy say', async () => {
    const before = server.requests.length;
    for (const extra of [{ args: [], env: { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url } }, { args: ['--proxy', proxy.url], env: {} }]) {
      const result = await runCli([...tokenArgs(`${server.url}/token`), ...extra.args], { env: { ...noProxy, ...extra.env, TOKENCTL_CLIENT_SECRET: SECRET } });
      expect(result.stderr).not.toContain('error');
      expect(result.code).toBe(0);
    }
    expect(server.requests.length).toBe(before + 2);
    // Neither forwarded in clear nor tunnelled: the proxy never saw the request.
    expect(proxy.forwards).toEqual([]);
    expect(proxy.connects).not.toContain(new URL(server.url).host);
  });

  it('a name under .localhost is loopback by definition: connected to this machine, not looked up in DNS', async () => {
    const port = new URL(server.url).port;
    const result = await runCli(tokenArgs(`http://idp.tokenctl-test.localhost:${port}/token`), { env: { ...noProxy, TOKENCTL_CLIENT_SECRET: SECRET } });
    expect(result.stderr).not.toContain('error');
    expect(result.code).toBe(0);
  });

  it('plain http to any other host is refused (exit 2) before anything is sent', async () => {
    const result = await runCli(tokenArgs('http://idp.example.com/token'), { env: { ...noProxy, TOKENCTL_CLIENT_SECRET: SECRET } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/must use https/);
  });
});
