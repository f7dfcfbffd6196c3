import { createPrivateKey, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
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

/** The forge functions `pkcs12FromAsn1` looks up on `forge.pki` at each call. */
interface ForgeHooks {
  decryptPrivateKeyInfo(obj: forge.asn1.Asn1, password: string | null): forge.asn1.Asn1 | null;
  certificateFromAsn1(obj: forge.asn1.Asn1, computeHash?: boolean): unknown;
  privateKeyFromAsn1(obj: forge.asn1.Asn1): unknown;
  pbe: { getCipher(oid: string, params: unknown, password: string | null): unknown };
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
    let decrypted: forge.asn1.Asn1 | null = null;
    try {
      decrypted = original.decryptPrivateKeyInfo(obj, keyPassword);
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
  try {
    const store = forge.pkcs12.pkcs12FromAsn1(pfx, false, storePassword as string);
    return { bags: store.safeContents.flatMap((contents) => contents.safeBags) };
  } catch (error) {
    return { error, keyBagFailed };
  } finally {
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

function openStore(file: InputFile, pfx: forge.asn1.Asn1, storePassword: string | null, given: Passwords): StoreContents {
  const parsed = parseWithForge(pfx, storePassword, given.keyPassword || storePassword);
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
