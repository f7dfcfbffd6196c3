import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretForms } from '../../src/scrub.js';
import { makeCertificate, makePkcs12 } from '../support/certs.js';
import { runCli, withoutDestinations, type CliResult } from '../support/cli.js';
import { startEntraEmulator, type EntraEmulator } from '../support/entra-emulator.js';
import { startCli } from '../support/running-cli.js';

/*
 * --client-secret-command and --certificate-password-command end to end: the built CLI runs a
 * stand-in for HashiCorp Vault's CLI (`vault kv get -field=FIELD PATH`) found on PATH, and sends what
 * it prints to the Entra ID emulator. The stand-in records how it was called: its argv, its
 * environment and its parent's (tokenctl's) argv.
 */

const TENANT = '9660ad26-896d-4438-a013-e3ee23b57b7c';
const API_APP = 'cdc128ef-09ca-46ca-a349-57c0c248cad7';
const API_URI = `api://${API_APP}`;
const SECRET_APP = '2974926a-0818-407b-a86c-b7616ce3a81a';
const CERT_APP = '5b0e5c1a-6a8d-4c4f-9d57-2a1f1b7e0c11';
const WEB_APP = '1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d';
// In the vault only: never in tokenctl's environment, argv, files or output.
const SECRET = 'Vault~Kept.Secret:+%/ü 7f3a';
const WEB_SECRET = 'web~app.secret-from-vault';
const PFX_PASSWORD = 'pfx password from vault';
const DECOY = 'decoy-in-the-environment-1b9e';
const PASSPHRASE = 'file store passphrase 4c2d';

const VAULT = `#!/bin/sh
# A stand-in for vault kv get -field=FIELD PATH, reading $VAULT_DATA/PATH/FIELD.
{ printf 'call'; for arg in "$@"; do printf ' [%s]' "$arg"; done; printf '\\n'; } >> "$VAULT_LOG"
env > "$VAULT_LOG.env.$$"
tr '\\0' ' ' < /proc/$PPID/cmdline > "$VAULT_LOG.parent.$$"
echo $$ > "$VAULT_LOG.pid"
if [ "$1 $2" != "kv get" ]; then echo 'Usage: vault kv get [options] KEY' >&2; exit 1; fi
field=\${3#-field=}
case "$4" in
  secret/hang) sleep 60 & echo $! > "$VAULT_LOG.sleep"; wait ;;
  secret/denied)
    printf 'Error reading secret/data/denied: Error making API request.\\n\\nCode: 403. Errors:\\n\\n' >&2
    printf '* permission denied \\033]0;pwned\\007\\n' >&2
    exit 2 ;;
  secret/empty) exit 0 ;;
  *)
    if [ -f "$VAULT_DATA/$4/$field" ]; then cat "$VAULT_DATA/$4/$field"; echo; exit 0; fi
    echo "No value found at secret/data/\${4#secret/}" >&2; exit 2 ;;
esac
`;

let emulator: EntraEmulator;
let agent: Agent;
let work: string;
let bin: string;
let log: string;
const runs: Array<{ args: string[]; result: CliResult }> = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tokenctl-secret-command-'));
  bin = join(work, 'bin');
  log = join(work, 'vault.log');
  mkdirSync(bin);
  writeFileSync(join(bin, 'vault'), VAULT, { mode: 0o755 });
  writeFileSync(log, '');
  const data = join(work, 'vault-data', 'secret', 'erp');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'client_secret'), SECRET);
  writeFileSync(join(data, 'web_secret'), WEB_SECRET);
  writeFileSync(join(data, 'pfx_password'), PFX_PASSWORD);
  const cert = makeCertificate({ commonName: 'erp-client' });
  writeFileSync(join(work, 'erp.pfx'), makePkcs12({ entries: [{ certPem: cert.certPem, keyPem: cert.keyPem }], password: PFX_PASSWORD }));
  emulator = await startEntraEmulator({
    tenants: [{ id: TENANT, domains: ['contoso.onmicrosoft.com'], displayName: 'Contoso' }],
    issuer: (tenantId, url) => `${url}/${tenantId}/v2.0`,
    resources: [{ tenantId: TENANT, appId: API_APP, appIdUri: API_URI, displayName: 'Orders API' }],
    apps: [
      { tenantId: TENANT, clientId: SECRET_APP, displayName: 'ERP', secrets: [{ value: SECRET, secretId: 'a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e1b' }], roles: { [API_APP]: ['Orders.Read'] } },
      { tenantId: TENANT, clientId: CERT_APP, displayName: 'ERP (certificate)', certificates: [cert.certPem] },
      { tenantId: TENANT, clientId: WEB_APP, displayName: 'Web app', secrets: [{ value: WEB_SECRET, secretId: 'c0c0c0c0-1111-2222-3333-444444444444' }], redirectUris: ['http://localhost'] },
    ],
  });
  agent = new Agent({ connect: { ca: readFileSync(emulator.caFile, 'utf8') } });
});
afterAll(async () => {
  await agent?.close();
  await emulator?.close();
});

const env = (extra: Record<string, string | undefined> = {}) => ({
  TOKENCTL_CONFIG_DIR: join(work, 'config'),
  TOKENCTL_PASSPHRASE: PASSPHRASE,
  TOKENCTL_CLIENT_SECRET: undefined,
  TOKENCTL_PROFILE: undefined,
  GITHUB_ACTIONS: undefined,
  TF_BUILD: undefined,
  PATH: `${bin}:${process.env.PATH ?? ''}`,
  VAULT_LOG: log,
  VAULT_DATA: join(work, 'vault-data'),
  ...extra,
});
async function cli(args: string[], extra: Record<string, string | undefined> = {}, input?: string): Promise<CliResult> {
  const result = await runCli(args, { env: env(extra), timeoutMs: 60_000, ...(input === undefined ? {} : { input }) });
  runs.push({ args, result });
  return result;
}
const entra = (clientId: string) => ['--tenant', 'contoso.onmicrosoft.com', '--authority-host', emulator.authorityHost, '--ca-file', emulator.caFile, '--client-id', clientId];
const calls = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);
const lastCall = () => calls().at(-1);
const tokenRequests = () => emulator.requests.filter((request) => request.path.endsWith('/oauth2/v2.0/token'));
const jsonError = (stderr: string) => JSON.parse(stderr.trim().split('\n').at(-1) as string).error as { code: string; exitCode: number; message: string };
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
const VAULT_ERP = 'vault kv get -field=client_secret secret/erp';

describe('--client-secret-command on a request', () => {
  it('runs the command without a shell and sends what it printed; the flag wins over TOKENCTL_CLIENT_SECRET', async () => {
    const ok = await cli(['token', ...entra(SECRET_APP), '--resource', API_URI, '--client-secret-command', `vault kv get '-field=client_secret' "secret/erp" $HOME;echo`], { TOKENCTL_CLIENT_SECRET: DECOY });
    // The stand-in was called with exactly the words a shell would have split, nothing expanded.
    expect(lastCall()).toBe('call [kv] [get] [-field=client_secret] [secret/erp] [$HOME;echo]');
    expect(withoutDestinations(ok.stderr)).toBe('');
    expect(ok.code).toBe(0);
    expect(tokenRequests().at(-1)?.form).toMatchObject({ client_id: SECRET_APP, client_secret: SECRET, grant_type: 'client_credentials' });
    expect(tokenRequests().at(-1)?.outcome).toBe('token');
  });

  it('a failing command is exit 4 with the last line of its stderr, escaped; nothing is sent', async () => {
    const before = tokenRequests().length;
    const result = await cli(['token', ...entra(SECRET_APP), '--resource', API_URI, '--client-secret-command', 'vault kv get -field=client_secret secret/denied']);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('--client-secret-command (vault) failed with exit status 2: * permission denied \\u001b]0;pwned\\u0007');
    expect(result.stderr).not.toContain('\u001b]0;');
    expect(result.stderr).not.toContain('Error making API request');
    const json = await cli(['--json', 'token', ...entra(SECRET_APP), '--resource', API_URI, '--client-secret-command', 'vault kv get -field=client_secret secret/nope']);
    expect(jsonError(json.stderr)).toMatchObject({ code: 'SECRET_COMMAND_FAILED', exitCode: 4, message: expect.stringContaining('No value found at secret/data/nope') });
    const empty = await cli(['--json', 'token', ...entra(SECRET_APP), '--resource', API_URI, '--client-secret-command', 'vault kv get -field=client_secret secret/empty']);
    expect(empty.code).toBe(4);
    expect(jsonError(empty.stderr)).toMatchObject({ code: 'SECRET_COMMAND_EMPTY', exitCode: 4 });
    const missing = await cli(['--json', 'token', ...entra(SECRET_APP), '--resource', API_URI, '--client-secret-command', 'no-such-vault kv get x']);
    expect(jsonError(missing.stderr)).toMatchObject({ code: 'SECRET_COMMAND_NOT_FOUND', exitCode: 4 });
    const unclosed = await cli(['--json', 'token', ...entra(SECRET_APP), '--resource', API_URI, '--client-secret-command', 'vault kv get "secret/erp']);
    expect(jsonError(unclosed.stderr)).toMatchObject({ code: 'SECRET_COMMAND_INVALID', exitCode: 2 });
    expect(tokenRequests()).toHaveLength(before);
  });

  it('a command that hangs is killed at --timeout with what it started, and tokenctl exits 4', async () => {
    const started = Date.now();
    const result = await cli(['--json', 'token', ...entra(SECRET_APP), '--resource', API_URI, '--timeout', '2', '--client-secret-command', 'vault kv get -field=x secret/hang']);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.code).toBe(4);
    expect(jsonError(result.stderr)).toMatchObject({ code: 'SECRET_COMMAND_TIMEOUT', message: expect.stringContaining('did not finish within 2 s and was stopped') });
    const shell = Number(readFileSync(`${log}.pid`, 'utf8'));
    const sleeper = Number(readFileSync(`${log}.sleep`, 'utf8'));
    for (let i = 0; i < 50 && (alive(shell) || alive(sleeper)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect([alive(shell), alive(sleeper)]).toEqual([false, false]);
  }, 40_000);
});

describe('a profile that stores the command, never the secret', () => {
  const profileFile = (name: string) => join(work, 'config', 'profiles', `${name}.json`);

  it('configure runs it to validate and saves the command line alone', async () => {
    const before = calls().length;
    const result = await cli(['configure', '-p', 'erp', '--store', 'file', ...entra(SECRET_APP), '--resource', API_URI, '--client-secret-command', VAULT_ERP]);
    expect(result.code, result.stderr).toBe(0);
    expect(calls()).toHaveLength(before + 1);
    const saved = JSON.parse(readFileSync(profileFile('erp'), 'utf8')) as Record<string, unknown>;
    expect(saved.secretCommands).toEqual({ clientSecret: VAULT_ERP });
    expect(saved.secretAccounts).toEqual({});
  });

  // Each of these needs a new token (the cached one has less than a day left), so each runs the command.
  const users: Array<[string, string[], (result: CliResult) => void]> = [
    ['token -p', ['token', '-p', 'erp', '--refresh'], (r) => expect(r.stdout).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+\n$/)],
    ['validate', ['validate', '-p', 'erp', '--expect-role', 'Orders.Read'], (r) => expect(r.stdout).toContain('Orders.Read')],
    ['token -o kubectl', ['token', '-p', 'erp', '-o', 'kubectl', '--min-validity', '86400'], (r) => expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'ExecCredential', status: { token: expect.any(String) } })],
    ['exec', ['exec', '-p', 'erp', '--min-validity', '86400', '--', process.execPath, '-e', 'process.stdout.write(JSON.stringify({ env: process.env, argv: process.argv }))'], (r) => {
      const seen = JSON.parse(r.stdout) as { env: Record<string, string>; argv: string[] };
      expect(seen.env.ACCESS_TOKEN).toMatch(/^ey/);
      expect(seen.env).not.toHaveProperty('TOKENCTL_PASSPHRASE');
      expect(JSON.stringify(seen)).not.toContain(SECRET);
    }],
  ];
  for (const [name, args, check] of users) {
    it(`${name} runs the stored command for a new token`, async () => {
      const before = calls().length;
      const requests = tokenRequests().length;
      const result = await cli(args);
      expect(result.code, result.stderr).toBe(0);
      check(result);
      expect(calls()).toEqual([...calls().slice(0, before), 'call [kv] [get] [-field=client_secret] [secret/erp]']);
      expect(tokenRequests().slice(requests).map((request) => request.form.client_secret)).toEqual([SECRET]);
    });
  }

  it('git credential fill gets a token through the stored command', async () => {
    const { spawn } = await import('node:child_process');
    const git = join(work, 'git');
    mkdirSync(git);
    const before = calls().length;
    const helper = `!'${process.execPath}' '${join(import.meta.dirname, '..', '..', 'bin', 'tokenctl.js')}' git-credential -p erp --min-validity 86400`;
    // Asynchronously: the emulator answers from this process.
    const child = spawn('git', ['-c', `credential.helper=${helper}`, 'credential', 'fill'], {
      env: Object.fromEntries(Object.entries({ ...process.env, ...env(), HOME: git, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' }).filter(([, value]) => value !== undefined)),
    });
    let filled = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (filled += chunk));
    child.stdin.end('protocol=https\nhost=dev.azure.com\n\n');
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
    expect(filled).toMatch(/^password=ey/m);
    expect(calls()).toHaveLength(before + 1);
  });

  it('a secret given on the run overrides the stored command, which then does not run', async () => {
    const before = calls().length;
    const wrong = await cli(['--json', 'token', '-p', 'erp', '--refresh'], { TOKENCTL_CLIENT_SECRET: DECOY });
    expect(wrong.code).toBe(5);
    expect(tokenRequests().at(-1)?.form.client_secret).toBe(DECOY);
    const stdin = await cli(['token', '-p', 'erp', '--refresh', '--client-secret-stdin'], {}, `${SECRET}\n`);
    expect(stdin.code).toBe(0);
    expect(calls()).toHaveLength(before);
  });

  it('show and doctor display the command, and doctor does not run it', async () => {
    const before = calls().length;
    const show = await cli(['show', '-p', 'erp']);
    expect(show.stdout).toMatch(/clientSecret\s+from the command: vault kv get -field=client_secret secret\/erp/);
    expect(JSON.parse((await cli(['show', '-p', 'erp', '--json'])).stdout)).toMatchObject({ secretCommands: { clientSecret: VAULT_ERP } });
    const doctor = await cli(['doctor', '-p', 'erp', '--json']);
    const checks = JSON.parse(doctor.stdout).checks as Array<{ area: string; status: string; detail: string }>;
    expect(checks).toContainEqual({ area: 'profile erp', status: 'ok', detail: `client secret from the command ${VAULT_ERP}` });
    // Not on PATH: doctor says so, without running anything.
    const lost = await cli(['doctor', '-p', 'erp', '--json'], { PATH: '/usr/bin:/bin' });
    expect(JSON.parse(lost.stdout).checks).toContainEqual(expect.objectContaining({ status: 'problem', detail: expect.stringContaining('vault is not installed, or not on PATH') }));
    expect(calls()).toHaveLength(before);
  });

  it('a group-writable profile file, or a symlink, never runs its stored command', async () => {
    const before = calls().length;
    chmodSync(profileFile('erp'), 0o620);
    const open = await cli(['--json', 'token', '-p', 'erp', '--refresh']);
    expect(open.code).toBe(2);
    expect(jsonError(open.stderr).message).toContain('can be read or changed by other users (mode 620)');
    chmodSync(profileFile('erp'), 0o600);
    const elsewhere = join(work, 'elsewhere.json');
    renameSync(profileFile('erp'), elsewhere);
    symlinkSync(elsewhere, profileFile('erp'));
    const linked = await cli(['--json', 'validate', '-p', 'erp']);
    expect(linked.code).toBe(2);
    expect(jsonError(linked.stderr).code).toBe('PROFILE_FILE_SYMLINK');
    const doctor = await cli(['doctor', '-p', 'erp']);
    expect(doctor.code).toBe(7);
    expect(calls()).toHaveLength(before);
    unlinkSync(profileFile('erp'));
    renameSync(elsewhere, profileFile('erp'));
    expect((await cli(['token', '-p', 'erp', '--refresh'])).code).toBe(0);
  });

  // Only root can give a file to another user; CI runs as root.
  it.runIf(process.getuid?.() === 0)("another user's profile file is read, but its stored command is not run", async () => {
    const before = calls().length;
    chownSync(profileFile('erp'), 4242, 4242);
    const show = await cli(['show', '-p', 'erp']);
    expect(show.code).toBe(0);
    const refused = await cli(['--json', 'token', '-p', 'erp', '--refresh']);
    expect(refused.code).toBe(2);
    expect(jsonError(refused.stderr)).toMatchObject({ code: 'SECRET_COMMAND_UNTRUSTED', message: expect.stringContaining('belongs to user 4242, not to you') });
    const doctor = await cli(['doctor', '-p', 'erp', '--json']);
    expect(JSON.parse(doctor.stdout).checks).toContainEqual(expect.objectContaining({ status: 'problem', detail: expect.stringContaining('belongs to user 4242') }));
    expect(calls()).toHaveLength(before);
    chownSync(profileFile('erp'), 0, 0);
  });

  it('a certificate store password from a command opens the PKCS#12 file', async () => {
    const command = 'vault kv get -field=pfx_password secret/erp';
    const configured = await cli(['configure', '-p', 'erp-cert', '--store', 'file', ...entra(CERT_APP), '--resource', API_URI, '--certificate', join(work, 'erp.pfx'), '--certificate-password-command', command]);
    expect(configured.code, configured.stderr).toBe(0);
    expect(JSON.parse(readFileSync(profileFile('erp-cert'), 'utf8'))).toMatchObject({ secretCommands: { certificatePassword: command }, secretAccounts: {} });
    const before = calls().length;
    const token = await cli(['token', '-p', 'erp-cert', '--refresh']);
    expect(token.code, token.stderr).toBe(0);
    expect(tokenRequests().at(-1)?.assertion?.payload).toMatchObject({ iss: CERT_APP, sub: CERT_APP });
    expect(calls().slice(before)).toEqual(['call [kv] [get] [-field=pfx_password] [secret/erp]']);
    const doctor = await cli(['doctor', '-p', 'erp-cert', '--json']);
    expect(JSON.parse(doctor.stdout).checks).toContainEqual(expect.objectContaining({ status: 'warning', detail: expect.stringContaining("certificate not opened: its password comes from the profile's command") }));
  });

  it("a sign-in profile with a confidential client: login and refresh authenticate with the command's secret", async () => {
    const command = 'vault kv get -field=web_secret secret/erp';
    const configured = await cli(['configure', '-p', 'web', '--store', 'file', '--grant', 'authorization_code', ...entra(WEB_APP), '--scope', 'User.Read', '--redirect-host', 'localhost', '--client-secret-command', command]);
    expect(configured.code, configured.stderr).toBe(0);
    const running = startCli(['login', '-p', 'web', '--no-browser'], { env: env() });
    const [url] = await running.waitForStderr(/https:\/\/127\.0\.0\.1:\d+\/\S+\/oauth2\/v2\.0\/authorize\?\S+/);
    const page = await (await fetch(url, { dispatcher: agent })).text();
    const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(page) as RegExpExecArray;
    const fields = new URLSearchParams([...(form[2] as string).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m): [string, string] => [m[1] as string, (m[2] as string).replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))]));
    fields.set('username', 'ada@contoso.com');
    fields.set('password', 'any password');
    fields.set('action', 'signin');
    const signedIn = await fetch(new URL(form[1] as string, url), { method: 'POST', body: fields, redirect: 'manual', dispatcher: agent });
    await (await fetch(signedIn.headers.get('location') as string)).text();
    const login = await running.result;
    runs.push({ args: ['login', '-p', 'web'], result: login });
    expect(login.code, login.stderr).toBe(0);
    const exchange = tokenRequests().at(-1);
    expect(exchange?.form).toMatchObject({ grant_type: 'authorization_code', client_id: WEB_APP });
    expect(exchange?.basicAuth?.secret ?? exchange?.form.client_secret).toBe(WEB_SECRET);
    expect(exchange?.outcome).toBe('token');

    const refreshed = await cli(['token', '-p', 'web', '--min-validity', '86400']);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    const refresh = tokenRequests().at(-1);
    expect(refresh?.form.grant_type).toBe('refresh_token');
    expect(refresh?.basicAuth?.secret ?? refresh?.form.client_secret).toBe(WEB_SECRET);
    expect(calls().filter((call) => call.includes('-field=web_secret')).length).toBeGreaterThanOrEqual(3);
  });
});

describe('the secret never reaches a child, a file or any output', () => {
  it('not the environment or argv of the command, nor tokenctl\'s argv', () => {
    const files = readdirSync(work).filter((name) => name.startsWith('vault.log.env.') || name.startsWith('vault.log.parent.'));
    expect(files.length).toBeGreaterThan(10);
    for (const name of files) {
      const text = readFileSync(join(work, name), 'utf8');
      for (const secret of [SECRET, WEB_SECRET, PFX_PASSWORD, PASSPHRASE, DECOY]) for (const form of secretForms(secret)) expect(text.includes(form), `${name} holds ${form}`).toBe(false);
      if (name.includes('.env.')) expect(text).not.toMatch(/^TOKENCTL_(CLIENT_SECRET|PASSPHRASE|CERTIFICATE_PASSWORD|CERTIFICATE_KEY_PASSWORD)=/m);
    }
    expect(calls().every((call) => !call.includes(SECRET))).toBe(true);
  });

  it('not any file under the config dir', () => {
    const under = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? under(join(dir, entry.name)) : [join(dir, entry.name)]));
    for (const file of under(join(work, 'config'))) {
      const bytes = readFileSync(file);
      for (const secret of [SECRET, WEB_SECRET, PFX_PASSWORD]) expect(bytes.includes(Buffer.from(secret)), file).toBe(false);
    }
  });

  it('not stdout or stderr of any run, plain, --json or --verbose', async () => {
    await cli(['--verbose', 'token', '-p', 'erp', '--refresh']);
    await cli(['--verbose', '--json', 'validate', '-p', 'erp']);
    expect(runs.length).toBeGreaterThan(20);
    for (const { args, result } of runs) {
      for (const secret of [SECRET, WEB_SECRET, PFX_PASSWORD]) {
        for (const form of secretForms(secret)) expect((result.stdout + result.stderr).includes(form), `${args.join(' ')} printed ${form}`).toBe(false);
      }
    }
  });
});
