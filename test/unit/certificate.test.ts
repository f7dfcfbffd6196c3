import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, SignJWT } from 'jose';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessCertificate, loadClientCertificate, normalizeThumbprint, type CertificateSource, type ClientCertificate } from '../../src/oauth/certificate.js';
import { encryptKeyPem, makeCertificate, makeChain, makeJavaKeystoreHeader, makeKey, makePkcs12, type TestCertificate, type TestKey } from '../support/certs.js';

const STORE_PASSWORD = 'store-secret-1';
const KEY_PASSWORD = 'key-secret-2';
const WRONG_PASSWORD = 'wrong-secret-3';

let keys: TestKey[];
let single: TestCertificate;
let other: TestCertificate;
let chain: { ca: TestCertificate; leaf: TestCertificate };

beforeAll(() => {
  keys = [makeKey(), makeKey(), makeKey(), makeKey()];
  const [a, b, c, d] = keys as [TestKey, TestKey, TestKey, TestKey];
  single = makeCertificate({ commonName: 'tokenctl test', key: a });
  other = makeCertificate({ commonName: 'other app', key: b });
  chain = makeChain('chained app', { ca: c, leaf: d });
});

function file(path: string, data: string | Buffer): { path: string; data: Buffer } {
  return { path, data: Buffer.from(data) };
}

/** The error, checked for what every certificate failure shares: exit 2, a hint, and no secret in the text. */
function failure(source: CertificateSource): { code: string; message: string; hint: string } {
  try {
    loadClientCertificate(source);
  } catch (error) {
    const { code, message, hint, exitCode } = error as { code: string; message: string; hint: string; exitCode: number };
    expect(exitCode).toBe(2);
    expect(hint).toEqual(expect.any(String));
    const text = `${message}\n${hint}`;
    for (const secret of [STORE_PASSWORD, KEY_PASSWORD, WRONG_PASSWORD, 'PRIVATE KEY-----\n', single.keyPem.slice(40, 80)]) expect(text).not.toContain(secret);
    return { code, message, hint };
  }
  throw new Error('expected a failure');
}

function expectIdentity(loaded: ClientCertificate, certPem: string): void {
  const x509 = new X509Certificate(certPem);
  const sha1 = Buffer.from(x509.fingerprint.replaceAll(':', ''), 'hex');
  const sha256 = Buffer.from(x509.fingerprint256.replaceAll(':', ''), 'hex');
  expect(loaded.thumbprintSha1).toBe(normalizeThumbprint(x509.fingerprint));
  expect(loaded.thumbprintSha1).toMatch(/^[0-9A-F]{40}$/);
  expect(loaded.thumbprintSha256).toBe(sha256.toString('hex').toUpperCase());
  expect(loaded.x5t).toBe(sha1.toString('base64url'));
  expect(loaded.x5tS256).toBe(sha256.toString('base64url'));
  expect(loaded.chain[0]).toBe(x509.raw.toString('base64'));
  expect(loaded.certificate.raw.equals(x509.raw)).toBe(true);
  expect(loaded.certificate.checkPrivateKey(loaded.privateKey)).toBe(true);
}

describe('loadClientCertificate: PEM and DER', () => {
  it('reads a certificate and its key from one PEM file, in either order', () => {
    const loaded = loadClientCertificate({ certificate: file('app.pem', `${single.keyPem}\n${single.certPem}`) });
    expectIdentity(loaded, single.certPem);
    expect(loaded).toMatchObject({ subject: 'CN=tokenctl test', issuer: 'CN=tokenctl test', chain: [expect.any(String)] });
    expect(loaded.notAfter.getTime()).toBe(single.cert.validity.notAfter.setMilliseconds(0));
    expectIdentity(loadClientCertificate({ certificate: file('app.pem', single.certPem + single.keyPem) }), single.certPem);
  });

  it('reads the key from --private-key', () => {
    expectIdentity(loadClientCertificate({ certificate: file('app.crt', single.certPem), privateKey: file('app.key', single.keyPem) }), single.certPem);
  });

  it('decrypts an encrypted PKCS#8 key with the passphrase, from either password', () => {
    const encrypted = encryptKeyPem(single.keyPem, 'pem pass');
    expect(encrypted).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expectIdentity(loadClientCertificate({ certificate: file('app.crt', single.certPem), privateKey: file('app.key', encrypted), password: 'pem pass' }), single.certPem);
    expectIdentity(loadClientCertificate({ certificate: file('app.pem', single.certPem + encrypted), keyPassword: 'pem pass' }), single.certPem);
  });

  it('takes the certificate matching the key as the leaf and orders the chain after it', () => {
    const loaded = loadClientCertificate({ certificate: file('fullchain.pem', chain.ca.certPem + other.certPem + chain.leaf.certPem + chain.leaf.keyPem) });
    expectIdentity(loaded, chain.leaf.certPem);
    expect(loaded.chain).toEqual([new X509Certificate(chain.leaf.certPem).raw.toString('base64'), new X509Certificate(chain.ca.certPem).raw.toString('base64')]);
    expect(loaded.issuer).toBe('CN=chained app CA');
  });

  it('reads a DER certificate (.cer) with a separate key', () => {
    const der = new X509Certificate(single.certPem).raw;
    expectIdentity(loadClientCertificate({ certificate: file('app.cer', der), privateKey: file('app.key', single.keyPem) }), single.certPem);
  });

  it('signs with jose, verifiably with the certificate\'s public key', async () => {
    const loaded = loadClientCertificate({ certificate: file('app.pem', single.certPem + single.keyPem) });
    const jws = await new SignJWT({ sub: 'client' }).setProtectedHeader({ alg: 'PS256', x5t: loaded.x5t }).sign(loaded.privateKey);
    const { protectedHeader } = await compactVerify(jws, loaded.certificate.publicKey);
    expect(protectedHeader).toEqual({ alg: 'PS256', x5t: loaded.x5t });
  });
});

describe('loadClientCertificate: PKCS#12', () => {
  it('reads a single-entry store', () => {
    const pfx = makePkcs12({ entries: [{ certPem: single.certPem, keyPem: single.keyPem, alias: 'app' }], password: STORE_PASSWORD });
    expectIdentity(loadClientCertificate({ certificate: file('app.pfx', pfx), password: STORE_PASSWORD }), single.certPem);
  });

  it('reads a store made by forge itself, without a password', () => {
    const pfx = Buffer.from(forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(single.key, single.cert, null)).getBytes(), 'binary');
    expectIdentity(loadClientCertificate({ certificate: file('app.p12', pfx) }), single.certPem);
  });

  it('puts the chain in x5c, leaf first', () => {
    const pfx = makePkcs12({ entries: [{ certPem: chain.leaf.certPem, keyPem: chain.leaf.keyPem, chainPems: [chain.ca.certPem] }], password: STORE_PASSWORD });
    const loaded = loadClientCertificate({ certificate: file('app.p12', pfx), password: STORE_PASSWORD });
    expectIdentity(loaded, chain.leaf.certPem);
    expect(loaded.chain).toHaveLength(2);
    expect(loaded.chain[1]).toBe(new X509Certificate(chain.ca.certPem).raw.toString('base64'));
  });

  it('picks an entry by alias, ignoring case', () => {
    const pfx = makePkcs12({
      entries: [
        { certPem: single.certPem, keyPem: single.keyPem, alias: 'first' },
        { certPem: other.certPem, keyPem: other.keyPem, alias: 'Second' },
      ],
      password: STORE_PASSWORD,
    });
    expectIdentity(loadClientCertificate({ certificate: file('two.p12', pfx), password: STORE_PASSWORD, alias: 'second' }), other.certPem);
    expectIdentity(loadClientCertificate({ certificate: file('two.p12', pfx), password: STORE_PASSWORD, alias: 'first' }), single.certPem);
  });

  it('decrypts the key with its own password when it differs from the store password', () => {
    const pfx = makePkcs12({ entries: [{ certPem: single.certPem, keyPem: single.keyPem }], password: STORE_PASSWORD, keyPassword: KEY_PASSWORD });
    expectIdentity(loadClientCertificate({ certificate: file('app.p12', pfx), password: STORE_PASSWORD, keyPassword: KEY_PASSWORD }), single.certPem);
  });

  it('reads a base64 PFX as Key Vault hands it out, and a .jks that is PKCS#12 inside', () => {
    const pfx = makePkcs12({ entries: [{ certPem: single.certPem, keyPem: single.keyPem }], password: STORE_PASSWORD });
    expectIdentity(loadClientCertificate({ certificate: file('secret.txt', `${pfx.toString('base64')}\n`), password: STORE_PASSWORD }), single.certPem);
    expectIdentity(loadClientCertificate({ certificate: file('keystore.jks', pfx), password: STORE_PASSWORD }), single.certPem);
  });

  it('signs with jose using the key from a store', async () => {
    const pfx = makePkcs12({ entries: [{ certPem: single.certPem, keyPem: single.keyPem }], password: STORE_PASSWORD });
    const loaded = loadClientCertificate({ certificate: file('app.pfx', pfx), password: STORE_PASSWORD });
    const jws = await new SignJWT({}).setProtectedHeader({ alg: 'PS256' }).sign(loaded.privateKey);
    await expect(compactVerify(jws, loaded.certificate.publicKey)).resolves.toBeDefined();
  });
});

function opensslVersion(): string | undefined {
  try {
    return execFileSync('openssl', ['version'], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
}

const openssl = opensslVersion();

describe.skipIf(!openssl?.startsWith('OpenSSL 3'))('loadClientCertificate: stores written by OpenSSL 3 (AES, encrypted certificate bags, SHA-256 MAC)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tokenctl-openssl-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function opensslStore(name: string, newKey: string[], extra: string[], password: string): { pfx: Buffer; sha1: string } {
    const at = (suffix: string) => join(dir, `${name}.${suffix}`);
    execFileSync('openssl', ['req', '-x509', ...newKey, '-nodes', '-keyout', at('key'), '-out', at('crt'), '-days', '30', '-subj', `/CN=${name}`, ...extra], { stdio: 'pipe' });
    execFileSync('openssl', ['pkcs12', '-export', '-inkey', at('key'), '-in', at('crt'), '-name', name, '-out', at('p12'), '-passout', `pass:${password}`], { stdio: 'pipe' });
    const fingerprint = execFileSync('openssl', ['x509', '-in', at('crt'), '-noout', '-fingerprint', '-sha1'], { encoding: 'utf8' });
    return { pfx: readFileSync(at('p12')), sha1: normalizeThumbprint(fingerprint.split('=')[1] as string) };
  }

  it('keeps the thumbprint of an RSA-PSS-signed certificate, with a non-ASCII password', () => {
    const { pfx, sha1 } = opensslStore('pss', ['-newkey', 'rsa:2048'], ['-sigopt', 'rsa_padding_mode:pss'], 'pässwörd');
    const loaded = loadClientCertificate({ certificate: file('pss.p12', pfx), password: 'pässwörd', alias: 'pss' });
    expect(loaded.thumbprintSha1).toBe(sha1);
    expect(loaded.privateKey.asymmetricKeyType).toBe('rsa');
  });

  it('reads an EC key', () => {
    const { pfx, sha1 } = opensslStore('ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], [], STORE_PASSWORD);
    const loaded = loadClientCertificate({ certificate: file('ec.p12', pfx), password: STORE_PASSWORD });
    expect(loaded.thumbprintSha1).toBe(sha1);
    expect(loaded.privateKey.asymmetricKeyType).toBe('ec');
  });

  it('names a wrong password', () => {
    const { pfx } = opensslStore('pw', ['-newkey', 'rsa:2048'], [], STORE_PASSWORD);
    expect(failure({ certificate: file('pw.p12', pfx), password: WRONG_PASSWORD }).code).toBe('CERTIFICATE_PASSWORD');
  });
});

describe('loadClientCertificate: failures', () => {
  it.each([
    ['empty.pem', Buffer.alloc(0), 'is empty'],
    ['notes.txt', Buffer.from('this is not a certificate\n'), 'is not a certificate'],
    ['random.pfx', Buffer.from([0x30, 0x03, 0x02, 0x01, 0x07]), 'neither a certificate nor a PKCS#12 store'],
    ['cut.pfx', Buffer.from([0x30, 0x82, 0x10, 0x00, 0x02]), 'neither a certificate nor a PKCS#12 store'],
  ])('rejects %s as CERTIFICATE_INVALID, naming the file', (path, data, text) => {
    const error = failure({ certificate: { path, data } });
    expect(error).toMatchObject({ code: 'CERTIFICATE_INVALID', message: expect.stringContaining(text) });
    expect(error.message).toContain(path);
  });

  it('rejects a damaged certificate block', () => {
    const damaged = single.certPem.replace(/\n[A-Za-z0-9+/]{20}/, '\n');
    expect(failure({ certificate: file('app.pem', damaged + single.keyPem) })).toMatchObject({ code: 'CERTIFICATE_INVALID', message: expect.stringContaining('certificate 1 in app.pem') });
  });

  it.each([
    ['JCEKS', 'my store.jceks', "'my store.p12'", ''],
    ['BKS', 'truststore.bks', 'truststore.p12', ' -providerpath bcprov.jar -provider org.bouncycastle.jce.provider.BouncyCastleProvider'],
  ] as const)('recognises a %s keystore, which it cannot read, and gives the keytool command', (type, path, target, provider) => {
    const error = failure({ certificate: file(path, makeJavaKeystoreHeader(type)), password: STORE_PASSWORD });
    expect(error.code).toBe('CERTIFICATE_JKS');
    expect(error.message).toContain(`${path} is a Java ${type} keystore`);
    const source = path.includes(' ') ? `'${path}'` : path;
    expect(error.hint).toContain(`keytool -importkeystore -srckeystore ${source} -srcstoretype ${type}${provider} -destkeystore ${target} -deststoretype PKCS12`);
  });

  it('reads JKS (keytool-made stores are tested in test/integration/jks.test.ts); a damaged one is named as such', () => {
    expect(failure({ certificate: file('keystore.jks', makeJavaKeystoreHeader('JKS')) })).toMatchObject({ code: 'CERTIFICATE_PASSWORD', message: 'keystore.jks is a Java keystore (JKS), protected by a password, and none was given' });
    expect(failure({ certificate: file('keystore.jks', makeJavaKeystoreHeader('JKS')), password: STORE_PASSWORD })).toMatchObject({ code: 'CERTIFICATE_PASSWORD', message: 'the password does not open keystore.jks' });
    const truncated = Buffer.from('feedfeed0000000200000001000000010005616c696173', 'hex');
    expect(failure({ certificate: file('cut.jks', truncated), password: STORE_PASSWORD })).toMatchObject({ code: 'CERTIFICATE_INVALID', message: expect.stringContaining('cut.jks looks like a Java keystore (JKS) but cannot be read') });
  });

  it('asks for the store password, and names a wrong one', () => {
    const pfx = makePkcs12({ entries: [{ certPem: single.certPem, keyPem: single.keyPem }], password: STORE_PASSWORD });
    const missing = failure({ certificate: file('app.p12', pfx) });
    expect(missing).toMatchObject({ code: 'CERTIFICATE_PASSWORD', message: 'app.p12 is protected by a password and none was given' });
    expect(missing.hint).toContain('TOKENCTL_CERTIFICATE_PASSWORD or --certificate-password-stdin');
    expect(failure({ certificate: file('app.p12', pfx), password: WRONG_PASSWORD })).toMatchObject({ code: 'CERTIFICATE_PASSWORD', message: 'the password does not open app.p12' });
  });

  it('asks for the key password when the key bag has its own, and names a wrong one', () => {
    const pfx = makePkcs12({ entries: [{ certPem: single.certPem, keyPem: single.keyPem }], password: STORE_PASSWORD, keyPassword: KEY_PASSWORD });
    const missing = failure({ certificate: file('app.p12', pfx), password: STORE_PASSWORD });
    expect(missing).toMatchObject({ code: 'CERTIFICATE_KEY_PASSWORD', message: expect.stringContaining('protected by a different password') });
    expect(missing.hint).toContain('TOKENCTL_CERTIFICATE_KEY_PASSWORD');
    expect(failure({ certificate: file('app.p12', pfx), password: STORE_PASSWORD, keyPassword: WRONG_PASSWORD })).toMatchObject({
      code: 'CERTIFICATE_KEY_PASSWORD',
      message: 'the key password does not decrypt the private key in app.p12',
    });
  });

  it('lists the aliases when several keys need one, or the one given is unknown', () => {
    const pfx = makePkcs12({
      entries: [
        { certPem: single.certPem, keyPem: single.keyPem, alias: 'first' },
        { certPem: other.certPem, keyPem: other.keyPem, alias: 'second' },
        { certPem: chain.leaf.certPem, keyPem: chain.leaf.keyPem },
      ],
      password: STORE_PASSWORD,
    });
    const listed = '"first", "second", (no alias: CN=chained app)';
    expect(failure({ certificate: file('three.p12', pfx), password: STORE_PASSWORD })).toMatchObject({
      code: 'CERTIFICATE_ALIAS_REQUIRED',
      message: `three.p12 holds 3 private keys: ${listed}; tokenctl needs to know which one to use`,
      hint: expect.stringContaining('--certificate-alias'),
    });
    expect(failure({ certificate: file('three.p12', pfx), password: STORE_PASSWORD, alias: 'third' })).toMatchObject({
      code: 'CERTIFICATE_ALIAS_UNKNOWN',
      message: `three.p12 has no entry named "third"; its entries: ${listed}`,
    });
  });

  it('rejects an alias for a file without named entries', () => {
    expect(failure({ certificate: file('app.pem', single.certPem + single.keyPem), alias: 'app' })).toMatchObject({
      code: 'CERTIFICATE_ALIAS_UNKNOWN',
      message: expect.stringContaining('its entries have no names'),
      hint: expect.stringContaining('Leave out --certificate-alias'),
    });
  });

  it('needs a key for a PEM certificate, and a key in a store', () => {
    expect(failure({ certificate: file('app.crt', single.certPem) })).toMatchObject({ code: 'CERTIFICATE_NO_KEY', hint: expect.stringContaining('--private-key') });
    const certificatesOnly = makePkcs12({ entries: [{ certPem: chain.leaf.certPem, chainPems: [chain.ca.certPem] }], password: STORE_PASSWORD });
    expect(failure({ certificate: file('trust.p12', certificatesOnly), password: STORE_PASSWORD })).toMatchObject({
      code: 'CERTIFICATE_STORE_NO_KEY',
      message: 'trust.p12 holds 2 certificates but no private key',
    });
  });

  it('says so when --certificate holds only a key', () => {
    expect(failure({ certificate: file('app.key', single.keyPem) })).toMatchObject({ code: 'CERTIFICATE_NOT_FOUND', message: 'app.key holds no certificate' });
  });

  it('asks for the passphrase of an encrypted PEM key, and names a wrong one', () => {
    const encrypted = encryptKeyPem(single.keyPem, 'pem pass');
    expect(failure({ certificate: file('app.crt', single.certPem), privateKey: file('app.key', encrypted) })).toMatchObject({
      code: 'CERTIFICATE_KEY_ENCRYPTED',
      message: 'the private key in app.key is encrypted and no passphrase was given',
    });
    expect(failure({ certificate: file('app.pem', single.certPem + encrypted), password: WRONG_PASSWORD })).toMatchObject({
      code: 'CERTIFICATE_KEY_PASSPHRASE',
      message: 'the passphrase does not decrypt the private key in app.pem',
    });
  });

  it('rejects a key that does not belong to the certificate', () => {
    expect(failure({ certificate: file('app.crt', single.certPem), privateKey: file('other.key', other.keyPem) })).toMatchObject({
      code: 'CERTIFICATE_KEY_MISMATCH',
      message: 'the private key in other.key does not belong to the certificate in app.crt (CN=tokenctl test)',
    });
    const crossed = makePkcs12({ entries: [{ certPem: single.certPem, keyPem: other.keyPem, alias: 'crossed' }], password: STORE_PASSWORD });
    expect(failure({ certificate: file('crossed.p12', crossed), password: STORE_PASSWORD })).toMatchObject({
      code: 'CERTIFICATE_KEY_MISMATCH',
      message: 'the private key of entry "crossed" does not belong to the certificate in crossed.p12 (CN=tokenctl test)',
    });
  });

  it('rejects a --private-key file without a key, and a PEM file with two', () => {
    expect(failure({ certificate: file('app.crt', single.certPem), privateKey: file('app.key', single.certPem) })).toMatchObject({ code: 'PRIVATE_KEY_INVALID', message: 'app.key holds no PEM private key' });
    expect(failure({ certificate: file('app.pem', single.certPem + single.keyPem + other.keyPem) })).toMatchObject({ code: 'CERTIFICATE_SEVERAL_KEYS' });
  });

  it('names what forge cannot read in a PKCS#12 store', () => {
    const pfx = makePkcs12({ entries: [{ certPem: single.certPem, keyPem: single.keyPem }], password: STORE_PASSWORD });
    // Turn the MAC's digest algorithm (SHA-1, 1.3.14.3.2.26) into one neither forge nor OpenSSL knows
    // (1.3.14.3.2.127; OpenSSL would take 1.3.14.3.2.29, sha1WithRSA, as SHA-1).
    const at = pfx.lastIndexOf(Buffer.from('06052b0e03021a', 'hex'));
    const patched = Buffer.from(pfx);
    patched[at + 6] = 0x7f;
    expect(failure({ certificate: file('odd.p12', patched), password: STORE_PASSWORD })).toMatchObject({
      code: 'CERTIFICATE_PKCS12_UNSUPPORTED',
      message: expect.stringContaining('unsupported MAC algorithm'),
      hint: expect.stringContaining('openssl pkcs12 -in odd.p12 -out odd.p12.pem'),
    });
  });
});

describe('normalizeThumbprint', () => {
  const thumbprint = 'A4FF7485CCCC4360959CF25754CD894C24B3874C';
  it.each([
    ['colons', 'A4:FF:74:85:CC:CC:43:60:95:9C:F2:57:54:CD:89:4C:24:B3:87:4C'],
    ['lowercase and spaces', ' a4 ff 74 85 cc cc 43 60 95 9c f2 57 54 cd 89 4c 24 b3 87 4c\n'],
    ['the invisible mark Windows copies', `\u200e${thumbprint.toLowerCase()}`],
  ])('accepts %s', (_name, input) => {
    expect(normalizeThumbprint(input)).toBe(thumbprint);
  });

  it.each([
    [thumbprint.slice(2), 'has 38 hex digits'],
    [thumbprint + thumbprint.slice(0, 24), '(64 is the length of a SHA-256 thumbprint)'],
    [`${thumbprint.slice(1)}G`, 'contains "G"'],
  ])('rejects %s', (input, text) => {
    expect(() => normalizeThumbprint(input)).toThrow(expect.objectContaining({ code: 'THUMBPRINT_INVALID', exitCode: 2, message: expect.stringContaining(text) }));
  });
});

describe('assessCertificate', () => {
  const DAY = 86_400_000;
  let loaded: ClientCertificate;
  beforeAll(() => {
    loaded = loadClientCertificate({ certificate: file('app.pem', single.certPem + single.keyPem) });
  });

  it('accepts a valid certificate with the expected thumbprint, colons and lowercase allowed', () => {
    const colons = new X509Certificate(single.certPem).fingerprint.toLowerCase();
    expect(assessCertificate(loaded, new Date(), colons)).toEqual({ warnings: [] });
    expect(assessCertificate(loaded, new Date())).toEqual({ warnings: [] });
  });

  it('warns within 30 days of expiry', () => {
    const soon = makeCertificate({ commonName: 'soon', days: 10, key: keys[0] as TestKey });
    const cert = loadClientCertificate({ certificate: file('soon.pem', soon.certPem + soon.keyPem) });
    const [warning] = assessCertificate(cert, new Date()).warnings;
    expect(warning).toMatch(/^certificate CN=soon expires in 9 days \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\); upload a new one to the app registration before then$/);
    expect(assessCertificate(loaded, new Date(loaded.notAfter.getTime() - DAY - 1000)).warnings).toEqual([expect.stringContaining('expires in 1 day (')]);
    expect(assessCertificate(loaded, new Date(loaded.notAfter.getTime() - 5 * 3_600_000)).warnings).toEqual([expect.stringContaining('expires in 5h (')]);
    expect(assessCertificate(loaded, new Date(loaded.notAfter.getTime() - 31 * DAY)).warnings).toEqual([]);
  });

  it('rejects an expired certificate', () => {
    const expired = makeCertificate({ commonName: 'old', expired: true, key: keys[0] as TestKey });
    const cert = loadClientCertificate({ certificate: file('old.pem', expired.certPem + expired.keyPem) });
    expect(() => assessCertificate(cert, new Date())).toThrow(
      expect.objectContaining({ code: 'CERTIFICATE_EXPIRED', exitCode: 2, message: expect.stringMatching(/^certificate CN=old expired on \S+Z \(1d( \d+[hms])? ago\)$/) }),
    );
  });

  it('rejects a certificate that is not valid yet', () => {
    const early = new Date(loaded.notBefore.getTime() - 3 * 3_600_000);
    expect(() => assessCertificate(loaded, early)).toThrow(expect.objectContaining({ code: 'CERTIFICATE_NOT_YET_VALID', message: expect.stringContaining('(in 3h)'), hint: expect.stringContaining('clock') }));
  });

  it('rejects a thumbprint that is not this certificate\'s, showing both', () => {
    const expected = new X509Certificate(other.certPem).fingerprint;
    expect(() => assessCertificate(loaded, new Date(), expected)).toThrow(
      expect.objectContaining({ code: 'THUMBPRINT_MISMATCH', exitCode: 2, message: `the certificate's SHA-1 thumbprint is ${loaded.thumbprintSha1}, but ${normalizeThumbprint(expected)} was expected` }),
    );
  });
});
