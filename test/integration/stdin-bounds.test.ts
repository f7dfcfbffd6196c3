// Stdin that a writer keeps open: a piped secret is its first line, and git's request ends at its
// blank line, so neither waits for the end of stdin; a secret that never comes is bounded by --timeout.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer([]);
});
afterAll(() => server.close());

/** Runs the CLI with `input` on a stdin that stays open; resolves when the CLI exits (or after 20 s). */
function runHoldingStdin(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, TOKENCTL_CONFIG_DIR: '/nonexistent-tokenctl', TOKENCTL_CLIENT_SECRET: undefined }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.write(input);
  const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('stdin held open by its writer', () => {
  it('--client-secret-stdin takes the first line and goes on', async () => {
    const result = await runHoldingStdin(['token', '--token-url', `${server.url}/token`, '--client-id', 'c', '--client-secret-stdin', '--auth-method', 'client_secret_post', '--timeout', '5'], 'Zq8abcDEF123\nmore\n');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('scripted-access-token\n');
    expect(server.requests.at(-1)?.body).toMatch(/client_secret=Zq8abcDEF123(&|$)/);
  });

  it('a secret that never arrives ends the command at --timeout (exit 2)', async () => {
    const result = await runHoldingStdin(['token', '--token-url', `${server.url}/token`, '--client-id', 'c', '--client-secret-stdin', '--timeout', '2'], 'no newline yet');
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('within 2 s');
    expect(result.ms).toBeLessThan(15_000);
  });

  it("git-credential reads git's request up to its blank line", async () => {
    const result = await runHoldingStdin(['git-credential', '-p', 'nosuch', 'store'], 'protocol=https\nhost=example.com\n\n');
    expect(result.code, result.stderr).toBe(0);
    expect(result.ms).toBeLessThan(15_000);
  });
});
