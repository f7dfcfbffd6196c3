import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO } from '../support/cli.js';

// What a command loads is what every call of it pays for: these pin down the start-up work of issue 11.
const dir = mkdtempSync(join(tmpdir(), 'tokenctl-loading-'));
const probe = join(dir, 'probe.cjs');
writeFileSync(
  probe,
  `process.on('exit', () => require('node:fs').writeSync(2, '\\nLOADED ' + JSON.stringify({
    builtins: process.moduleLoadList,
    files: Object.keys(require.cache).filter((file) => file.startsWith(${JSON.stringify(join(REPO, 'dist'))})),
  }) + '\\n'));\n`,
);
const token = readFileSync(join(REPO, 'examples/entra-access-token.txt'), 'utf8').replace(/\s/g, '');

// Asynchronous: the token endpoint below answers from this process.
async function loaded(args: string[], env: Record<string, string> = {}): Promise<{ builtins: string[]; files: string[]; code: string }> {
  const result = await promisify(execFile)(process.execPath, ['-r', probe, BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  const { builtins, files } = JSON.parse(/^LOADED (.*)$/m.exec(result.stderr)![1]!) as { builtins: string[]; files: string[] };
  return { builtins, files, code: files.map((file) => readFileSync(file, 'utf8')).join('\n') };
}

let server: Server;
let tokenUrl: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token_type: 'Bearer', expires_in: 3600, access_token: token })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('what each command loads', () => {
  it('decode loads no HTTP client, no prompts, no stdin or stdout stream', async () => {
    const { builtins, code } = await loaded(['decode', '--json', token]);
    expect(code).not.toContain('llhttp');
    expect(code).not.toContain('@inquirer');
    expect(builtins.filter((name) => /undici|internal\/fs\/streams|^NativeModule net$/.test(name))).toEqual([]);
  });

  it("a token request loads undici's dispatcher and request, not its fetch, and not Node's own undici", async () => {
    const { builtins, code } = await loaded(['token', '--token-url', tokenUrl, '--client-id', 'svc'], { TOKENCTL_CLIENT_SECRET: 'secret' });
    expect(code).toContain('llhttp');
    expect(code).not.toMatch(/class WebSocket\b|function fetch\(/);
    expect(builtins.filter((name) => name.includes('undici'))).toEqual([]);
  });
});
