import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir } from '../../src/profiles/atomic-file.js';
import { PROFILE_SCHEMA_VERSION, serializeProfile, type Profile } from '../../src/profiles/profile.js';
import { runCli } from '../support/cli.js';

// Retitle the window (OSC 0), write the clipboard (OSC 52), clear the screen, C1 CSI, bidi override, and a
// newline that forges a line of output.
const ATTACK = '\u001b]0;pwned\u0007\u001b]52;c;cHduZWQ=\u0007\u001b[2J\u009b31m\u202e\nok forged line';
/** Anything but our own colours (SGR) and layout (newline, tab). */
// eslint-disable-next-line no-control-regex
const FOREIGN_CONTROL = /(?!\u001b\[[0-9;]*m)[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokenctl-inject-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

function profile(name: string): Profile {
  return {
    schemaVersion: PROFILE_SCHEMA_VERSION,
    name,
    provider: 'generic',
    settings: { tokenUrl: 'https://idp.example.com/token', clientId: `client${ATTACK}`, scopes: [`read${ATTACK}`] },
    store: 'file',
    credential: 'secret',
    secretAccounts: {},
    expectations: { audience: `api${ATTACK}`, roles: [`Role${ATTACK}`] },
    createdAt: '2025-01-02T03:04:05.000Z',
    updatedAt: '2025-01-02T03:04:05.000Z',
  };
}

async function plant(file: string, content: string): Promise<void> {
  const dir = join(root, 'profiles');
  await ensurePrivateDir(dir);
  await writeFile(join(dir, file), content, { mode: 0o600 });
  await chmod(join(dir, file), 0o600);
}

const env = () => ({ TOKENCTL_CONFIG_DIR: root, TOKENCTL_PASSPHRASE: 'p', TOKENCTL_PROFILE: undefined });

describe('control characters from profile files never reach the terminal', () => {
  for (const color of [{}, { FORCE_COLOR: '1' }]) {
    it(`list, show, doctor and remove --all ${color.FORCE_COLOR ? 'with' : 'without'} colour`, async () => {
      await plant('evil.json', serializeProfile(profile('evil')));
      await plant(`bad${ATTACK.replace(/\n/g, '')}.json`, '{}');
      await plant('broken.json', `{"name": "${ATTACK.replace(/\n/g, '')}"`);
      for (const args of [['list'], ['list', '--json'], ['show', '-p', 'evil'], ['show', '-p', 'evil', '--json'], ['doctor'], ['doctor', '--json'], ['remove', '--all', '--yes']]) {
        const result = await runCli(args, { env: { ...env(), ...color } });
        const output = result.stdout + result.stderr;
        expect(output, args.join(' ')).not.toMatch(FOREIGN_CONTROL);
        expect(output, args.join(' ')).not.toMatch(/^ok forged line/m);
        if (args.includes('--json')) expect(() => JSON.parse(result.stdout), args.join(' ')).not.toThrow();
      }
    });
  }
});

describe('control characters from a token never reach the terminal', () => {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const token = `${part({ alg: `RS256${ATTACK}`, kid: `key${ATTACK}`, typ: 'JWT' })}.${part({ sub: `me${ATTACK}`, iss: 'https://idp.example.com', [`claim${ATTACK}`]: 1, exp: 4102444800 })}.c2ln`;
  for (const args of [['decode', token], ['decode', '--json', token], ['decode', '--claim', 'sub', token]]) {
    it(args.slice(0, -1).join(' '), async () => {
      const result = await runCli(args, { env: { FORCE_COLOR: '1' } });
      expect(result.code).toBe(0);
      expect(result.stdout + result.stderr).not.toMatch(FOREIGN_CONTROL);
      expect(result.stdout).toContain('\\u001b]0;pwned');
    });
  }
});
