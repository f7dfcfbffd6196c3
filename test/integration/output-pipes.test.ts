import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, REPO, runCli } from '../support/cli.js';

const pkg = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as { version: string };
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const bigToken = `${base64url({ alg: 'none' })}.${base64url({ sub: 'big', blob: 'x'.repeat(300_000) })}.`;
const tokenFile = join(mkdtempSync(join(tmpdir(), 'tokenctl-pipes-')), 'token.txt');
writeFileSync(tokenFile, bigToken);

// Output goes straight to the descriptors (src/output/io.ts): these are the cases a stream used to handle.
describe('stdout and stderr as pipes', () => {
  it('a reader that stops early is not an error', () => {
    const statuses = execFileSync('bash', ['-c', `"${process.execPath}" "${BIN}" decode --json < "$T" | true; "${process.execPath}" "${BIN}" --version | true; echo "\${PIPESTATUS[0]}"`], {
      env: { ...process.env, T: tokenFile },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(statuses.trim()).toBe('0');
  });

  it('output much larger than a pipe buffer arrives whole at a slow reader', async () => {
    const child = spawn(process.execPath, [BIN, 'decode', '--claim', 'blob'], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(bigToken);
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stdout.resume();
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(out).toBe(`${'x'.repeat(300_000)}\n`);
  });

  it('--version answers alone, and the same way among other options', async () => {
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    expect(await runCli(['-V'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    expect(await runCli(['--no-color', '--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });
});
