import { chmodSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureProfile, type ConfigureFlowOptions } from '../../src/app/configure.js';
import type { AppContext } from '../../src/app/context.js';
import { getToken, type TokenFlowOptions } from '../../src/app/token.js';
import { SILENT_REPORTER } from '../../src/oauth/reporter.js';
import { splitCommandLine } from '../../src/process/command-line.js';
import { lastLine, runSecretCommand } from '../../src/process/secret-command.js';
import { configLayout } from '../../src/profiles/paths.js';
import { checkTrustedForCommands } from '../../src/profiles/trust.js';
import { createMemorySecretStore, type MemorySecretStore } from '../support/memory-store.js';
import { startTokenEndpoint, type TokenEndpoint } from '../support/token-endpoint.js';

const split = (line: string) => splitCommandLine(line, '--client-secret-command');
const node = process.execPath;

describe('splitting a secret command like a shell, without one', () => {
  it('splits on whitespace, keeps quoted text together', () => {
    expect(split('vault kv get -field=client_secret secret/erp')).toEqual(['vault', 'kv', 'get', '-field=client_secret', 'secret/erp']);
    expect(split(`  az keyvault secret show --vault-name "my vault" --name 'erp secret'  --query value -o tsv `)).toEqual(['az', 'keyvault', 'secret', 'show', '--vault-name', 'my vault', '--name', 'erp secret', '--query', 'value', '-o', 'tsv']);
    expect(split("op read 'op://Private/ERP client/credential'")).toEqual(['op', 'read', 'op://Private/ERP client/credential']);
  });

  it('backslashes escape outside quotes and some characters inside double quotes, none inside single quotes', () => {
    expect(split('a\\ b c')).toEqual(['a b', 'c']);
    expect(split(`"a \\"q\\" \\\\ \\$x \\n"`)).toEqual(['a "q" \\ $x \\n']);
    expect(split(`'a \\" b'`)).toEqual(['a \\" b']);
    expect(split(`'it'\\''s'`)).toEqual(["it's"]);
    expect(split(`"" ''`)).toEqual(['', '']);
    expect(split('a\\\nb')).toEqual(['ab']);
  });

  it('expands nothing and runs nothing: variables, substitutions, globs, ~ and operators are plain text', () => {
    expect(split('echo $HOME $(id) `id` ~ *.txt a;b | c && d > e')).toEqual(['echo', '$HOME', '$(id)', '`id`', '~', '*.txt', 'a;b', '|', 'c', '&&', 'd', '>', 'e']);
  });

  it('refuses an unclosed quote, a trailing backslash, and an empty command', () => {
    expect(() => split(`vault "kv`)).toThrow(expect.objectContaining({ code: 'SECRET_COMMAND_INVALID', exitCode: 2, message: '--client-secret-command has an unclosed "' }));
    expect(() => split(`vault 'kv`)).toThrow(expect.objectContaining({ code: 'SECRET_COMMAND_INVALID' }));
    expect(() => split('vault \\')).toThrow(expect.objectContaining({ code: 'SECRET_COMMAND_INVALID' }));
    expect(() => split('   ')).toThrow(expect.objectContaining({ code: 'SECRET_COMMAND_INVALID', message: '--client-secret-command is empty' }));
  });
});

describe('running a secret command', () => {
  const run = (script: string, env: Record<string, string | undefined> = {}, timeoutMs = 10_000) =>
    runSecretCommand([node, '-e', script], { source: '--client-secret-command', env: { PATH: process.env.PATH, ...env }, timeoutMs });

  it('takes stdout less one trailing newline as the secret', async () => {
    expect(await run(`process.stdout.write('s3cr3t value\\n')`)).toBe('s3cr3t value');
    expect(await run(`process.stdout.write('two\\n\\n')`)).toBe('two\n');
    expect(await run(`process.stdout.write('crlf\\r\\n')`)).toBe('crlf');
    expect(await run(`process.stdout.write(' spaced ')`)).toBe(' spaced ');
  });

  it("gives the command no stdin, and none of tokenctl's secret variables", async () => {
    const seen = await run(`process.stdout.write(JSON.stringify({ env: process.env, argv: process.argv, stdin: require('fs').readFileSync(0, 'utf8') }))`, {
      TOKENCTL_CLIENT_SECRET: 'leak-1',
      TOKENCTL_CERTIFICATE_PASSWORD: 'leak-2',
      TOKENCTL_CERTIFICATE_KEY_PASSWORD: 'leak-3',
      TOKENCTL_PASSPHRASE: 'leak-4',
      VAULT_ADDR: 'https://vault.example',
    });
    const { env, argv, stdin } = JSON.parse(seen) as { env: Record<string, string>; argv: string[]; stdin: string };
    expect(stdin).toBe('');
    expect(env.VAULT_ADDR).toBe('https://vault.example');
    expect(JSON.stringify({ env, argv })).not.toMatch(/leak-/);
  });

  it('a failing command is exit 4 with the last line of its stderr, escaped', async () => {
    const error = await run(`process.stderr.write('first line\\nError: permission denied to \\u001b[31msecret/erp\\u0007\\n\\n'); process.exit(3)`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SECRET_COMMAND_FAILED', exitCode: 4 });
    expect((error as Error).message).toContain('failed with exit status 3: Error: permission denied to \\u001b[31msecret/erp\\u0007');
    // eslint-disable-next-line no-control-regex
    expect((error as Error).message).not.toMatch(/[\u0000-\u001f]/);
    expect((error as Error).message).not.toContain('first line');
  });

  it('never puts what the command printed on stdout in a message, even when its stderr repeats it', async () => {
    const error = await run(`process.stdout.write('half-printed-secret'); process.stderr.write('cannot finish half-printed-secret\\n'); process.exit(1)`).catch((e: unknown) => e);
    expect((error as Error).message).toContain('cannot finish <redacted>');
    expect(JSON.stringify(error)).not.toContain('half-printed-secret');
    expect((error as Error).message).not.toContain('half-printed-secret');
  });

  it('no output, a missing program, and too much output are failures of their own', async () => {
    await expect(run(`process.exit(0)`)).rejects.toMatchObject({ code: 'SECRET_COMMAND_EMPTY', exitCode: 4, message: expect.stringContaining('printed nothing on stdout') });
    await expect(run(`process.stdout.write(' \\n')`)).rejects.toMatchObject({ code: 'SECRET_COMMAND_EMPTY' });
    await expect(runSecretCommand(['tokenctl-no-such-vault', 'kv'], { source: '--client-secret-command', env: { PATH: process.env.PATH }, timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'SECRET_COMMAND_NOT_FOUND',
      exitCode: 4,
      message: expect.stringContaining('(tokenctl-no-such-vault) was not found'),
    });
    await expect(run(`process.stdout.write('x'.repeat(200000))`)).rejects.toMatchObject({ code: 'SECRET_COMMAND_OUTPUT_TOO_LARGE', message: expect.stringContaining('printed more than 64 KiB') });
  });

  /** Whether a process is gone, or dead and waiting to be reaped. */
  const ended = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] === 'Z';
    } catch {
      return true;
    }
  };
  const waitEnded = async (pid: number) => {
    for (let i = 0; i < 50 && !ended(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    return ended(pid);
  };
  // The command starts a grandchild that would hold stdout open, then hangs.
  const hanging = (pidFile: string) =>
    `const c = require('child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: ['ignore', 'inherit', 'inherit'] }); require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); setTimeout(() => {}, 60000);`;

  it('a command that outlives the timeout is killed, with what it started', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'tokenctl-secret-cmd-')), 'grandchild.pid');
    const started = Date.now();
    const error = await run(hanging(pidFile), {}, 1500).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(error).toMatchObject({ code: 'SECRET_COMMAND_TIMEOUT', exitCode: 4, message: expect.stringContaining('did not finish within 2 s and was stopped') });
    expect(await waitEnded(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
  });

  it('Ctrl-C (or a kill) while it runs stops the command and everything it started', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'tokenctl-secret-cmd-')), 'grandchild.pid');
    const others = process.listeners('SIGINT');
    const pending = run(hanging(pidFile), {}, 30_000).catch((e: unknown) => e);
    for (let i = 0; i < 100 && !readFileSync(pidFile, { flag: 'a+', encoding: 'utf8' }); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    // The listener the command added, called as the signal would (the test runner's own are left alone).
    const added = process.listeners('SIGINT').filter((listener) => !others.includes(listener));
    expect(added).toHaveLength(1);
    (added[0] as (signal: NodeJS.Signals) => void)('SIGINT');
    expect(await pending).toMatchObject({ code: 'INTERRUPTED', exitCode: 130 });
    expect(await waitEnded(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
    expect(process.listeners('SIGINT')).toEqual(others);
  });

  it('lastLine skips blank lines and shortens a long one', () => {
    expect(lastLine('a\n\n  b  \n\n')).toBe('b');
    expect(lastLine('')).toBeUndefined();
    expect(lastLine('x'.repeat(400))).toHaveLength(301);
  });
});

describe('which profile files may run their stored command', () => {
  let dir: string;
  let file: string;
  const uid = process.getuid?.() as number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tokenctl-trust-'));
    chmodSync(dir, 0o700);
    file = join(dir, 'erp.json');
    writeFileSync(file, '{}', { mode: 0o600 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const check = (options = { uid }) => checkTrustedForCommands(file, 'client secret command of profile erp', options);
  const untrusted = (reason: RegExp) => expect.objectContaining({ code: 'SECRET_COMMAND_UNTRUSTED', exitCode: 2, message: expect.stringMatching(reason) });

  it('runs it from a regular file of this user, closed to others, in a directory others cannot write', async () => {
    await expect(check()).resolves.toBeUndefined();
  });

  it('refuses a file others can write or read', async () => {
    chmodSync(file, 0o620);
    await expect(check()).rejects.toEqual(untrusted(/open to other users \(mode 620\)/));
    chmodSync(file, 0o604);
    await expect(check()).rejects.toEqual(untrusted(/mode 604/));
  });

  it('refuses a symlink, even to a trusted file', async () => {
    const real = join(dir, 'real.json');
    renameSync(file, real);
    symlinkSync(real, file);
    await expect(check()).rejects.toEqual(untrusted(/is not a regular file/));
  });

  it("refuses another user's file, and a directory others can write", async () => {
    await expect(check({ uid: uid + 1 })).rejects.toEqual(untrusted(/belongs to user \d+, not to you/));
    chmodSync(dir, 0o777);
    await expect(check()).rejects.toEqual(untrusted(/which other users can write \(mode 777\)/));
  });
});

describe('the order of secret sources with a stored command', () => {
  let idp: TokenEndpoint;
  let dir: string;
  let log: string;
  let script: string;
  let store: MemorySecretStore;
  let concealed: string[];
  const VAULT_SECRET = 'from-the-vault-8d2c';

  beforeAll(async () => {
    idp = await startTokenEndpoint();
  });
  afterAll(() => idp.close());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tokenctl-secret-flows-'));
    mkdirSync(join(dir, 'work'));
    log = join(dir, 'calls.log');
    writeFileSync(log, '');
    // A stand-in secret manager: logs each call, prints the secret.
    script = join(dir, 'vault.cjs');
    writeFileSync(script, `require('fs').appendFileSync(${JSON.stringify(log)}, process.argv.slice(2).join(' ') + '\\n'); process.stdout.write(${JSON.stringify(`${VAULT_SECRET}\n`)});`);
    store = createMemorySecretStore();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const calls = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const command = () => `'${node}' '${script}' get secret/erp`;
  const context = (env: Record<string, string> = {}): AppContext => {
    concealed = [];
    return {
      env: { PATH: process.env.PATH ?? '', ...env },
      cwd: join(dir, 'work'),
      now: () => new Date(),
      layout: configLayout(join(dir, 'config')),
      reporter: { ...SILENT_REPORTER, conceal: (secret) => void concealed.push(secret) },
      readSecret: () => Promise.reject(new Error('no stdin here')),
      openStore: async () => store,
    };
  };
  const configureOptions = (extra: Partial<ConfigureFlowOptions> = {}): ConfigureFlowOptions => ({
    profile: 'erp',
    settings: { tokenUrl: idp.url, clientId: 'svc', authMethod: 'client_secret_post' },
    secrets: { clientSecretCommand: command() },
    store: 'file',
    validate: true,
    expectations: {},
    secretExpires: undefined,
    ...extra,
  });
  const tokenOptions = (extra: Partial<TokenFlowOptions> = {}): TokenFlowOptions => ({ profile: 'erp', settings: {}, secrets: {}, minValiditySeconds: 300, refresh: true, noCache: false, ...extra });
  const profileFile = () => JSON.parse(readFileSync(join(dir, 'config', 'profiles', 'erp.json'), 'utf8')) as Record<string, unknown>;

  it('configure runs the command to validate, saves the command and stores no secret', async () => {
    const { profile } = await configureProfile(configureOptions(), context());
    expect(calls()).toEqual(['get secret/erp']);
    expect(idp.secrets.at(-1)).toBe(VAULT_SECRET);
    expect(profile.secretCommands).toEqual({ clientSecret: command() });
    expect(profileFile().secretCommands).toEqual({ clientSecret: command() });
    expect(profileFile().secretAccounts).toEqual({});
    expect([...store.values.values()]).not.toContain(VAULT_SECRET);
    // Concealed the moment it was read; the command line itself is no secret.
    expect(concealed).toContain(VAULT_SECRET);
    expect(concealed).not.toContain(command());
  });

  it('token -p runs the stored command; a secret given on the run overrides it, by flag over environment', async () => {
    await configureProfile(configureOptions(), context());
    await getToken(tokenOptions(), context());
    expect(calls()).toHaveLength(2);
    expect(idp.secrets.at(-1)).toBe(VAULT_SECRET);
    expect(concealed).toContain(VAULT_SECRET);

    // The environment over the profile: the stored command is not run.
    await getToken(tokenOptions(), context({ TOKENCTL_CLIENT_SECRET: 'from-the-env' }));
    expect(calls()).toHaveLength(2);
    expect(idp.secrets.at(-1)).toBe('from-the-env');

    // A flag over the environment: this run's command, not the stored one.
    await getToken(tokenOptions({ secrets: { clientSecretCommand: `'${node}' -e "process.stdout.write('from-the-flag')"` } }), context({ TOKENCTL_CLIENT_SECRET: 'from-the-env' }));
    expect(calls()).toHaveLength(2);
    expect(idp.secrets.at(-1)).toBe('from-the-flag');

    // A cached token is used without running the command at all.
    expect(await getToken(tokenOptions({ refresh: false }), context())).toMatchObject({ cached: true });
    expect(calls()).toHaveLength(2);
  });

  it('configure --no-validate saves the command without running it; a later secret replaces it', async () => {
    await configureProfile(configureOptions({ validate: false }), context());
    expect(calls()).toEqual([]);
    expect(profileFile().secretCommands).toEqual({ clientSecret: command() });

    // Reconfigured without a secret: the command is kept (and run to validate).
    await configureProfile(configureOptions({ secrets: {}, settings: { scopes: ['read'] } }), context());
    expect(calls()).toHaveLength(1);
    expect(profileFile().secretCommands).toEqual({ clientSecret: command() });

    // A secret given another way replaces the command.
    await configureProfile(configureOptions({ secrets: {} }), context({ TOKENCTL_CLIENT_SECRET: 'stored-now' }));
    expect(profileFile()).not.toHaveProperty('secretCommands');
    expect([...store.values.values()]).toContain('stored-now');
    await getToken(tokenOptions(), context());
    expect(idp.secrets.at(-1)).toBe('stored-now');
    expect(calls()).toHaveLength(1);
  });

  it('refuses a program given by a relative path before anything runs', async () => {
    await expect(configureProfile(configureOptions({ secrets: { clientSecretCommand: './vault.sh get' } }), context())).rejects.toMatchObject({ code: 'SECRET_COMMAND_INVALID', exitCode: 2 });
  });
});
