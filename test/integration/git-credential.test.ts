import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, withoutDestinations } from '../support/cli.js';
import { findExecutable } from '../support/keyring.js';
import { createTestCertificates, type TestCertificates } from '../support/tls.js';
import { startTokenEndpoint, type TokenEndpoint } from '../support/token-endpoint.js';

const git = findExecutable('git');
const skipReason = git === undefined && process.env.CI !== 'true' ? 'git not installed (apt-get install git)' : undefined;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe.skipIf(skipReason !== undefined)(`git with tokenctl as its credential helper${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let idp: TokenEndpoint;
  let tls: TestCertificates;
  let server: Server;
  let serverUrl: string;
  let work: string;
  let bare: string;
  const authorizations: Array<string | undefined> = [];

  const toolEnv = () => ({
    PATH: process.env.PATH ?? '',
    HOME: join(work, 'home'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    TOKENCTL_CONFIG_DIR: join(work, 'config'),
    TOKENCTL_PASSPHRASE: 'git-file-passphrase',
  });
  const helper = (extra = '') => `!"${process.execPath}" "${BIN}" git-credential -p ado${extra}`;

  function run(args: string[], input = '', env: Record<string, string> = toolEnv()): Promise<Run> {
    return new Promise((resolve) => {
      const child = execFile(git as string, args, { env, timeout: 30_000, cwd: work }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
      child.stdin?.end(input);
    });
  }

  beforeAll(async () => {
    idp = await startTokenEndpoint();
    tls = createTestCertificates();
    work = mkdtempSync(join(tmpdir(), 'tokenctl-git-'));
    mkdirSync(join(work, 'home'));
    // A repository with one commit, served read-only over git's smart HTTP to whoever shows a token.
    const source = join(work, 'source');
    const gitSync = (args: string[]) => {
      const result = spawnSync(git as string, args, { env: toolEnv(), encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };
    gitSync(['init', '-q', '-b', 'main', source]);
    gitSync(['-C', source, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'first']);
    bare = join(work, 'repo.git');
    gitSync(['clone', '-q', '--bare', source, bare]);
    server = createServer({ cert: tls.serverCertPem, key: tls.serverKeyPem }, (req, res) => {
      authorizations.push(req.headers.authorization);
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const password = basic === undefined ? undefined : Buffer.from(basic, 'base64').toString().split(':').slice(1).join(':');
      if (password === undefined || !idp.issued.includes(password)) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="tokenctl test"' }).end();
        return;
      }
      if (req.url !== '/repo.git/info/refs?service=git-upload-pack') {
        res.writeHead(404).end();
        return;
      }
      const refs = spawnSync(git as string, ['upload-pack', '--stateless-rpc', '--advertise-refs', bare], { env: toolEnv() });
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement', 'cache-control': 'no-cache' });
      res.end(Buffer.concat([Buffer.from('001e# service=git-upload-pack\n0000'), refs.stdout]));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    serverUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const saved = await runCli(['configure', '-p', 'ado', '--store', 'file', '--token-url', idp.url, '--client-id', 'svc', '--no-validate'], {
      env: { ...toolEnv(), TOKENCTL_CLIENT_SECRET: 'git-S3cret' },
    });
    expect(saved.code).toBe(0);
  });

  afterAll(async () => {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await idp?.close();
  });

  it('git credential fill gets the token as the password', async () => {
    const result = await run(['-c', 'credential.helper=', '-c', `credential.https://dev.azure.example.helper=${helper()}`, 'credential', 'fill'], 'protocol=https\nhost=dev.azure.example\npath=org/project/_git/repo\n\n');
    expect(withoutDestinations(result.stderr)).toBe('');
    expect(result.code).toBe(0);
    const fields = Object.fromEntries(result.stdout.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2)));
    expect(fields).toMatchObject({ protocol: 'https', host: 'dev.azure.example', username: 'tokenctl', password: idp.issued.at(-1) });
  });

  it('git ls-remote over https: the server gets the token, git lists the refs', async () => {
    const result = await run(['-c', 'credential.helper=', '-c', `credential.${serverUrl}.helper=${helper()}`, '-c', `http.sslCAInfo=${tls.caFile}`, 'ls-remote', `${serverUrl}/repo.git`]);
    expect(withoutDestinations(result.stderr)).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^[0-9a-f]{40}\tHEAD\n[0-9a-f]{40}\trefs\/heads\/main\n$/);
    const basic = authorizations.at(-1)?.replace(/^Basic /, '') as string;
    expect(Buffer.from(basic, 'base64').toString()).toBe(`tokenctl:${idp.issued.at(-1)}`);
  });

  it('store and erase (git credential approve / reject) write nothing and request nothing', async () => {
    const files = () => readdirSync(join(work, 'config'), { recursive: true }).map(String).sort();
    const before = { files: files(), issued: idp.issued.length };
    const config = ['-c', 'credential.helper=', '-c', `credential.https://dev.azure.example.helper=${helper()}`];
    for (const operation of ['approve', 'reject']) {
      const result = await run([...config, 'credential', operation], `protocol=https\nhost=dev.azure.example\nusername=tokenctl\npassword=${idp.issued.at(-1)}\n\n`);
      expect(withoutDestinations(result.stderr), operation).toBe('');
      expect(result.code, operation).toBe(0);
    }
    expect(files()).toEqual(before.files);
    expect(idp.issued.length).toBe(before.issued);
  });

  it('refuses to hand a token to plain http, or to a host --host does not name: git gets nothing and fails', async () => {
    const issued = idp.issued.length;
    const http = await run(['-c', 'credential.helper=', '-c', `credential.helper=${helper()}`, 'credential', 'fill'], 'protocol=http\nhost=git.example.com\n\n');
    expect(http.code).not.toBe(0);
    expect(http.stdout).toBe('');
    expect(http.stderr).toContain('tokenctl: no credential given: a token is only sent over https, not to http://git.example.com');
    const other = await run(['-c', 'credential.helper=', '-c', `credential.helper=${helper(' --host dev.azure.example')}`, 'credential', 'fill'], 'protocol=https\nhost=evil.example\n\n');
    expect(other.code).not.toBe(0);
    expect(other.stdout).toBe('');
    expect(other.stderr).toContain('evil.example is not one of the --host names');
    expect(idp.issued.length).toBe(issued);
  });

  it('ignores an operation it does not know, as git asks of helpers', async () => {
    const issued = idp.issued.length;
    const result = await runCli(['git-credential', '-p', 'ado', 'frobnicate'], { input: 'protocol=https\nhost=dev.azure.example\n\n', env: toolEnv() });
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(idp.issued.length).toBe(issued);
  });

  it("when no token can be had, git shows tokenctl's error and fails without prompting", async () => {
    const result = await run(['-c', 'credential.helper=', '-c', `credential.helper=!"${process.execPath}" "${BIN}" git-credential -p nosuch`, 'credential', 'fill'], 'protocol=https\nhost=dev.azure.example\n\n');
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/profile named nosuch/);
  });
});
