// The canary sweep: every command, with both secret stores, plain, --verbose and --json, against an
// identity provider that echoes the credentials it receives everywhere it can (OAuth error fields,
// trace and correlation IDs, 5xx bodies, HTML pages, redirects, response headers) wrapped in terminal
// escapes. The client secret and the passphrase are canaries: neither may appear, in any encoding, in
// any output, in any file tokenctl leaves behind, or in the environment of any program it starts.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretForms } from '../../src/scrub.js';
import { runCli, type CliResult } from '../support/cli.js';
import { HOSTILE_MODES, startHostileIdp, type HostileIdp } from '../support/hostile-idp.js';
import { keyringAvailable, startKeyring, type TestKeyring } from '../support/keyring.js';

const SECRET = 'Sweep-Canary+s3cr3t/="% é:1';
const PASSPHRASE = 'Sweep-Passphrase-Canary 9#x';
const CLIENT_ID = 'sweep-client';
/** What a secret manager's CLI prints: tokenctl never sees it anywhere but on that command's stdout. */
const COMMAND_SECRET = 'Sweep-Vault-Canary:+/ü "7e';
const CANARY_FORMS = [...secretForms(SECRET, CLIENT_ID), ...secretForms(PASSPHRASE), ...secretForms(COMMAND_SECRET, CLIENT_ID)];
// eslint-disable-next-line no-control-regex
const FOREIGN_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** Programs tokenctl could start (a D-Bus launcher, a browser opener, a keychain tool): each records its environment. */
const CHILDREN = ['dbus-launch', 'xdg-open', 'secret-tool', 'gnome-keyring-daemon', 'kwallet-query', 'security', 'open', 'curl', 'python3', 'sh'];

const keyringReady = keyringAvailable();
const skipKeychain = !keyringReady.ok && process.env.CI !== 'true';

let idp: HostileIdp;
let keyring: TestKeyring | undefined;
let base: string;
let shims: string;
let childEnvs: string;

beforeAll(async () => {
  idp = await startHostileIdp('ok-echo');
  if (!skipKeychain) keyring = await startKeyring();
  base = mkdtempSync(join(tmpdir(), 'tokenctl-sweep-'));
  shims = join(base, 'bin');
  childEnvs = join(base, 'child-envs');
  mkdirSync(shims);
  mkdirSync(childEnvs);
  for (const name of CHILDREN) {
    writeFileSync(join(shims, name), `#!/bin/sh\nenv > "${childEnvs}/${name}.$$"\nexit 1\n`);
    chmodSync(join(shims, name), 0o755);
  }
  // A secret manager's CLI (vault kv get -field=…): records its environment, prints its secret.
  writeFileSync(join(shims, 'sweep-vault'), `#!/bin/sh\nenv > "${childEnvs}/sweep-vault.$$"\nprintf '%s\\n' '${COMMAND_SECRET}'\n`);
  chmodSync(join(shims, 'sweep-vault'), 0o755);
}, 60_000);
afterAll(async () => {
  await idp?.close();
  await keyring?.stop();
  if (base) rmSync(base, { recursive: true, force: true });
});

const filesUnder = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)])) : [];

function expectNoCanary(where: string, text: string): void {
  for (const form of CANARY_FORMS) expect(text.includes(form), `${where} contains the canary as ${JSON.stringify(form)}`).toBe(false);
}

for (const store of ['keychain', 'file'] as const) {
  describe.skipIf(store === 'keychain' && skipKeychain)(`canary sweep, ${store} store`, () => {
    let configDir: string;
    const runs: Array<{ args: string[]; result: CliResult }> = [];
    const env = () => ({
      ...(keyring?.env ?? {}),
      TOKENCTL_CONFIG_DIR: configDir,
      TOKENCTL_CLIENT_SECRET: SECRET,
      TOKENCTL_PASSPHRASE: PASSPHRASE,
      TOKENCTL_PROFILE: undefined,
      PATH: `${shims}:${process.env.PATH ?? ''}`,
      HTTPS_PROXY: undefined,
      HTTP_PROXY: undefined,
    });
    const run = async (args: string[], input?: string, extraEnv: Record<string, string | undefined> = {}) => {
      const result = await runCli(args, { env: { ...env(), ...extraEnv }, input, timeoutMs: 30_000 });
      runs.push({ args, result });
      return result;
    };

    beforeAll(() => {
      configDir = join(base, store);
    });

    it('every command, plain, --verbose and --json, while the identity provider echoes everything', async () => {
      idp.mode = 'ok-echo';
      const configured = await run(['configure', '-p', 'sweep', '--token-url', idp.tokenUrl, '--client-id', CLIENT_ID, '--store', store, '--timeout', '2', '--verbose']);
      expect(configured.code, configured.stderr).toBe(0);
      const variants = [[], ['--verbose'], ['--json']];
      // What talks to the identity provider, in every output mode.
      for (const flags of variants) {
        for (const args of [['validate', '-p', 'sweep'], ['token', '-p', 'sweep', '--refresh'], ['decode', '-p', 'sweep']]) {
          const result = await run([...args, ...flags]);
          expect(result.code, `${args.join(' ')} ${flags.join(' ')}: ${result.stderr}`).toBe(0);
        }
      }
      // What reads the profile, the stores and the cache, each mode in turn.
      for (const [index, args] of [['validate', '-p', 'sweep', '--curl'], ['token', '-p', 'sweep'], ['list'], ['show', '-p', 'sweep'], ['doctor', '-p', 'sweep'], ['completion', 'bash'], ['list'], ['show', '-p', 'sweep'], ['doctor']].entries()) {
        const flags = variants[index % 3] as string[];
        const result = await run([...args, ...flags]);
        expect([0, 7], `${args.join(' ')} ${flags.join(' ')}: ${result.stderr}`).toContain(result.code);
      }
      // Every way the identity provider can fail, each echoing the secret.
      for (const [index, mode] of HOSTILE_MODES.filter((m) => m !== 'ok-echo').entries()) {
        idp.mode = mode;
        const flags = [[], ['--verbose'], ['--json']][index % 3] as string[];
        expect((await run(['token', '-p', 'sweep', '--refresh', ...flags])).code).not.toBe(0);
        expect((await run(['validate', '-p', 'sweep', ...[['--json'], [], ['--verbose']][index % 3]!])).code).not.toBe(0);
      }
      // A secret from a secret manager's CLI, on the run and stored as the profile's command, while the
      // identity provider echoes it: concealed the moment it is read.
      const vault = `${join(shims, 'sweep-vault')} kv get -field=client_secret secret/sweep`;
      const withoutEnvSecret = { TOKENCTL_CLIENT_SECRET: undefined };
      idp.mode = 'ok-echo';
      const stored = await run(['configure', '-p', 'sweep-cmd', '--token-url', idp.tokenUrl, '--client-id', CLIENT_ID, '--store', store, '--timeout', '2', '--client-secret-command', vault, '--verbose'], undefined, withoutEnvSecret);
      expect(stored.code, stored.stderr).toBe(0);
      for (const [index, mode] of (['oauth-error', 'ok-echo', 'server-error'] as const).entries()) {
        idp.mode = mode;
        const flags = variants[index] as string[];
        const fromProfile = await run(['token', '-p', 'sweep-cmd', '--refresh', ...flags], undefined, withoutEnvSecret);
        const fromFlag = await run(['token', '--token-url', idp.tokenUrl, '--client-id', CLIENT_ID, '--timeout', '2', '--client-secret-command', vault, ...flags]);
        for (const result of [fromProfile, fromFlag]) expect(result.code === 0, `${mode}: ${result.stderr}`).toBe(mode === 'ok-echo');
      }
      idp.mode = 'ok-echo';
      for (const args of [['show', '-p', 'sweep-cmd'], ['doctor', '-p', 'sweep-cmd', '--json']]) await run(args, undefined, withoutEnvSecret);
      expect((await run(['remove', '-p', 'sweep-cmd', '--yes'])).code).toBe(0);
      idp.mode = 'oauth-error';
      expect((await run(['configure', '-p', 'sweep', '--client-secret-stdin', '--verbose'], `${SECRET}\n`)).code).toBe(5);
      idp.mode = 'ok-echo';
      expect((await run(['remove', '-p', 'sweep', '--yes', '--verbose'])).code).toBe(0);

      expect(idp.received.length).toBeGreaterThan(0);
      for (const { args, result } of runs) {
        expectNoCanary(`${args.join(' ')}: stdout`, result.stdout);
        expectNoCanary(`${args.join(' ')}: stderr`, result.stderr);
        for (const echoed of idp.received) expect(result.stdout + result.stderr, `${args.join(' ')} echoed what it sent`).not.toContain(echoed);
        expect(result.stdout + result.stderr, `${args.join(' ')}: a raw control character`).not.toMatch(FOREIGN_CONTROL);
      }
    }, 240_000);

    it('leaves the canary in no file and in no child environment', () => {
      for (const file of [...filesUnder(configDir), ...filesUnder(keyring?.env.XDG_DATA_HOME ?? join(base, 'none'))]) expectNoCanary(file, readFileSync(file, 'latin1') + readFileSync(file, 'utf8'));
      for (const file of filesUnder(childEnvs)) expectNoCanary(`the environment of ${file}`, readFileSync(file, 'utf8'));
    });
  });
}
