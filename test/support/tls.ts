import { createHash, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

/** A private CA and a loopback server certificate it signed, for HTTPS test servers the CLI is told to trust. */
export interface TestCertificates {
  caPem: string;
  /** The CA PEM on disk, for `--ca-file` or `NODE_EXTRA_CA_CERTS`. */
  caFile: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** Temp dir holding caFile; the caller removes it. */
  dir: string;
}

/** A self-signed certificate with its key, as an app registration's certificate credential. */
export interface SelfSignedCertificate {
  certPem: string;
  keyPem: string;
  /** The DER certificate, base64 (not url) as JWS `x5c` carries it. */
  x5c: string;
  /** base64url SHA-1 thumbprint, the JWS `x5t` header. */
  x5t: string;
  /** base64url SHA-256 thumbprint, the JWS `x5t#S256` header. */
  x5tS256: string;
}

export interface CertificateOptions {
  commonName: string;
  notBefore?: Date;
  notAfter?: Date;
}

interface KeyPair {
  keyPem: string;
  forgePrivate: forge.pki.rsa.PrivateKey;
  forgePublic: forge.pki.rsa.PublicKey;
}

const DAY_MS = 24 * 60 * 60 * 1000;

// forge's own RSA key generation takes seconds in pure JS; Node's is native.
function rsaKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgePrivate = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { keyPem, forgePrivate, forgePublic: forge.pki.setRsaPublicKey(forgePrivate.n, forgePrivate.e) };
}

// A positive serial: a leading 0x00-0x7f byte keeps the DER INTEGER from reading as negative.
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function newCertificate(subjectKey: KeyPair, commonName: string, notBefore: Date, notAfter: Date): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = subjectKey.forgePublic;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  return cert;
}

function toPem(cert: forge.pki.Certificate): string {
  return forge.pki.certificateToPem(cert);
}

/** Generates a CA and a `localhost` / 127.0.0.1 / ::1 server certificate, and writes the CA PEM to a temp dir. */
export function createTestCertificates(): TestCertificates {
  // Backdated a day so a slightly skewed clock cannot make them "not yet valid".
  const notBefore = new Date(Date.now() - DAY_MS);
  const notAfter = new Date(Date.now() + 7 * DAY_MS);

  const caKey = rsaKeyPair();
  const ca = newCertificate(caKey, 'tokenctl test CA', notBefore, notAfter);
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKey.forgePrivate, forge.md.sha256.create());

  const serverKey = rsaKeyPair();
  const server = newCertificate(serverKey, 'localhost', notBefore, notAfter);
  server.setIssuer(ca.subject.attributes);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
  ]);
  server.sign(caKey.forgePrivate, forge.md.sha256.create());

  const caPem = toPem(ca);
  const dir = mkdtempSync(join(tmpdir(), 'tokenctl-tls-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, caPem);
  return { caPem, caFile, serverCertPem: toPem(server), serverKeyPem: serverKey.keyPem, dir };
}

/** Generates a self-signed certificate (valid from yesterday for a year unless told otherwise). */
export function createSelfSignedCertificate(options: CertificateOptions): SelfSignedCertificate {
  const key = rsaKeyPair();
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY_MS);
  const notAfter = options.notAfter ?? new Date(Date.now() + 365 * DAY_MS);
  const cert = newCertificate(key, options.commonName, notBefore, notAfter);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([{ name: 'keyUsage', digitalSignature: true, critical: true }]);
  cert.sign(key.forgePrivate, forge.md.sha256.create());
  const certPem = toPem(cert);
  return { certPem, keyPem: key.keyPem, ...certificateThumbprints(certPem) };
}

/** The `x5c` entry and both thumbprints of a PEM certificate, as a JWS header names it. */
export function certificateThumbprints(certPem: string): { x5c: string; x5t: string; x5tS256: string } {
  const der = new X509Certificate(certPem).raw;
  return {
    x5c: der.toString('base64'),
    x5t: createHash('sha1').update(der).digest('base64url'),
    x5tS256: createHash('sha256').update(der).digest('base64url'),
  };
}
