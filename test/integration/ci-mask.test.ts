import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, withoutDestinations } from '../support/cli.js';
import { startTokenEndpoint, type TokenEndpoint } from '../support/token-endpoint.js';

let idp: TokenEndpoint;
beforeAll(async () => {
  idp = await startTokenEndpoint();
});
afterAll(() => idp.close());

const args = () => ['token', '--token-url', idp.url, '--client-id', 'svc'];
const env = (ci: Record<string, string>) => ({ TOKENCTL_CLIENT_SECRET: 'mask-S3cret', GITHUB_ACTIONS: undefined, TF_BUILD: undefined, ...ci });

describe('CI log masking', () => {
  it('GitHub Actions: ::add-mask:: on stderr, the token alone on stdout', async () => {
    const result = await runCli(args(), { env: env({ GITHUB_ACTIONS: 'true' }) });
    expect(result.code).toBe(0);
    const token = idp.issued.at(-1);
    expect(result.stdout).toBe(`${token}\n`);
    expect(withoutDestinations(result.stderr)).toBe(`::add-mask::${token}\n`);
  });

  it('Azure Pipelines: ##vso[task.setsecret] on stderr, whatever the output format', async () => {
    for (const format of ['raw', 'header', 'env', 'json', 'kubectl']) {
      const result = await runCli([...args(), '-o', format], { env: env({ TF_BUILD: 'True' }) });
      expect(result.code, format).toBe(0);
      const token = idp.issued.at(-1) as string;
      expect(result.stdout, format).toContain(token);
      expect(result.stdout, format).not.toContain('##vso');
      expect(withoutDestinations(result.stderr), format).toBe(`##vso[task.setsecret]${token}\n`);
    }
  });

  it('outside CI, or when the token cannot be had, nothing is registered', async () => {
    const plain = await runCli(args(), { env: env({ GITHUB_ACTIONS: 'false' }) });
    expect(plain.code).toBe(0);
    expect(withoutDestinations(plain.stderr)).toBe('');
    const failed = await runCli(['token', '--token-url', 'http://127.0.0.1:9/token', '--client-id', 'svc', '--timeout', '3'], { env: env({ GITHUB_ACTIONS: 'true' }) });
    expect(failed.code).toBe(6);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).not.toContain('::add-mask::');
  }, 60_000);

  it('TOKEN=$(tokenctl token) in a GitHub Actions step: the variable holds the token, the mask goes to the log', async () => {
    const script = `TOKEN=$("${process.execPath}" "${BIN}" ${args().map((a) => `'${a}'`).join(' ')}) || exit $?; printf 'captured=%s' "$TOKEN"`;
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile('sh', ['-c', script], { env: { ...process.env, TOKENCTL_CLIENT_SECRET: 'mask-S3cret', GITHUB_ACTIONS: 'true' }, timeout: 20_000 }, (error, out, err) => (error ? reject(error) : resolve({ stdout: out, stderr: err })));
    });
    const token = idp.issued.at(-1);
    expect(stdout).toBe(`captured=${token}`);
    expect(withoutDestinations(stderr)).toBe(`::add-mask::${token}\n`);
  });
});
