import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, makeChain, type TestCertificate } from '../support/certs.js';
import { runCli, withoutDestinations } from '../support/cli.js';
import { startEntraEmulator, type EntraEmulator } from '../support/entra-emulator.js';
import { keytool, makeKeystore } from '../support/keytool.js';

const TENANT = '9660ad26-896d-4438-a013-e3ee23b57b7c';
const API_APP = 'cdc128ef-09ca-46ca-a349-57c0c248cad7';
const CERT_APP = '5b0e5c1a-6a8d-4c4f-9d57-2a1f1b7e0c11';
const STORE_PASSWORD = 'St0re-P@ss;jks';
const KEY_PASSWORD = 'K3y-P@ss-differs';

const skipReason = keytool === undefined && process.env.CI !== 'true' ? 'keytool not installed (apt-get install default-jre-headless)' : undefined;

describe.skipIf(skipReason !== undefined)(`Java keystores made by keytool${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let emulator: EntraEmulator;
  let dir: string;
  let jks: string;
  let jceks: string;
  let chain: { ca: TestCertificate; leaf: TestCertificate };
  let backup: TestCertificate;

  const args = (...extra: string[]) => ['token', '--tenant', TENANT, '--authority-host', emulator.authorityHost, '--ca-file', emulator.caFile, '--client-id', CERT_APP, '--resource', `api://${API_APP}`, '--no-cache', ...extra];
  const passwords = (store?: string, key?: string) => ({ TOKENCTL_CERTIFICATE_PASSWORD: store, TOKENCTL_CERTIFICATE_KEY_PASSWORD: key });
  const thumbprint = (certificate: TestCertificate) => createHash('sha1').update(new X509Certificate(certificate.certPem).raw).digest('base64url');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenctl-jks-'));
    chain = makeChain('jks-api-client');
    backup = makeCertificate({ commonName: 'jks-backup' });
    const other = makeCertificate({ commonName: 'jceks-client' });
    [jks, jceks] = await Promise.all([
      // Two key entries, one with a key password of its own, and the issuing CA as a trusted entry.
      makeKeystore({
        dir,
        name: 'client.jks',
        type: 'JKS',
        storePassword: STORE_PASSWORD,
        entries: [
          { alias: 'api-client', certificate: chain.leaf, keyPassword: KEY_PASSWORD },
          { alias: 'backup', certificate: backup },
        ],
        trusted: [{ alias: 'issuing-ca', certificate: chain.ca }],
      }),
      makeKeystore({ dir, name: 'client.jceks', type: 'JCEKS', storePassword: STORE_PASSWORD, entries: [{ alias: 'c', certificate: other }] }),
    ]);
    emulator = await startEntraEmulator({
      tenants: [{ id: TENANT, domains: ['contoso.onmicrosoft.com'] }],
      resources: [{ tenantId: TENANT, appId: API_APP, appIdUri: `api://${API_APP}`, displayName: 'Orders API' }],
      apps: [{ tenantId: TENANT, clientId: CERT_APP, displayName: 'JKS client', certificates: [chain.leaf.certPem, backup.certPem], roles: { [API_APP]: ['Orders.Read'] } }],
    });
  }, 180_000);
  afterAll(() => emulator?.close());

  it('signs with the entry --certificate-alias names (any case), opened with its own key password; the trusted CA joins x5c', async () => {
    const result = await runCli(args('--certificate', jks, '--certificate-alias', 'API-Client', '--send-x5c'), { env: passwords(STORE_PASSWORD, KEY_PASSWORD) });
    expect(withoutDestinations(result.stderr)).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^eyJ/);
    const header = emulator.requests.at(-1)?.assertion?.header as Record<string, unknown>;
    expect(header['x5t#S256'] ?? header.x5t).toBeDefined();
    expect(header.x5c).toEqual([chain.leaf.certPem, chain.ca.certPem].map((pem) => new X509Certificate(pem).raw.toString('base64')));
  });

  it('another entry, whose key password is the store password', async () => {
    const result = await runCli(args('--certificate', jks, '--certificate-alias', 'backup', '--assertion-alg', 'RS256'), { env: passwords(STORE_PASSWORD) });
    expect(withoutDestinations(result.stderr)).toBe('');
    expect(result.code).toBe(0);
    expect(emulator.requests.at(-1)?.assertion?.header.x5t).toBe(thumbprint(backup));
  });

  it('with several keys and no alias, names the entries', async () => {
    const result = await runCli(['--json', ...args('--certificate', jks)], { env: passwords(STORE_PASSWORD, KEY_PASSWORD) });
    expect(result.code).toBe(2);
    const { error } = JSON.parse(result.stderr) as { error: { code: string; message: string; hint: string } };
    expect(error.code).toBe('CERTIFICATE_ALIAS_REQUIRED');
    expect(error.message).toContain('"api-client", "backup"');
    expect(error.hint).toContain('--certificate-alias');
  });

  it('an unknown alias lists the key entries', async () => {
    const result = await runCli(['--json', ...args('--certificate', jks, '--certificate-alias', 'issuing-ca')], { env: passwords(STORE_PASSWORD) });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stderr).error).toMatchObject({ code: 'CERTIFICATE_ALIAS_UNKNOWN', message: expect.stringContaining('named "issuing-ca" ("issuing-ca" is a trusted certificate, without a private key); its key entries: "api-client", "backup"') });
  });

  it('says which password is missing or wrong: store, or key', async () => {
    const run = async (store?: string, key?: string) => JSON.parse((await runCli(['--json', ...args('--certificate', jks, '--certificate-alias', 'api-client')], { env: passwords(store, key) })).stderr).error as { code: string; message: string; hint: string };
    expect(await run()).toMatchObject({ code: 'CERTIFICATE_PASSWORD', message: expect.stringContaining('none was given') });
    expect(await run('wrong')).toMatchObject({ code: 'CERTIFICATE_PASSWORD', message: expect.stringContaining('the password does not open') });
    const noKeyPassword = await run(STORE_PASSWORD);
    expect(noKeyPassword).toMatchObject({ code: 'CERTIFICATE_KEY_PASSWORD', message: expect.stringContaining('protected by a different password than the store') });
    expect(noKeyPassword.hint).toContain('TOKENCTL_CERTIFICATE_KEY_PASSWORD');
    expect(await run(STORE_PASSWORD, 'wrong')).toMatchObject({ code: 'CERTIFICATE_KEY_PASSWORD', message: expect.stringContaining('the key password does not decrypt entry "api-client"') });
  });

  it('a profile keeps the store and key passwords, as with PKCS#12', async () => {
    const env = { TOKENCTL_CONFIG_DIR: join(dir, 'config'), TOKENCTL_PASSPHRASE: 'jks-file-store' };
    const configure = await runCli(
      ['configure', '-p', 'jks', '--store', 'file', '--tenant', TENANT, '--authority-host', emulator.authorityHost, '--ca-file', emulator.caFile, '--client-id', CERT_APP, '--resource', `api://${API_APP}`, '--certificate', jks, '--certificate-alias', 'api-client', '--certificate-password-stdin'],
      { input: `${STORE_PASSWORD}\n`, env: { ...env, TOKENCTL_CERTIFICATE_KEY_PASSWORD: KEY_PASSWORD } },
    );
    expect(withoutDestinations(configure.stderr)).toBe('');
    expect(configure.code).toBe(0);
    const token = await runCli(['token', '-p', 'jks'], { env });
    expect(withoutDestinations(token.stderr)).toBe('');
    expect(token.code).toBe(0);
    expect(emulator.requests.at(-1)?.assertion?.header['x5t#S256']).toBe(createHash('sha256').update(new X509Certificate(chain.leaf.certPem).raw).digest('base64url'));
  });

  it('a JCEKS store, which tokenctl does not read, gets the keytool command that converts it', async () => {
    const result = await runCli(args('--certificate', jceks), { env: passwords(STORE_PASSWORD) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is a Java JCEKS keystore');
    expect(result.stderr).toContain(`keytool -importkeystore -srckeystore ${jceks} -srcstoretype JCEKS -destkeystore ${jceks.replace(/\.jceks$/, '.p12')} -deststoretype PKCS12`);
  });
});
