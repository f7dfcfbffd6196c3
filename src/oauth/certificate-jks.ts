import { createPrivateKey, X509Certificate } from 'node:crypto';
import { decrypt, parseJks, type KeyEntry, type TrustedKeyEntry } from 'jks-js';
import { Code } from '../errors.js';
import {
  certificateError,
  KEY_PASSWORD_SOURCES,
  PASSWORD_SOURCES,
  reasonOf,
  shellQuote,
  type InputFile,
  type Passwords,
  type StoreContents,
  type StoredCertificate,
} from './certificate-common.js';

const isKeyEntry = (entry: KeyEntry | TrustedKeyEntry): entry is KeyEntry => 'protectedPrivateKey' in entry;

function certificateOf(der: Buffer, file: InputFile, alias: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (error) {
    throw certificateError(Code.CERTIFICATE_INVALID, `the certificate of entry ${JSON.stringify(alias)} in ${file.path} cannot be read (${reasonOf(error)})`, 'Export the keystore again with keytool.', error);
  }
}

function openStore(file: InputFile, password: string): Array<KeyEntry | TrustedKeyEntry> {
  try {
    return parseJks(file.data, password);
  } catch (error) {
    const reason = reasonOf(error);
    if (reason === 'Password verification failed') {
      throw certificateError(Code.CERTIFICATE_PASSWORD, `the password does not open ${file.path}`, `Give the store password with ${PASSWORD_SOURCES}; keytool -list -keystore ${shellQuote(file.path)} checks it.`);
    }
    throw certificateError(Code.CERTIFICATE_INVALID, `${file.path} looks like a Java keystore (JKS) but cannot be read (${reason})`, 'Check that the file was copied whole (in binary mode); keytool -list -keystore FILE shows what it holds.', error);
  }
}

/** Which key entry to use: the one --certificate-alias names (as keytool does, without regard to case), or the only one. */
function chooseKeyEntry(all: Array<KeyEntry | TrustedKeyEntry>, alias: string | undefined, file: InputFile): KeyEntry | undefined {
  const entries = all.filter(isKeyEntry);
  const listed = entries
    .map((entry) => JSON.stringify(entry.alias))
    .sort()
    .join(', ');
  if (alias !== undefined) {
    const named = (entry: KeyEntry | TrustedKeyEntry) => entry.alias.toLowerCase() === alias.toLowerCase();
    const found = entries.find(named);
    if (found) return found;
    const trusted = all.some(named) ? ` (${JSON.stringify(alias)} is a trusted certificate, without a private key)` : '';
    throw certificateError(Code.CERTIFICATE_ALIAS_UNKNOWN, `${file.path} has no key entry named ${JSON.stringify(alias)}${trusted}; its key entries: ${listed || 'none'}`, 'Pass one of those names with --certificate-alias; keytool -list -keystore FILE lists them.');
  }
  if (entries.length > 1) {
    throw certificateError(Code.CERTIFICATE_ALIAS_REQUIRED, `${file.path} holds ${entries.length} private keys: ${listed}; tokenctl needs to know which one to use`, "Pass the entry's name with --certificate-alias.");
  }
  return entries[0];
}

/**
 * Reads a Java KeyStore (JKS): checks its integrity with the store password, and decrypts only the
 * chosen key entry, with the key password when it has its own (keytool -keypass). Trusted
 * certificate entries count towards the chain.
 */
export function readJks(file: InputFile, passwords: Passwords, alias: string | undefined, separateKey: boolean): StoreContents {
  if (!passwords.password) {
    throw certificateError(Code.CERTIFICATE_PASSWORD, `${file.path} is a Java keystore (JKS), protected by a password, and none was given`, `Give the store password with ${PASSWORD_SOURCES}.`);
  }
  const entries = openStore(file, passwords.password);
  const certificates: StoredCertificate[] = entries.flatMap((entry) =>
    isKeyEntry(entry)
      ? entry.chain.map((certificate, index) => ({ certificate: certificateOf(certificate.value, file, entry.alias), ...(index === 0 ? { alias: entry.alias } : {}) }))
      : [{ certificate: certificateOf(entry.cert.value, file, entry.alias), alias: entry.alias }],
  );
  // With --private-key, the key comes from its own file and the store gives the certificates.
  const chosen = separateKey ? undefined : chooseKeyEntry(entries, alias, file);
  if (chosen === undefined) return { format: 'jks', keys: [], certificates };
  let pem: string;
  try {
    pem = decrypt(chosen.protectedPrivateKey, passwords.keyPassword || passwords.password);
  } catch (error) {
    if (reasonOf(error) === 'Cannot recover key') {
      throw certificateError(
        Code.CERTIFICATE_KEY_PASSWORD,
        passwords.keyPassword ? `the key password does not decrypt entry ${JSON.stringify(chosen.alias)} in ${file.path}` : `${file.path} opened, but the key of entry ${JSON.stringify(chosen.alias)} is protected by a different password than the store`,
        `Give the key password (keytool's -keypass) in ${KEY_PASSWORD_SOURCES}; the store password stays in ${PASSWORD_SOURCES}.`,
      );
    }
    throw certificateError(Code.CERTIFICATE_JKS_UNSUPPORTED, `the key of entry ${JSON.stringify(chosen.alias)} in ${file.path} cannot be read (${reasonOf(error)})`, `Convert the store to PKCS#12 with keytool -importkeystore -srckeystore ${shellQuote(file.path)} -srcstoretype JKS -destkeystore ${shellQuote(`${file.path.replace(/\.[^./\\]*$/, '')}.p12`)} -deststoretype PKCS12.`, error);
  }
  return { format: 'jks', keys: [{ key: createPrivateKey(pem), alias: chosen.alias }], certificates };
}
