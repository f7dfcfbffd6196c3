import { createHash, type KeyObject, type X509Certificate } from 'node:crypto';
import { Code, UsageError } from '../errors.js';
import { formatDuration, relativeTime } from '../jwt/time.js';
import { certificateError, type InputFile, type StoreContents, type StoredCertificate, type StoredKey } from './certificate-common.js';
import { readCertificateFile, readPrivateKeyFile } from './certificate-read.js';

export interface CertificateSource {
  /** The --certificate file: PEM, DER or PKCS#12, told apart by content. */
  certificate: InputFile;
  /** A separate --private-key file (PEM). */
  privateKey?: InputFile;
  /** Store password (PKCS#12) or PEM key passphrase. */
  password?: string;
  /** Key password when it differs from the store password. */
  keyPassword?: string;
  /** Which entry of a PKCS#12 store (friendlyName), required when it holds several keys. */
  alias?: string;
}

export interface ClientCertificate {
  privateKey: KeyObject;
  /** The leaf, the certificate of `privateKey`. */
  certificate: X509Certificate;
  /** x5c: standard base64 DER, the leaf first, then its issuers as far as the file has them. */
  chain: string[];
  /** 40 uppercase hex digits, as the Entra portal shows it. */
  thumbprintSha1: string;
  thumbprintSha256: string;
  /** base64url SHA-1 of the DER, for the JWS header. */
  x5t: string;
  x5tS256: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
}

interface Entry {
  key: KeyObject;
  alias?: string | undefined;
  leaf?: StoredCertificate | undefined;
}

const DAY_MS = 86_400_000;
const RENEWAL_WARNING_DAYS = 30;
/** Windows' certificate dialog copies an invisible left-to-right mark along with the thumbprint. */
const THUMBPRINT_NOISE = /[\s:\u200e\u200f\ufeff]/g;
const THUMBPRINT_HINT = 'Copy the Thumbprint shown under Certificates & secrets in the app registration; openssl x509 -in CERT -noout -fingerprint -sha1 prints the same value with colons.';

/** Node writes one attribute per line; one line reads better in messages. */
function oneLine(name: string): string {
  return name.split('\n').join(', ');
}

function shortName(certificate: X509Certificate): string {
  return certificate.subject.split('\n').find((attribute) => attribute.startsWith('CN=')) ?? oneLine(certificate.subject);
}

function iso(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

function entriesOf(keys: StoredKey[], certificates: StoredCertificate[]): Entry[] {
  return keys.map(({ key, alias }) => {
    const leaf = certificates.find(({ certificate }) => certificate.checkPrivateKey(key));
    return { key, alias: alias ?? leaf?.alias, leaf };
  });
}

function entryLabel(entry: Entry): string {
  if (entry.alias !== undefined) return JSON.stringify(entry.alias);
  return `(no alias: ${entry.leaf ? shortName(entry.leaf.certificate) : 'no matching certificate'})`;
}

/** Aliases compare as Java's keytool does: without regard to case. */
function chooseEntry(entries: Entry[], alias: string | undefined, file: InputFile): Entry {
  const listed = entries.map(entryLabel).join(', ');
  if (alias !== undefined) {
    const found = entries.find((entry) => entry.alias?.toLowerCase() === alias.toLowerCase());
    if (found) return found;
    const named = entries.some((entry) => entry.alias !== undefined);
    throw certificateError(
      Code.CERTIFICATE_ALIAS_UNKNOWN,
      `${file.path} has no entry named ${JSON.stringify(alias)}; ${named ? `its entries: ${listed}` : 'its entries have no names'}`,
      named ? 'Pass one of those names with --certificate-alias.' : 'Leave out --certificate-alias: it picks an entry of a PKCS#12 store by name.',
    );
  }
  const [only, ...others] = entries as [Entry, ...Entry[]];
  if (others.length > 0) {
    throw certificateError(Code.CERTIFICATE_ALIAS_REQUIRED, `${file.path} holds ${entries.length} private keys: ${listed}; tokenctl needs to know which one to use`, 'Pass the entry\'s name with --certificate-alias.');
  }
  return only;
}

function noKey(contents: StoreContents, file: InputFile): UsageError {
  if (contents.format === 'pkcs12' || contents.format === 'jks') {
    const count = contents.certificates.length;
    return certificateError(
      Code.CERTIFICATE_STORE_NO_KEY,
      `${file.path} holds ${count} certificate${count === 1 ? '' : 's'} but no private key`,
      'Export it again with its private key (Windows: "Yes, export the private key"; OpenSSL: openssl pkcs12 -export -inkey KEY -in CERT -out FILE.pfx), or pass the key with --private-key.',
    );
  }
  return certificateError(Code.CERTIFICATE_NO_KEY, `${file.path} holds a certificate but no private key`, 'Pass the key with --private-key FILE, or add its -----BEGIN PRIVATE KEY----- block to the certificate file.');
}

function keyMismatch(source: CertificateSource, entry: Entry, certificates: StoredCertificate[]): UsageError {
  const file = source.certificate.path;
  const key = source.privateKey ? ` in ${source.privateKey.path}` : entry.alias !== undefined ? ` of entry ${JSON.stringify(entry.alias)}` : '';
  const [first] = certificates as [StoredCertificate];
  const against = certificates.length === 1 ? `the certificate in ${file} (${shortName(first.certificate)})` : `any of the ${certificates.length} certificates in ${file}`;
  return certificateError(
    Code.CERTIFICATE_KEY_MISMATCH,
    `the private key${key} does not belong to ${against}`,
    'Use the key made together with the certificate: openssl x509 -in CERT -noout -pubkey and openssl pkey -in KEY -pubout print the same public key for a matching pair.',
  );
}

/** x5c order: the leaf, then each issuer in turn, as far as the file goes; unrelated certificates stay out. */
function issuerChain(leaf: X509Certificate, certificates: X509Certificate[]): X509Certificate[] {
  const chain = [leaf];
  let remaining = certificates.filter((certificate) => certificate !== leaf);
  let current = leaf;
  while (!current.checkIssued(current)) {
    const subject = current;
    const issuer = remaining.find((candidate) => subject.checkIssued(candidate) && subject.verify(candidate.publicKey));
    if (issuer === undefined) break;
    chain.push(issuer);
    remaining = remaining.filter((certificate) => certificate !== issuer);
    current = issuer;
  }
  return chain;
}

function describe(privateKey: KeyObject, chain: [X509Certificate, ...X509Certificate[]]): ClientCertificate {
  const [leaf] = chain;
  const sha1 = createHash('sha1').update(leaf.raw).digest();
  const sha256 = createHash('sha256').update(leaf.raw).digest();
  return {
    privateKey,
    certificate: leaf,
    chain: chain.map((certificate) => certificate.raw.toString('base64')),
    thumbprintSha1: sha1.toString('hex').toUpperCase(),
    thumbprintSha256: sha256.toString('hex').toUpperCase(),
    x5t: sha1.toString('base64url'),
    x5tS256: sha256.toString('base64url'),
    subject: oneLine(leaf.subject),
    issuer: oneLine(leaf.issuer),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
  };
}

/**
 * The certificate and key for private_key_jwt (RFC 7523) from PEM, DER or PKCS#12. With several
 * certificates, the leaf is the one whose public key matches the private key.
 */
export function loadClientCertificate(source: CertificateSource): ClientCertificate {
  const file = source.certificate;
  const contents = readCertificateFile(file, { password: source.password, keyPassword: source.keyPassword }, source.privateKey !== undefined, source.alias);
  if (contents.certificates.length === 0) {
    throw certificateError(Code.CERTIFICATE_NOT_FOUND, `${file.path} holds no certificate`, '--certificate takes the certificate (-----BEGIN CERTIFICATE-----, .cer) or a PKCS#12 store (.pfx/.p12); a separate key goes in --private-key.');
  }
  const keys = source.privateKey ? [{ key: readPrivateKeyFile(source.privateKey, source.keyPassword || source.password) }] : contents.keys;
  if (keys.length === 0) throw noKey(contents, file);
  const entry = chooseEntry(entriesOf(keys, contents.certificates), source.alias, file);
  if (entry.leaf === undefined) throw keyMismatch(source, entry, contents.certificates);
  const chain = issuerChain(entry.leaf.certificate, contents.certificates.map(({ certificate }) => certificate));
  return describe(entry.key, chain as [X509Certificate, ...X509Certificate[]]);
}

/** "AB:CD:…", "ab cd …" and "abcd…" all become 40 uppercase hex digits. */
export function normalizeThumbprint(input: string): string {
  const hex = input.replace(THUMBPRINT_NOISE, '').toUpperCase();
  if (/^[0-9A-F]{40}$/.test(hex)) return hex;
  const stray = /[^0-9A-F]/.exec(hex);
  if (stray) {
    throw new UsageError(Code.THUMBPRINT_INVALID, `the thumbprint is not hexadecimal: it contains ${JSON.stringify(stray[0])}`, { hint: THUMBPRINT_HINT });
  }
  const sha256 = hex.length === 64 ? ' (64 is the length of a SHA-256 thumbprint)' : '';
  throw new UsageError(Code.THUMBPRINT_INVALID, `the thumbprint has ${hex.length} hex digits; a SHA-1 thumbprint has 40${sha256}`, { hint: THUMBPRINT_HINT });
}

function expiresIn(milliseconds: number): string {
  const days = Math.floor(milliseconds / DAY_MS);
  return days >= 1 ? `in ${days} day${days === 1 ? '' : 's'}` : `in ${formatDuration(milliseconds / 1000)}`;
}

/**
 * Checks the certificate as the identity provider will: it matches the registered thumbprint and
 * is within its validity. Expiry inside 30 days is a warning, so there is time to roll it over.
 */
export function assessCertificate(cert: ClientCertificate, now: Date, expectedThumbprint?: string): { warnings: string[] } {
  const name = shortName(cert.certificate);
  if (expectedThumbprint !== undefined) {
    const expected = normalizeThumbprint(expectedThumbprint);
    if (expected !== cert.thumbprintSha1) {
      throw new UsageError(Code.THUMBPRINT_MISMATCH, `the certificate's SHA-1 thumbprint is ${cert.thumbprintSha1}, but ${expected} was expected`, {
        hint: `${name} is not the certificate with that thumbprint: point --certificate at the file whose public part is registered (Certificates & secrets in the app registration), or correct --thumbprint.`,
      });
    }
  }
  if (now < cert.notBefore) {
    throw new UsageError(Code.CERTIFICATE_NOT_YET_VALID, `certificate ${name} is not valid until ${iso(cert.notBefore)} (${relativeTime(cert.notBefore.getTime() / 1000, now)})`, {
      hint: 'Check this machine\'s clock; if the certificate is new, wait until then or use the one it replaces.',
    });
  }
  if (now > cert.notAfter) {
    throw new UsageError(Code.CERTIFICATE_EXPIRED, `certificate ${name} expired on ${iso(cert.notAfter)} (${relativeTime(cert.notAfter.getTime() / 1000, now)})`, {
      hint: 'Create a new certificate, upload its public part to the app registration (Certificates & secrets), and point --certificate at it.',
    });
  }
  const left = cert.notAfter.getTime() - now.getTime();
  if (left >= RENEWAL_WARNING_DAYS * DAY_MS) return { warnings: [] };
  return { warnings: [`certificate ${name} expires ${expiresIn(left)} (${iso(cert.notAfter)}); upload a new one to the app registration before then`] };
}
