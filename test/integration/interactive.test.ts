// `configure` and `remove` as a person at a terminal uses them: the built CLI on a real pseudo-terminal
// (test/support/pty.ts), answering @inquirer/prompts' questions with keystrokes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { findExecutable, startKeyring, type TestKeyring } from '../support/keyring.js';
import { startOidcProvider, type OidcProviderHarness } from '../support/oidc-provider.js';
import { KEYS, ptyAvailable, spawnPty, type PtySession } from '../support/pty.js';

// CI installs python3; only a local run without it may skip, and says why.
const availability = ptyAvailable();
const skipReason = !availability.ok && process.env.CI !== 'true' ? availability.reason : undefined;
if (skipReason) console.warn(`Skipping the pseudo-terminal tests: ${skipReason}`);

let keyring: TestKeyring;
let idp: OidcProviderHarness;
let configDir: string;
const sessions: PtySession[] = [];

const env = (extra: Record<string, string | undefined> = {}) => ({ ...keyring.env, TOKENCTL_CONFIG_DIR: configDir, ...extra });
const cli = (args: string[], input?: string): Promise<CliResult> => runCli(args, { env: env(), input });
function tty(args: string[]): PtySession {
  const session = spawnPty(args, { env: env() });
  sessions.push(session);
  return session;
}
const profileFile = (name: string) => join(configDir, 'profiles', `${name}.json`);
const readProfile = (name: string) => JSON.parse(readFileSync(profileFile(name), 'utf8')) as { settings: Record<string, unknown>; secretAccounts: Record<string, string> };
const filesUnder = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)])) : [];

/** The accounts under the service "tokenctl" in the private keyring, as secret-tool sees them; undefined without secret-tool. */
function keychainAccounts(): string[] | undefined {
  const secretTool = findExecutable('secret-tool');
  if (!secretTool) return undefined;
  const result = spawnSync(secretTool, ['search', '--all', 'service', 'tokenctl'], { env: { ...process.env, ...keyring.env }, encoding: 'utf8', timeout: 10_000 });
  if (result.error) throw result.error;
  return [...`${result.stdout}\n${result.stderr}`.matchAll(/^attribute\.account = (.*)$/gm)].map((m) => m[1] as string).sort();
}

beforeAll(async () => {
  keyring = await startKeyring();
  // Tokens must outlive the default --min-validity (300 s) to be served from the cache.
  idp = await startOidcProvider({ accessTokenTtlSeconds: 3600 });
  configDir = mkdtempSync(join(tmpdir(), 'tokenctl-tty-'));
});

afterAll(async () => {
  for (const session of sessions) session.kill();
  await Promise.all(sessions.map((session) => session.exit().catch(() => undefined)));
  await idp?.close();
  await keyring?.stop();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

describe.skipIf(skipReason !== undefined)(`configure and remove on a terminal${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('a full interactive configure validates live and saves; the secret is masked, never echoed', async () => {
    const { clientId, clientSecret } = idp.clients.clientSecretPost;
    const before = idp.tokenRequests();
    const t = tty(['configure', '-p', 'tty-new']);
    await t.waitFor('? Identity provider');
    await t.choose(/^Another OAuth 2\.0 \/ OpenID server$/);
    await t.answer('? Token URL, or the issuer URL to discover it', idp.tokenEndpoint);
    await t.waitFor('? That URL is');
    await t.choose(/^the token endpoint$/);
    await t.answer('? Client ID', clientId);
    await t.waitFor('? The client proves itself with');
    await t.choose(/^a client secret$/);
    await t.waitFor('? Client secret');
    t.type(clientSecret);
    await t.waitFor(`? Client secret ${'*'.repeat(clientSecret.length)}`);
    t.type(KEYS.enter);
    await t.answer('? Scopes, space-separated (empty if the server needs none)', 'read');
    await t.waitFor('? Send the client secret');
    await t.choose(/client_secret_post/);
    await t.waitFor(/saved profile tty-new \(client secret, secrets in the OS keychain\)/);
    const done = await t.exit();

    expect(done.code, done.transcript).toBe(0);
    expect(done.transcript).toContain('auth method  client_secret_post');
    expect(done.transcript).toMatch(/validated +token received in \d+ ms/);
    expect(done.raw).not.toContain(clientSecret);
    expect(idp.tokenRequests()).toBe(before + 1);
    expect(readProfile('tty-new').settings).toMatchObject({ tokenUrl: idp.tokenEndpoint, clientId, scopes: ['read'], authMethod: 'client_secret_post' });
    for (const file of filesUnder(configDir)) expect(readFileSync(file, 'latin1')).not.toContain(clientSecret);

    // Then, without a terminal: the token configure cached, and no request.
    const token = await cli(['token', '-p', 'tty-new', '-o', 'json']);
    expect(token.code, token.stderr).toBe(0);
    expect(JSON.parse(token.stdout)).toMatchObject({ token_type: 'Bearer', cached: true });
    expect(idp.tokenRequests()).toBe(before + 1);
  });

  it('an invalid answer is shown inline and the same prompt stays for the correction', async () => {
    const { clientId, clientSecret } = idp.clients.clientSecretBasic;
    const t = tty(['configure', '-p', 'tty-fix']);
    await t.waitFor('? Identity provider');
    await t.choose(/^Another OAuth 2\.0 \/ OpenID server$/);
    await t.answer('? Token URL, or the issuer URL to discover it', 'http://idp.example.com/token');
    await t.waitFor(/> the URL must use https: http:\/\/idp\.example\.com would send data in clear text/);
    // Still the same question, with the rejected text kept for editing: clear it and give the issuer.
    await t.waitFor('? Token URL, or the issuer URL to discover it http://idp.example.com/token');
    t.type(KEYS.ctrlU);
    await t.answer('? Token URL, or the issuer URL to discover it', idp.issuer);
    await t.waitFor('? That URL is');
    await t.choose(/^the issuer \(discover the token endpoint\)$/);
    // A blank client ID is refused the same way.
    await t.answer('? Client ID', '');
    await t.waitFor('> The client ID must not be blank.');
    t.type(clientId);
    t.type(KEYS.enter);
    await t.waitFor('? The client proves itself with');
    await t.choose(/^a client secret$/);
    await t.answer('? Client secret', '');
    await t.waitFor('> The secret must not be blank.');
    t.type(clientSecret); // spaces, %, +, :, / and = typed through the terminal as they are
    t.type(KEYS.enter);
    await t.answer('? Scopes', '');
    await t.waitFor('? Send the client secret');
    await t.choose(/client_secret_basic/);
    const done = await t.exit();

    expect(done.code, done.transcript).toBe(0);
    expect(done.transcript).not.toMatch(/\? That URL is[^]*\? Token URL/); // never asked twice
    expect(done.transcript).toContain('saved profile tty-fix');
    expect(done.raw).not.toContain(clientSecret);
    expect(readProfile('tty-fix').settings).toMatchObject({ issuer: idp.issuer, clientId, authMethod: 'client_secret_basic' });
    expect(readProfile('tty-fix').settings).not.toHaveProperty('tokenUrl');
    expect((await cli(['token', '-p', 'tty-fix', '--refresh'])).code).toBe(0);
  });

  it('updating a profile with a flag asks only for the secret, and keeps the stored one when it is left empty', async () => {
    const { clientId, clientSecret } = idp.clients.clientSecretPost;
    const created = await cli(['configure', '-p', 'tty-update', '--token-url', idp.tokenEndpoint, '--client-id', clientId, '--auth-method', 'client_secret_post', '--client-secret-stdin'], `${clientSecret}\n`);
    expect(created.code, created.stderr).toBe(0);
    const before = readProfile('tty-update');
    const requests = idp.tokenRequests();

    const t = tty(['configure', '-p', 'tty-update', '--client-id', clientId]);
    // Everything else comes from the saved profile (or the flag): the only question is the secret.
    await t.waitFor('? Client secret (empty keeps the stored one)');
    t.type(KEYS.enter);
    await t.waitFor('saved profile tty-update');
    const done = await t.exit();

    expect(done.code, done.transcript).toBe(0);
    expect(done.transcript).not.toMatch(/\? (Identity provider|Client ID|Scopes|Send the client secret)/);
    expect(idp.tokenRequests()).toBe(requests + 1); // validated with the stored secret
    const after = readProfile('tty-update');
    expect(after.secretAccounts).toEqual(before.secretAccounts);
    expect(after.settings).toEqual(before.settings);
    const refreshed = await cli(['token', '-p', 'tty-update', '--refresh', '-o', 'json']);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(JSON.parse(refreshed.stdout)).toMatchObject({ cached: false });
  });

  it('Ctrl-C at a prompt is exit 130 and writes nothing: no profile, no secret', async () => {
    const { clientId, clientSecret } = idp.clients.clientSecretPost;
    const requests = idp.tokenRequests();
    const filesBefore = filesUnder(configDir);
    const accountsBefore = keychainAccounts();

    const t = tty(['configure', '-p', 'tty-abort']);
    await t.waitFor('? Identity provider');
    await t.choose(/^Another OAuth 2\.0 \/ OpenID server$/);
    await t.answer('? Token URL, or the issuer URL to discover it', idp.tokenEndpoint);
    await t.waitFor('? That URL is');
    await t.choose(/^the token endpoint$/);
    await t.answer('? Client ID', clientId);
    await t.waitFor('? The client proves itself with');
    await t.choose(/^a client secret$/);
    await t.answer('? Client secret', clientSecret);
    await t.answer('? Scopes', 'read');
    // The last question, with the secret already typed in.
    await t.waitFor('? Send the client secret');
    t.type(KEYS.ctrlC);
    const done = await t.exit();

    expect(done.code, done.transcript).toBe(130);
    expect(done.transcript).toContain('interrupted: nothing was written');
    expect(done.raw).not.toContain(clientSecret);
    expect(idp.tokenRequests()).toBe(requests);
    expect(existsSync(profileFile('tty-abort'))).toBe(false);
    expect(filesUnder(configDir)).toEqual(filesBefore);
    const accounts = keychainAccounts();
    if (accounts) expect(accounts).toEqual(accountsBefore);
    if (accounts) expect(accounts.filter((account) => account.startsWith('tty-abort:'))).toEqual([]);
    expect((await cli(['show', '-p', 'tty-abort'])).code).toBe(3);
  });

  it('remove asks for confirmation on a terminal: "n" keeps the profile, "y" removes it', async () => {
    const { clientId, clientSecret } = idp.clients.clientSecretPost;
    const created = await cli(['configure', '-p', 'tty-remove', '--token-url', idp.tokenEndpoint, '--client-id', clientId, '--auth-method', 'client_secret_post', '--client-secret-stdin'], `${clientSecret}\n`);
    expect(created.code, created.stderr).toBe(0);
    const cacheFile = join(configDir, 'cache', 'tty-remove.json');
    expect(existsSync(cacheFile)).toBe(true);
    const { secretAccounts } = readProfile('tty-remove');

    // A yes/no question that defaults to no.
    const CONFIRM_REMOVE = /\? Remove profile tty-remove\b.*\(y\/N\)/;
    const no = tty(['remove', '-p', 'tty-remove']);
    await no.answer(CONFIRM_REMOVE, 'n');
    const kept = await no.exit();
    expect(kept.code, kept.transcript).toBe(0);
    expect(kept.transcript).toContain('nothing removed');
    expect(existsSync(profileFile('tty-remove'))).toBe(true);
    expect((await cli(['token', '-p', 'tty-remove', '--refresh'])).code).toBe(0);

    const yes = tty(['remove', '-p', 'tty-remove']);
    await yes.answer(CONFIRM_REMOVE, 'y');
    const removed = await yes.exit();
    expect(removed.code, removed.transcript).toBe(0);
    expect(removed.transcript).toMatch(/removed tty-remove\b/);
    expect(existsSync(profileFile('tty-remove'))).toBe(false);
    expect(existsSync(cacheFile)).toBe(false);
    const accounts = keychainAccounts();
    if (accounts) {
      for (const account of [...Object.values(secretAccounts), 'tty-remove:cache-key']) expect(accounts).not.toContain(account);
    }
    expect((await cli(['token', '-p', 'tty-remove'])).code).toBe(3);
  });
});
