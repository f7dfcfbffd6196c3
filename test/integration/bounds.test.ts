import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir } from '../../src/profiles/atomic-file.js';
import { PROFILE_SCHEMA_VERSION, serializeProfile, type Profile } from '../../src/profiles/profile.js';
import { runCli } from '../support/cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

let server: ScriptedServer;
let root: string;
beforeAll(async () => {
  server = await startScriptedServer([]);
});
afterAll(() => server.close());
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokenctl-bounds-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const env = () => ({ TOKENCTL_CONFIG_DIR: root, TOKENCTL_CLIENT_SECRET: 'bounds-secret', HTTPS_PROXY: undefined, HTTP_PROXY: undefined });

describe('every number has a bound, and a number past it is a clear exit 2', () => {
  it.each([
    [['token', '--timeout', '2147484']],
    [['token', '--timeout', '100000000000000000000']],
    [['token', '--timeout', '1e20']],
    [['token', '--timeout', '0']],
    [['token', '--assertion-lifetime', '99999999999999999999']],
    [['token', '--min-validity', '99999999999999999999']],
    [['decode', '--leeway', '99999999999999999999', 'x.y.z']],
  ])('%j', async (args) => {
    const before = server.requests.length;
    const extra = args[0] === 'token' ? ['--token-url', `${server.url}/token`, '--client-id', 'svc'] : [];
    const result = await runCli([...args, ...extra], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/expected (a whole number of seconds|\d+ to \d+ seconds)/);
    expect(result.stderr).not.toContain('internal error');
    expect(server.requests.length).toBe(before);
  });

  for (const [field, value] of [
    ['timeoutSeconds', 1e308],
    ['timeoutSeconds', 2147484],
    ['timeoutSeconds', 0.5],
    ['assertionLifetimeSeconds', 1e308],
  ] as const) {
    it(`a profile with ${field}: ${value} is refused as invalid (exit 2), not an internal error`, async () => {
      const profile: Profile = {
        schemaVersion: PROFILE_SCHEMA_VERSION,
        name: 'p',
        provider: 'generic',
        settings: { tokenUrl: `${server.url}/token`, clientId: 'svc', [field]: value },
        store: 'file',
        credential: 'secret',
        secretAccounts: {},
        expectations: {},
        createdAt: '2025-01-02T03:04:05.000Z',
        updatedAt: '2025-01-02T03:04:05.000Z',
      };
      await ensurePrivateDir(join(root, 'profiles'));
      // Written by hand, as an editor would: serializeProfile itself refuses nothing.
      await writeFile(join(root, 'profiles', 'p.json'), serializeProfile(profile).replace(/("(?:timeoutSeconds|assertionLifetimeSeconds)": )[^,\n}]+/, `$1${value}`), { mode: 0o600 });
      await chmod(join(root, 'profiles', 'p.json'), 0o600);
      const before = server.requests.length;
      const result = await runCli(['token', '-p', 'p', '--no-cache'], { env: env() });
      expect(result.stderr).toContain(field);
      expect(result.code).toBe(2);
      expect(server.requests.length).toBe(before);
    });
  }
});
