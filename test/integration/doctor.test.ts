import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate } from '../support/certs.js';
import { runCli } from '../support/cli.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

const NO_KEYCHAIN = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent', TOKENCTL_PASSPHRASE: 'doctor-pass' };
const SECRET = 'doctor-canary-secret-4f1';
let configDir: string;
let idp: ScriptedServer;
const doctor = (args: string[], env: Record<string, string | undefined> = {}) => runCli(['doctor', ...args], { env: { TOKENCTL_CONFIG_DIR: configDir, ...NO_KEYCHAIN, ...env } });

beforeAll(async () => {
  configDir = mkdtempSync(join(tmpdir(), 'tokenctl-doctor-'));
  // Every answer carries a Date ten minutes behind.
  const skewed = () => new Date(Date.now() - 600_000).toUTCString();
  idp = await startScriptedServer(Array.from({ length: 20 }, () => ({ status: 405, headers: { date: skewed() }, body: '' })));
});
afterAll(() => idp.close());

describe('tokenctl doctor', () => {
  it('explains a missing keychain: what is wrong and how to fix it; with no profiles it is a warning (exit 0)', async () => {
    const result = await doctor([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/! OS keychain .*No D-Bus session bus/);
    expect(result.stdout).toContain('dbus-run-session');
    expect(result.stdout).toContain('--store file');
    expect(result.stdout).toMatch(/✓ tokenctl \d+\.\d+\.\d+ on node v\d+/);
  });

  it('an expiring certificate: its expiry, both thumbprints, and the warning', async () => {
    const cert = makeCertificate({ commonName: 'expiring-soon', days: 10 });
    const file = join(configDir, '..', `cert-${Date.now()}.pem`);
    writeFileSync(file, cert.certPem + cert.keyPem);
    const configure = await runCli(['configure', '-p', 'cert', '--store', 'file', '--tenant', 'contoso.onmicrosoft.com', '--client-id', 'c', '--resource', 'api://x', '--certificate', file, '--no-validate'], {
      env: { TOKENCTL_CONFIG_DIR: configDir, ...NO_KEYCHAIN },
    });
    expect(configure.stderr).toContain('expires in 9 days');
    expect(configure.code).toBe(0);
    const result = await doctor(['-p', 'cert', '--json']);
    const checks = JSON.parse(result.stdout).checks as Array<{ area: string; status: string; detail: string; fix?: string }>;
    const certificate = checks.find((c) => c.area === 'profile cert' && c.detail.startsWith('certificate'));
    expect(certificate).toMatchObject({ status: 'warning', detail: expect.stringMatching(/certificate CN=expiring-soon, valid until \d{4}-\d\d-\d\d \(9 days\), SHA-1 thumbprint [0-9A-F]{40}, SHA-256 [0-9A-F]{64}/) });
    expect(certificate?.fix).toContain('upload a new one');
    expect(checks.find((c) => c.area === 'profile cert' && c.detail === 'never validated')).toMatchObject({ status: 'warning' });
  });

  it('a secret that has expired and a keychain profile without a keychain are problems: exit 7, no secret shown', async () => {
    const configure = await runCli(['configure', '-p', 'old', '--store', 'file', '--token-url', `${idp.url}/token`, '--client-id', 'svc', '--secret-expires', '2020-01-31', '--no-validate'], {
      env: { TOKENCTL_CONFIG_DIR: configDir, ...NO_KEYCHAIN, TOKENCTL_CLIENT_SECRET: SECRET },
    });
    expect(configure.code).toBe(0);
    const result = await doctor(['-p', 'old']);
    expect(result.code).toBe(7);
    expect(result.stdout).toContain('✓ client secret stored in the encrypted file store');
    expect(result.stdout).toContain('✗ the client secret of profile old expired on 2020-01-31');
    expect(result.stdout).toContain('AADSTS7000222');
    expect(result.stderr).toContain('doctor found 1 problem(s)');
    expect(result.stdout + result.stderr).not.toContain(SECRET);
  });

  it('--online compares the clock with the identity provider', async () => {
    const result = await doctor(['-p', 'old', '--online', '--json']);
    const clock = (JSON.parse(result.stdout).checks as Array<{ detail: string; status: string }>).find((c) => c.detail.startsWith('clock'));
    expect(clock).toMatchObject({ status: 'problem', detail: expect.stringMatching(/^clock (59\d|6[0-5]\d) s ahead of 127\.0\.0\.1:\d+$/) });
  });

  it('an unreadable profile file and a world-readable config dir are problems', async () => {
    writeFileSync(join(configDir, 'profiles', 'junk.json'), 'not json', { mode: 0o600 });
    const result = await doctor(['--json']);
    const checks = JSON.parse(result.stdout).checks as Array<{ area: string; status: string; detail: string }>;
    expect(checks).toContainEqual(expect.objectContaining({ area: 'config', status: 'problem', detail: expect.stringContaining('profile file junk') }));
    expect(result.code).toBe(7);
  });

  it('-p with a broken profile file reports it (exit 7) instead of failing without a report', async () => {
    const result = await doctor(['-p', 'junk', '--json']);
    const checks = JSON.parse(result.stdout).checks as Array<{ area: string; status: string; detail: string }>;
    expect(checks).toContainEqual(expect.objectContaining({ area: 'config', status: 'problem', detail: expect.stringContaining('profile file junk') }));
    expect(result.code).toBe(7);
  });

  it('a profiles directory other users can write is reported with its fix (exit 7), not thrown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenctl-doctor-open-'));
    mkdirSync(join(dir, 'profiles'));
    chmodSync(join(dir, 'profiles'), 0o777);
    const result = await runCli(['doctor', '--json'], { env: { TOKENCTL_CONFIG_DIR: dir, ...NO_KEYCHAIN } });
    expect(result.code).toBe(7);
    const checks = JSON.parse(result.stdout).checks as Array<{ area: string; status: string; detail: string; fix?: string }>;
    expect(checks).toContainEqual(expect.objectContaining({ area: 'config', status: 'problem', detail: expect.stringContaining('writable by other users'), fix: expect.stringContaining('chmod 700') }));
  });
});
