// A new encrypted file store on a terminal: its passphrase is typed twice and never empty, so a typo
// cannot lock a profile's secrets away.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, ptyAvailable, spawnPty } from '../support/pty.js';
import { runCli } from '../support/cli.js';

const availability = ptyAvailable();
const skipReason = !availability.ok && process.env.CI !== 'true' ? availability.reason : undefined;

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tokenctl-passphrase-'));
  writeFileSync(join(root, 'secret.txt'), 'file-store-terminal-secret\n', { mode: 0o600 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const configure = (config: string) =>
  spawnPty(['configure', '-p', 'f', '--store', 'file', '--token-url', 'https://idp.example.com/token', '--client-id', 'svc', '--scope', 'read', '--auth-method', 'client_secret_post', '--client-secret-file', join(root, 'secret.txt'), '--no-validate'], {
    env: { TOKENCTL_CONFIG_DIR: config, TOKENCTL_PASSPHRASE: undefined },
    timeoutMs: 30_000,
  });

describe.skipIf(skipReason !== undefined)('the passphrase of a new file store', () => {
  it('is asked twice; two different answers write nothing (exit 2)', async () => {
    const config = join(root, 'mismatch');
    const t = configure(config);
    await t.answer('New passphrase for the tokenctl secret files', 'first-passphrase');
    await t.answer('The same passphrase again', 'first-passphrasf');
    const exit = await t.exit();
    expect(exit.transcript).toContain('the two passphrases differ');
    expect(exit.code).toBe(2);
    expect(existsSync(join(config, 'secrets')) ? readdirSync(join(config, 'secrets')).filter((f) => f.endsWith('.enc')) : []).toEqual([]);
  });

  it('refuses an empty one, then takes a confirmed one that opens the store afterwards', async () => {
    const config = join(root, 'ok');
    const t = configure(config);
    await t.waitFor('New passphrase for the tokenctl secret files');
    t.type(KEYS.enter);
    await t.waitFor('must not be empty');
    t.type(`good passphrase${KEYS.enter}`);
    await t.answer('The same passphrase again', 'good passphrase');
    const exit = await t.exit();
    expect(exit.code).toBe(0);
    expect(readdirSync(join(config, 'secrets'))).toEqual(['f.enc']);
    const show = await runCli(['doctor', '-p', 'f', '--json'], { env: { TOKENCTL_CONFIG_DIR: config, TOKENCTL_PASSPHRASE: 'good passphrase' } });
    const checks = JSON.parse(show.stdout).checks as Array<{ detail: string; status: string }>;
    expect(checks).toContainEqual(expect.objectContaining({ status: 'ok', detail: expect.stringContaining('client secret stored') }));
  });
});
