import { createPrivateKey, hash, pbkdf2Sync, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
// forge's index loads all of forge (TLS, SSH, PKCS#7, ed25519...): only its PKCS#12 reader and what
// that needs are loaded, onto forge's shared namespace object.
import forge from 'node-forge/lib/forge.js';
import 'node-forge/lib/pkcs12.js';
import { Code, UsageError } from '../errors.js';
import {
  certificateError,
  KEY_PASSWORD_SOURCES,
  PASSWORD_SOURCES,
  reasonOf,
  shellQuote,
  type InputFile,
  type Passwords,
  type StoreContents,
} from './certificate-common.js';

/** A forge message digest, as forge passes one to its key derivations. */
interface ForgeDigest {
  algorithm: string;
  digestLength: number;
  blockLength: number;
}

type Pkcs12Kdf = (password: string | null | undefined, salt: forge.util.ByteStringBuffer, id: number, iterations: number, size: number, md?: ForgeDigest | null) => forge.util.ByteStringBuffer;
type Pbkdf2 = (password: string, salt: string, iterations: number, size: number, md?: ForgeDigest | string | null) => string;

/** The forge functions `pkcs12FromAsn1` looks up at each call. */
interface ForgeHooks {
  decryptPrivateKeyInfo(obj: forge.asn1.Asn1, password: string | null): forge.asn1.Asn1 | null;
  certificateFromAsn1(obj: forge.asn1.Asn1, computeHash?: boolean): unknown;
  privateKeyFromAsn1(obj: forge.asn1.Asn1): unknown;
  pbe: { getCipher(oid: string, params: unknown, password: string | null): unknown; generatePkcs12Key: Pkcs12Kdf };
}

interface ForgeKdfHooks {
  pkcs12: { generateKey: Pkcs12Kdf };
  pkcs5: { pbkdf2: Pbkdf2 };
}

// Digests Node computes natively, by forge's names for them.
const NODE_DIGESTS = new Set(['sha1', 'sha256', 'sha384', 'sha512', 'md5']);

/**
 * RFC 7292 appendix B.2, the PKCS#12 key derivation (MAC key, PBE keys), with Node's hashes: forge's
 * is pure JavaScript, thousands of hash rounds per store. Same inputs and output as forge's own,
 * which the unit tests compare it with. The password is UTF-16BE with a two-byte terminator.
 */
export function pkcs12Kdf(password: string | null | undefined, salt: Buffer, id: number, iterations: number, size: number, digest = 'sha1'): Buffer {
  if (!(iterations >= 1)) throw new Error('PKCS#12 key derivation iteration count must be >= 1.');
  const u = hash(digest, '', 'buffer').length;
  const v = digest === 'sha384' || digest === 'sha512' ? 128 : 64;
  const pass = password === null || password === undefined ? Buffer.alloc(0) : Buffer.alloc(2 * password.length + 2);
  for (let i = 0; password && i < password.length; i++) pass.writeUInt16BE(password.charCodeAt(i), 2 * i);
  const fill = (source: Buffer) => {
    const filled = Buffer.alloc(v * Math.ceil(source.length / v));
    for (let i = 0; i < filled.length; i++) filled[i] = source[i % source.length]!;
    return filled;
  };
  const input = Buffer.concat([fill(salt), fill(pass)]);
  const diversifier = Buffer.alloc(v, id);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < size; produced += u) {
    // One-shot hashes: a Hash object per round would cost more than the hashing.
    let a = hash(digest, Buffer.concat([diversifier, input]), 'buffer');
    for (let round = 1; round < iterations; round++) a = hash(digest, a, 'buffer');
    blocks.push(a);
    const b = Buffer.alloc(v);
    for (let i = 0; i < v; i++) b[i] = a[i % u]!;
    // Each v-byte block of the input becomes (block + b + 1) mod 2^(8v).
    for (let start = 0; start < input.length; start += v) {
      let carry = 1;
      for (let i = v - 1; i >= 0; i--) {
        const sum = input[start + i]! + b[i]! + carry;
        input[start + i] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, size);
}

/**
 * forge's key derivations, done by Node where it has the digest: the PKCS#12 one (the store's MAC
 * key, legacy PBE keys) and PBKDF2 (PBES2), which forge runs in pure JavaScript when given a digest
 * object, as its PBES2 code does. Returns the undo.
 */
function nativeKeyDerivation(): () => void {
  const hooks = forge as unknown as ForgeKdfHooks;
  const pbe = (forge.pki as unknown as ForgeHooks).pbe;
  const original = { generateKey: hooks.pkcs12.generateKey, generatePkcs12Key: pbe.generatePkcs12Key, pbkdf2: hooks.pkcs5.pbkdf2 };
  const pkcs12: Pkcs12Kdf = (password, salt, id, iterations, size, md) => {
    const digest = md ? md.algorithm : 'sha1';
    if (!NODE_DIGESTS.has(digest)) return original.generatePkcs12Key(password, salt, id, iterations, size, md);
    return forge.util.createBuffer(pkcs12Kdf(password, Buffer.from(salt.bytes(), 'binary'), id, iterations, size, digest).toString('binary'));
  };
  hooks.pkcs12.generateKey = pkcs12;
  pbe.generatePkcs12Key = pkcs12;
  hooks.pkcs5.pbkdf2 = (password, salt, iterations, size, md) => {
    const digest = typeof md === 'string' ? md : md ? md.algorithm : 'sha1';
    if (!NODE_DIGESTS.has(digest)) return original.pbkdf2(password, salt, iterations, size, md);
    return pbkdf2Sync(Buffer.from(password, 'binary'), Buffer.from(salt, 'binary'), iterations, size, digest).toString('binary');
  };
  return () => {
    hooks.pkcs12.generateKey = original.generateKey;
    pbe.generatePkcs12Key = original.generatePkcs12Key;
    hooks.pkcs5.pbkdf2 = original.pbkdf2;
  };
}

/**
 * An encrypted PKCS#8 key decrypted by OpenSSL (PBES2 and the PKCS#12 PBE schemes it supports);
 * null when it cannot, so forge gets its turn (RC2 and other legacy ciphers).
 */
function decryptWithNode(obj: forge.asn1.Asn1, password: string | null): forge.asn1.Asn1 | null {
  if (password === null) return null;
  try {
    const der = Buffer.from(forge.asn1.toDer(obj).getBytes(), 'binary');
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8', passphrase: password });
    return forge.asn1.fromDer(forge.util.createBuffer((key.export({ format: 'der', type: 'pkcs8' }) as Buffer).toString('binary')));
  } catch {
    return null;
  }
}

function keepAsRead(): never {
  throw new Error('left to Node');
}

/**
 * forge opens a store with one password; hashes it for AES (PBES2) as UTF-16 code units cut to bytes,
 * where OpenSSL uses UTF-8; and rebuilds each certificate from its own parse, which changes the bytes
 * (so the thumbprint) of an RSA-PSS-signed one. So, for one synchronous parse: key bags are decrypted
 * with the key password, PBES2 gets UTF-8, and forge's certificate and key decoders fail, which makes
 * it keep every bag's ASN.1 as read, for Node to decode.
 */
function parseWithForge(pfx: forge.asn1.Asn1, storePassword: string | null, keyPassword: string | null): { bags: forge.pkcs12.Bag[] } | { error: unknown; keyBagFailed: boolean } {
  const pki = forge.pki as unknown as ForgeHooks;
  const original = {
    decryptPrivateKeyInfo: pki.decryptPrivateKeyInfo,
    getCipher: pki.pbe.getCipher,
    certificateFromAsn1: pki.certificateFromAsn1,
    privateKeyFromAsn1: pki.privateKeyFromAsn1,
  };
  let keyBagFailed = false;
  pki.decryptPrivateKeyInfo = (obj) => {
    let decrypted = decryptWithNode(obj, keyPassword);
    try {
      decrypted ??= original.decryptPrivateKeyInfo(obj, keyPassword);
    } catch {
      // A wrong password can decrypt, with valid padding, to bytes that are not DER.
    }
    if (decrypted === null) keyBagFailed = true;
    return decrypted;
  };
  pki.pbe.getCipher = (oid, params, password) =>
    original.getCipher(oid, params, oid === forge.pki.oids.pkcs5PBES2 && password !== null ? forge.util.encodeUtf8(password) : password);
  pki.certificateFromAsn1 = keepAsRead;
  pki.privateKeyFromAsn1 = keepAsRead;
  const restoreKeyDerivation = nativeKeyDerivation();
  try {
    const store = forge.pkcs12.pkcs12FromAsn1(pfx, false, storePassword as string);
    return { bags: store.safeContents.flatMap((contents) => contents.safeBags) };
  } catch (error) {
    return { error, keyBagFailed };
  } finally {
    restoreKeyDerivation();
    pki.decryptPrivateKeyInfo = original.decryptPrivateKeyInfo;
    pki.pbe.getCipher = original.getCipher;
    pki.certificateFromAsn1 = original.certificateFromAsn1;
    pki.privateKeyFromAsn1 = original.privateKeyFromAsn1;
  }
}

function unsupported(file: InputFile, reason: string, cause: unknown): UsageError {
  const path = shellQuote(file.path);
  return certificateError(Code.CERTIFICATE_PKCS12_UNSUPPORTED, `${file.path} is a PKCS#12 store that tokenctl cannot read: ${reason}`, `Convert it to PEM with OpenSSL, keeping the key encrypted: openssl pkcs12 -in ${path} -out ${shellQuote(`${file.path}.pem`)}; then pass that file as --certificate.`, cause);
}

function notPkcs12(file: InputFile, reason: string, cause: unknown): UsageError {
  return certificateError(
    Code.CERTIFICATE_INVALID,
    `${file.path} is binary (DER) but neither a certificate nor a PKCS#12 store (${reason})`,
    'Point --certificate at a PEM certificate, a DER certificate (.cer) or a PKCS#12 store (.pfx/.p12); check that the file was copied whole.',
    cause,
  );
}

/**
 * Whether OpenSSL opens the store with this password, which includes checking its MAC. Stores it
 * cannot read (legacy RC2 bags, a key under another password, several keys) answer no, and forge
 * checks the MAC itself.
 */
function macCheckedByOpenSsl(file: InputFile, storePassword: string | null): boolean {
  if (storePassword === null) return false;
  try {
    // An empty CA list: without one Node would load its ~146 bundled roots into this context first.
    createSecureContext({ pfx: file.data, passphrase: storePassword, ca: [] });
    return true;
  } catch {
    return false;
  }
}

/** The PFX without its MacData, for forge once OpenSSL has checked the MAC (RFC 7292: the MAC is optional). */
function withoutMac(pfx: forge.asn1.Asn1): forge.asn1.Asn1 {
  const parts = pfx.value as forge.asn1.Asn1[];
  return parts.length > 2 ? forge.asn1.create(pfx.tagClass, pfx.type as number, true, parts.slice(0, 2)) : pfx;
}

function openStore(file: InputFile, pfx: forge.asn1.Asn1, storePassword: string | null, given: Passwords): StoreContents {
  // forge checks the MAC with thousands of hash rounds driven from JavaScript; OpenSSL does it in C.
  const parsed = parseWithForge(macCheckedByOpenSsl(file, storePassword) ? withoutMac(pfx) : pfx, storePassword, given.keyPassword || storePassword);
  if ('error' in parsed) {
    const reason = reasonOf(parsed.error);
    if (parsed.keyBagFailed) {
      throw certificateError(
        Code.CERTIFICATE_KEY_PASSWORD,
        given.keyPassword ? `the key password does not decrypt the private key in ${file.path}` : `${file.path} opened, but its private key is protected by a different password than the store`,
        `Give the key password in ${KEY_PASSWORD_SOURCES}; the store password stays in ${PASSWORD_SOURCES}.`,
      );
    }
    if (/MAC could not be verified|Failed to decrypt PKCS#12 SafeContents/.test(reason)) {
      throw certificateError(
        Code.CERTIFICATE_PASSWORD,
        given.password ? `the password does not open ${file.path}` : `${file.path} is protected by a password and none was given`,
        `Give the store password with ${PASSWORD_SOURCES}; openssl pkcs12 -in ${shellQuote(file.path)} -noout checks it.`,
      );
    }
    if (reason.startsWith('Cannot read PKCS#12 PFX')) throw notPkcs12(file, reason, parsed.error);
    throw unsupported(file, reason, parsed.error);
  }
  const contents: StoreContents = { format: 'pkcs12', keys: [], certificates: [] };
  for (const bag of parsed.bags) {
    const der = Buffer.from(forge.asn1.toDer(bag.asn1).getBytes(), 'binary');
    const names = (bag.attributes as { friendlyName?: string[] }).friendlyName;
    const alias = names?.[0] === undefined ? {} : { alias: names[0] };
    try {
      if (bag.type === forge.pki.oids.certBag) contents.certificates.push({ certificate: new X509Certificate(der), ...alias });
      else contents.keys.push({ key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), ...alias });
    } catch (error) {
      throw unsupported(file, `a ${bag.type === forge.pki.oids.certBag ? 'certificate' : 'key'} in it cannot be decoded (${reasonOf(error)})`, error);
    }
  }
  return contents;
}

/**
 * Reads a PKCS#12 store. Without a password, both encodings of an empty one are tried: OpenSSL's
 * (a lone terminator) and forge's (no bytes at all).
 */
export function readPkcs12(file: InputFile, passwords: Passwords): StoreContents {
  let pfx: forge.asn1.Asn1;
  try {
    pfx = forge.asn1.fromDer(forge.util.createBuffer(file.data.toString('binary')), false);
  } catch (error) {
    throw notPkcs12(file, reasonOf(error), error);
  }
  const attempts: Array<string | null> = passwords.password ? [passwords.password] : ['', null];
  let failure: unknown;
  for (const attempt of attempts) {
    try {
      return openStore(file, pfx, attempt, passwords);
    } catch (error) {
      if (!(error instanceof UsageError && error.entry === Code.CERTIFICATE_PASSWORD)) throw error;
      failure = error;
    }
  }
  throw failure;
}
