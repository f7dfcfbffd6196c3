import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, withoutDestinations } from '../support/cli.js';
import { findExecutable } from '../support/keyring.js';
import { createTestCertificates, type TestCertificates } from '../support/tls.js';
import { startTokenEndpoint, type TokenEndpoint } from '../support/token-endpoint.js';

// Debian's kubernetes-client (what CI installs) or any kubectl on PATH; TOKENCTL_TEST_KUBECTL picks another.
const kubectl = process.env.TOKENCTL_TEST_KUBECTL ?? findExecutable('kubectl');
const skipReason = kubectl === undefined && process.env.CI !== 'true' ? 'kubectl not installed (apt-get install kubernetes-client)' : undefined;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** client.authentication.k8s.io/v1 came with kubectl 1.22; Debian 12's kubectl is 1.20 and speaks v1beta1. */
async function supportedVersions(binary: string): Promise<string[]> {
  const { stdout } = await run(binary, ['version', '--client', '-o', 'json'], { PATH: process.env.PATH ?? '' });
  const minor = Number.parseInt((JSON.parse(stdout) as { clientVersion: { minor: string } }).clientVersion.minor, 10);
  return minor >= 22 ? ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] : ['client.authentication.k8s.io/v1beta1'];
}

describe.skipIf(skipReason !== undefined)(`kubectl with tokenctl as its credential plugin${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let idp: TokenEndpoint;
  let tls: TestCertificates;
  let apiServer: Server;
  let apiUrl: string;
  let work: string;
  const seen: Array<string | undefined> = [];

  beforeAll(async () => {
    idp = await startTokenEndpoint();
    tls = createTestCertificates();
    // An API server stand-in: only a token tokenctl got from the identity provider gets through.
    apiServer = createServer({ cert: tls.serverCertPem, key: tls.serverKeyPem }, (req, res) => {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      seen.push(bearer);
      if (bearer === undefined || !idp.issued.includes(bearer)) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, user: 'tokenctl-client' }));
    });
    await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', resolve));
    apiUrl = `https://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;
    work = mkdtempSync(join(tmpdir(), 'tokenctl-kubectl-'));
    const saved = await runCli(['configure', '-p', 'aks', '--store', 'file', '--token-url', idp.url, '--client-id', 'svc', '--no-validate'], {
      env: { ...pluginEnv(), TOKENCTL_CLIENT_SECRET: 'kube-S3cret' },
    });
    expect(saved.code).toBe(0);
  });

  afterAll(async () => {
    if (apiServer) {
      apiServer.closeAllConnections();
      await new Promise<void>((resolve) => apiServer.close(() => resolve()));
    }
    await idp?.close();
  });

  const pluginEnv = () => ({ TOKENCTL_CONFIG_DIR: join(work, 'config'), TOKENCTL_PASSPHRASE: 'kube-file-passphrase' });

  function kubeconfig(apiVersion: string, profile = 'aks'): string {
    const file = join(work, `kubeconfig-${apiVersion.split('/')[1]}-${profile}.yaml`);
    const env = Object.entries(pluginEnv()).map(([name, value]) => `          - name: ${name}\n            value: ${JSON.stringify(value)}`);
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '  - name: loopback',
        '    cluster:',
        `      server: ${apiUrl}`,
        `      certificate-authority: ${JSON.stringify(tls.caFile)}`,
        'users:',
        '  - name: tokenctl',
        '    user:',
        '      exec:',
        `        apiVersion: ${apiVersion}`,
        `        command: ${JSON.stringify(process.execPath)}`,
        `        args: [${JSON.stringify(BIN)}, token, -p, ${profile}, -o, kubectl]`,
        '        env:',
        ...env,
        // Required from v1 on; v1beta1 (kubectl 1.20) does not know the field.
        ...(apiVersion.endsWith('/v1') ? ['        interactiveMode: Never'] : []),
        'contexts:',
        '  - name: loopback',
        '    context: {cluster: loopback, user: tokenctl}',
        'current-context: loopback',
        '',
      ].join('\n'),
    );
    return file;
  }

  it('kubectl runs tokenctl, gets an ExecCredential in the apiVersion it asked for, and the API server accepts the token', async () => {
    const versions = await supportedVersions(kubectl as string);
    for (const apiVersion of versions) {
      const result = await run(kubectl as string, ['--kubeconfig', kubeconfig(apiVersion), 'get', '--raw', '/api/tokenctl-check'], { PATH: process.env.PATH ?? '', HOME: work });
      expect(withoutDestinations(result.stderr), apiVersion).toBe('');
      expect(result.code, apiVersion).toBe(0);
      expect(JSON.parse(result.stdout), apiVersion).toEqual({ path: '/api/tokenctl-check', user: 'tokenctl-client' });
      expect(seen.at(-1)).toBe(idp.issued.at(-1));
    }
  });

  it("when tokenctl cannot get a token, kubectl fails with tokenctl's message and never calls the API server", async () => {
    const [apiVersion] = await supportedVersions(kubectl as string);
    const requests = seen.length;
    const result = await run(kubectl as string, ['--kubeconfig', kubeconfig(apiVersion as string, 'nosuch'), 'get', '--raw', '/api/x'], { PATH: process.env.PATH ?? '', HOME: work });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/profile named nosuch/);
    expect(seen.length).toBe(requests);
  });

  it('token -o kubectl by hand: the ExecCredential kubectl would read, v1 when KUBERNETES_EXEC_INFO asks for it', async () => {
    const v1 = await runCli(['token', '-p', 'aks', '-o', 'kubectl'], {
      env: { ...pluginEnv(), KUBERNETES_EXEC_INFO: JSON.stringify({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1', spec: { interactive: false } }) },
    });
    expect(withoutDestinations(v1.stderr)).toBe('');
    const doc = JSON.parse(v1.stdout) as { status: { token: string; expirationTimestamp: string } };
    expect(doc).toMatchObject({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1', status: { token: idp.issued.at(-1) } });
    expect(doc.status.expirationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const plain = await runCli(['token', '-p', 'aks', '-o', 'kubectl'], { env: pluginEnv() });
    expect(JSON.parse(plain.stdout)).toMatchObject({ apiVersion: 'client.authentication.k8s.io/v1beta1' });
  });
});
