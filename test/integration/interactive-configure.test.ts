// Interactive `configure` that never throws the user's answers away: the secret store is checked
// before the first question, a failed live validation asks which value to change, and a complete
// profile can be reviewed value by value. The built CLI on a real pseudo-terminal.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startKeyring, type TestKeyring } from '../support/keyring.js';
import { startOidcProvider, type OidcProviderHarness } from '../support/oidc-provider.js';
import { KEYS, ptyAvailable, spawnPty, type PtySession } from '../support/pty.js';

const availability = ptyAvailable();
const skipReason = !availability.ok && process.env.CI !== 'true' ? availability.reason : undefined;
if (skipReason) console.warn(`Skipping the pseudo-terminal tests: ${skipReason}`);

let keyring: TestKeyring;
let idp: OidcProviderHarness;
let configDir: string;
let noBusDir: string;
const sessions: PtySession[] = [];

const env = (extra: Record<string, string | undefined> = {}) => ({ ...keyring.env, TOKENCTL_CONFIG_DIR: configDir, TOKENCTL_KEYCHAIN_TIMEOUT: '3', ...extra });
// A headless box: no session bus at all.
const noKeychain = () => env({ DBUS_SESSION_BUS_ADDRESS: undefined, XDG_RUNTIME_DIR: noBusDir, DISPLAY: undefined });
function tty(args: string[], extra?: Record<string, string | undefined>): PtySession {
  const session = spawnPty(args, { env: extra ?? env(), timeoutMs: 30_000 });
  sessions.push(session);
  return session;
}
const profileFile = (name: string) => join(configDir, 'profiles', `${name}.json`);
const readProfile = (name: string) => JSON.parse(readFileSync(profileFile(name), 'utf8')) as { store: string; settings: Record<string, unknown>; secretAccounts: Record<string, string> };

beforeAll(async () => {
  keyring = await startKeyring();
  idp = await startOidcProvider({ accessTokenTtlSeconds: 3600 });
  configDir = mkdtempSync(join(tmpdir(), 'tokenctl-tty-configure-'));
  noBusDir = mkdtempSync(join(tmpdir(), 'tokenctl-tty-nobus-'));
});

afterAll(async () => {
  for (const session of sessions) session.kill();
  await Promise.all(sessions.map((session) => session.exit().catch(() => undefined)));
  await idp?.close();
  await keyring?.stop();
  for (const dir of [configDir, noBusDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipReason !== undefined)('interactive configure keeps the answers', () => {
  it('without a keychain, the encrypted file store is offered before the first question', async () => {
    const { clientId, clientSecret } = idp.clients.clientSecretPost;
    const t = tty(['configure', '-p', 'no-keychain'], noKeychain());
    await t.waitFor('No D-Bus session bus');
    await t.answer(/\? Keep this profile's secrets in the encrypted file store instead\?/, 'y');
    // A new file store: its passphrase is typed twice.
    await t.answer(/\? New passphrase for the tokenctl secret files/, 'tty-passphrase-1');
    await t.answer(/\? The same passphrase again/, 'tty-passphrase-1');
    await t.waitFor('? Identity provider');
    await t.choose(/^Another OAuth 2\.0 \/ OpenID server$/);
    await t.answer('? Token URL, or the issuer URL to discover it', idp.tokenEndpoint);
    await t.waitFor('? That URL is');
    await t.choose(/^the token endpoint$/);
    await t.answer('? Client ID', clientId);
    await t.waitFor('? The client proves itself with');
    await t.choose(/^a client secret$/);
    await t.answer('? Client secret', clientSecret);
    await t.answer('? Scopes', '');
    await t.waitFor('? Send the client secret');
    await t.choose(/client_secret_post/);
    await t.waitFor('saved profile no-keychain (client secret, secrets in the encrypted file store)');
    const done = await t.exit();
    expect(done.code, done.transcript).toBe(0);
    // The keychain question came first: nothing was asked before it.
    expect(done.transcript.indexOf('encrypted file store instead')).toBeLessThan(done.transcript.indexOf('? Identity provider'));
    expect(done.raw).not.toContain(clientSecret);
    expect(readProfile('no-keychain').store).toBe('file');
    const token = await runCli(['token', '-p', 'no-keychain'], { env: { ...noKeychain(), TOKENCTL_PASSPHRASE: 'tty-passphrase-1' } });
    expect(token.code, token.stderr).toBe(0);
  });

  it('without a keychain, declining the file store ends at once with how to start a Secret Service, nothing asked', async () => {
    const t = tty(['configure', '-p', 'declined'], noKeychain());
    await t.answer(/\? Keep this profile's secrets in the encrypted file store instead\?/, 'n');
    const done = await t.exit();
    expect(done.code, done.transcript).toBe(4);
    expect(done.transcript).toContain('gnome-keyring-daemon --unlock');
    expect(done.transcript).not.toContain('? Identity provider');
    expect(existsSync(profileFile('declined'))).toBe(false);
  });

  it('a live validation that fails asks which value to change, and keeps every other answer', async () => {
    const { clientId, clientSecret } = idp.clients.clientSecretPost;
    const before = idp.tokenRequests();
    const t = tty(['configure', '-p', 'fixable']);
    await t.waitFor('? Identity provider');
    await t.choose(/^Another OAuth 2\.0 \/ OpenID server$/);
    await t.answer('? Token URL, or the issuer URL to discover it', idp.tokenEndpoint);
    await t.waitFor('? That URL is');
    await t.choose(/^the token endpoint$/);
    await t.answer('? Client ID', clientId);
    await t.waitFor('? The client proves itself with');
    await t.choose(/^a client secret$/);
    await t.answer('? Client secret', 'not-the-right-secret');
    await t.answer('? Scopes', '');
    await t.waitFor('? Send the client secret');
    await t.choose(/client_secret_post/);
    // The identity provider refuses the secret: nothing is lost, the user picks what to fix.
    await t.waitFor(/error .*(invalid_client|client)/);
    await t.waitFor('? Change a value and try again');
    await t.choose(/^Client secret/);
    await t.answer('? Client secret', clientSecret);
    await t.waitFor('saved profile fixable');
    const done = await t.exit();
    expect(done.code, done.transcript).toBe(0);
    // Nothing but the secret was asked again.
    const afterFailure = done.transcript.slice(done.transcript.indexOf('? Change a value and try again'));
    expect(afterFailure).not.toMatch(/\? (Identity provider|Token URL|Client ID|Scopes|Send the client secret)/);
    expect(done.raw).not.toContain(clientSecret);
    expect(idp.tokenRequests()).toBe(before + 2);
    expect(readProfile('fixable').settings).toMatchObject({ tokenUrl: idp.tokenEndpoint, clientId, authMethod: 'client_secret_post' });
  });

  it('giving up after a failed validation saves nothing (exit 130)', async () => {
    const t = tty(['configure', '-p', 'given-up', '--token-url', idp.tokenEndpoint, '--client-id', 'post-client', '--auth-method', 'client_secret_post', '--scope', 'x']);
    await t.waitFor('? The client proves itself with');
    await t.choose(/^a client secret$/);
    await t.answer('? Client secret', 'wrong');
    await t.waitFor('? Change a value and try again');
    await t.choose(/^Give up/);
    const done = await t.exit();
    expect(done.code, done.transcript).toBe(130);
    expect(existsSync(profileFile('given-up'))).toBe(false);
  });

  it('configure -p on a complete profile offers every value, the current one as default', async () => {
    const { clientId, clientSecret } = idp.clients.clientSecretPost;
    const created = await runCli(['configure', '-p', 'review', '--token-url', idp.tokenEndpoint, '--client-id', clientId, '--auth-method', 'client_secret_post', '--client-secret-stdin'], { env: env(), input: clientSecret });
    expect(created.code, created.stderr).toBe(0);
    const before = readProfile('review');

    const t = tty(['configure', '-p', 'review']);
    await t.waitFor('? Identity provider');
    t.type(KEYS.enter); // the current one is highlighted
    await t.waitFor(`? Token URL, or the issuer URL to discover it (${idp.tokenEndpoint})`);
    t.type(KEYS.enter);
    await t.waitFor('? That URL is');
    t.type(KEYS.enter);
    await t.waitFor(`? Client ID (${clientId})`);
    t.type(KEYS.enter);
    await t.waitFor('? The client proves itself with');
    t.type(KEYS.enter);
    await t.answer('? Client secret (empty keeps the stored one)', '');
    await t.answer('? Scopes, space-separated', 'read');
    await t.waitFor('? Send the client secret');
    t.type(KEYS.enter);
    await t.waitFor('saved profile review');
    const done = await t.exit();
    expect(done.code, done.transcript).toBe(0);
    const after = readProfile('review');
    expect(after.settings).toEqual({ ...before.settings, scopes: ['read'] });
    expect(after.secretAccounts).toEqual(before.secretAccounts);
  });
});
