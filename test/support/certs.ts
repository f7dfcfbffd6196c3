import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

/**
 * Certificates and key stores made at test time. Keys come from Node's native generator (forge's
 * pure-JS RSA keygen takes seconds per key); forge signs the certificates and builds PKCS#12.
 */

export interface TestKey {
  /** PKCS#8 PEM, unencrypted. */
  keyPem: string;
  key: forge.pki.rsa.PrivateKey;
}

export interface TestCertificate extends TestKey {
  certPem: string;
  cert: forge.pki.Certificate;
}

export interface CertificateOptions {
  commonName: string;
  /** Validity from now; default 365. */
  days?: number;
  /** Valid from 30 days ago until yesterday. */
  expired?: boolean;
  /** Overrides the start of validity (one hour ago by default), e.g. a future date. */
  notBefore?: Date;
  /** Signs with this certificate's key and names it as issuer; self-signed without. */
  issuer?: TestCertificate;
  /** A CA certificate (basicConstraints cA, keyCertSign). */
  isCa?: boolean;
  /** Reuse a key; a fresh 2048-bit one otherwise. */
  key?: TestKey;
}

const DAY_MS = 86_400_000;

export function makeKey(): TestKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { keyPem, key: forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey };
}

export function makeCertificate(options: CertificateOptions): TestCertificate {
  const { key, keyPem } = options.key ?? makeKey();
  const now = Date.now();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // A leading 01 keeps the DER INTEGER positive.
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = options.expired ? new Date(now - 30 * DAY_MS) : (options.notBefore ?? new Date(now - 3_600_000));
  cert.validity.notAfter = options.expired ? new Date(now - DAY_MS) : new Date(now + (options.days ?? 365) * DAY_MS);
  const subject = [{ name: 'commonName', value: options.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(options.issuer ? options.issuer.cert.subject.attributes : subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: options.isCa === true },
    options.isCa ? { name: 'keyUsage', keyCertSign: true, cRLSign: true } : { name: 'keyUsage', digitalSignature: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(options.issuer?.key ?? key, forge.md.sha256.create());
  return { cert, certPem: forge.pki.certificateToPem(cert), key, keyPem };
}

/** A CA, and a leaf it issued. */
export function makeChain(commonName: string, keys: { ca?: TestKey; leaf?: TestKey } = {}): { ca: TestCertificate; leaf: TestCertificate } {
  const ca = makeCertificate({ commonName: `${commonName} CA`, isCa: true, days: 3650, ...(keys.ca ? { key: keys.ca } : {}) });
  const leaf = makeCertificate({ commonName, issuer: ca, ...(keys.leaf ? { key: keys.leaf } : {}) });
  return { ca, leaf };
}

/** Encrypted PKCS#8 ("BEGIN ENCRYPTED PRIVATE KEY", AES-256-CBC), as `openssl pkcs8 -topk8` writes. */
export function encryptKeyPem(keyPem: string, passphrase: string): string {
  return createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
}

export interface Pkcs12Entry {
  certPem: string;
  /** Omit for a certificate-only entry (a trusted certificate, as Java stores a CA). */
  keyPem?: string;
  /** Issuers after the leaf, stored as further certificate bags. */
  chainPems?: string[];
  /** friendlyName of the key and leaf bags: the alias keytool and Windows show. */
  alias?: string;
}

export interface Pkcs12Options {
  entries: Pkcs12Entry[];
  /** Store (MAC) password; null for a store without one, as forge and Java write it. */
  password: string | null;
  /** Encrypts the key bags with this instead of `password`, as Java's keytool -keypass does. */
  keyPassword?: string;
}

/**
 * A PFX with any number of entries. forge's toPkcs12Asn1 writes one key under one password, so each
 * entry's bags are made by it separately and joined into one AuthenticatedSafe, MACed with the store
 * password. forge leaves certificate bags unencrypted (OpenSSL encrypts them); readers cope with both.
 */
export function makePkcs12(options: Pkcs12Options): Buffer {
  const { asn1 } = forge;
  const contents: forge.asn1.Asn1[] = [];
  for (const entry of options.entries) {
    const certs = [entry.certPem, ...(entry.chainPems ?? [])].map((pem) => forge.pki.certificateFromPem(pem));
    const bagOptions = {
      useMac: false,
      localKeyId: createHash('sha1').update(new X509Certificate(entry.certPem).raw).digest('hex'),
      ...(entry.alias === undefined ? {} : { friendlyName: entry.alias }),
    };
    contents.push(...authSafeContents(forge.pkcs12.toPkcs12Asn1(null, certs, null, bagOptions)));
    if (entry.keyPem !== undefined) {
      const key = forge.pki.privateKeyFromPem(entry.keyPem) as forge.pki.rsa.PrivateKey;
      contents.push(...authSafeContents(forge.pkcs12.toPkcs12Asn1(key, [], options.keyPassword ?? options.password, { ...bagOptions, algorithm: 'aes256' })));
    }
  }
  const safe = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, contents);
  const safeDer = asn1.toDer(safe).getBytes();
  const salt = forge.random.getBytesSync(8);
  const iterations = 2048;
  const macKey = forge.pkcs12.generateKey(options.password, forge.util.createBuffer(salt), 3, iterations, 20);
  const hmac = forge.hmac.create();
  hmac.start('sha1', macKey);
  hmac.update(safeDer);
  const pfx = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(3).getBytes()),
    dataContentInfo(safeDer),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
          asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(forge.pki.oids.sha1 as string).getBytes()),
          asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
        ]),
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, hmac.digest().getBytes()),
      ]),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, salt),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(iterations).getBytes()),
    ]),
  ]);
  return Buffer.from(asn1.toDer(pfx).getBytes(), 'binary');
}

/** The ContentInfos inside a PFX forge built: PFX → authSafe ContentInfo → [0] → OCTET STRING → SEQUENCE. */
function authSafeContents(pfx: forge.asn1.Asn1): forge.asn1.Asn1[] {
  const contentInfo = (pfx.value as forge.asn1.Asn1[])[1] as forge.asn1.Asn1;
  const explicit = (contentInfo.value as forge.asn1.Asn1[])[1] as forge.asn1.Asn1;
  const octets = (explicit.value as forge.asn1.Asn1[])[0] as forge.asn1.Asn1;
  return forge.asn1.fromDer(octets.value as string).value as forge.asn1.Asn1[];
}

function dataContentInfo(der: string): forge.asn1.Asn1 {
  const { asn1 } = forge;
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(forge.pki.oids.data as string).getBytes()),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, der)]),
  ]);
}

/**
 * The first bytes of a Java keystore, enough for format detection: JKS and JCEKS (magic, version 2,
 * no entries); BouncyCastle's BKS (version 2, a 20-byte salt, an iteration count).
 */
export function makeJavaKeystoreHeader(type: 'JKS' | 'JCEKS' | 'BKS'): Buffer {
  if (type === 'BKS') return Buffer.concat([Buffer.from('0000000200000014', 'hex'), randomBytes(20), Buffer.from('00000400', 'hex'), randomBytes(16)]);
  return Buffer.concat([Buffer.from(type === 'JKS' ? 'feedfeed' : 'cececece', 'hex'), Buffer.from('0000000200000000', 'hex'), randomBytes(20)]);
}
