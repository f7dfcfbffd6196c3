import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { Code, type UsageError } from '../errors.js';
import {
  certificateError,
  PASSWORD_SOURCES,
  reasonOf,
  shellQuote,
  type InputFile,
  type Passwords,
  type StoreContents,
  type StoredCertificate,
} from './certificate-common.js';
import { readJks } from './certificate-jks.js';
import { readPkcs12 } from './certificate-pkcs12.js';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const JAVA_KEYSTORES: Record<string, string> = { feedfeed: 'JKS', cececece: 'JCEKS' };

/**
 * The Java keystore type of a file: JKS and JCEKS by their magic numbers; BouncyCastle's BKS (and
 * UBER) by their header, a version (1 or 2) and the length of the 20-byte salt that follows.
 */
function javaKeystoreType(data: Buffer): string | undefined {
  const magic = JAVA_KEYSTORES[data.subarray(0, 4).toString('hex')];
  if (magic !== undefined) return magic;
  return data.length > 8 && /^0000000[12]00000014$/.test(data.subarray(0, 8).toString('hex')) ? 'BKS' : undefined;
}

interface PemBlock {
  label: string;
  text: string;
  body: string;
}

function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_BLOCK)].map((match) => ({ label: match[1] as string, text: match[0], body: match[2] as string }));
}

function javaKeystoreError(file: InputFile, type: string): UsageError {
  const source = shellQuote(file.path);
  const target = shellQuote(`${file.path.replace(/\.[^./\\]*$/, '')}.p12`);
  // keytool reads BKS only with the BouncyCastle provider on its path.
  const provider = type === 'BKS' ? ' -providerpath bcprov.jar -provider org.bouncycastle.jce.provider.BouncyCastleProvider' : '';
  return certificateError(
    Code.CERTIFICATE_JKS,
    `${file.path} is a Java ${type} keystore; tokenctl reads JKS, PKCS#12 (.p12/.pfx) and PEM`,
    `Convert it with keytool (it asks for the passwords): keytool -importkeystore -srckeystore ${source} -srcstoretype ${type}${provider} -destkeystore ${target} -deststoretype PKCS12; then pass ${target} as --certificate.`,
  );
}

function pemKey(block: PemBlock, file: InputFile, passphrase: string | undefined): KeyObject {
  const encrypted = block.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(block.body);
  // Node's error for a missing passphrase differs between versions, so ask before trying.
  if (encrypted && !passphrase) {
    throw certificateError(Code.CERTIFICATE_KEY_ENCRYPTED, `the private key in ${file.path} is encrypted and no passphrase was given`, `Give the passphrase with ${PASSWORD_SOURCES}.`);
  }
  try {
    return createPrivateKey({ key: block.text, format: 'pem', ...(encrypted ? { passphrase } : {}) });
  } catch (error) {
    if (encrypted) {
      throw certificateError(
        Code.CERTIFICATE_KEY_PASSPHRASE,
        `the passphrase does not decrypt the private key in ${file.path}`,
        `Check the passphrase given with ${PASSWORD_SOURCES}; openssl pkey -in ${shellQuote(file.path)} -noout asks for it and says whether it is right.`,
      );
    }
    throw certificateError(Code.PRIVATE_KEY_INVALID, `the private key in ${file.path} cannot be read (${reasonOf(error)})`, 'Copy the whole -----BEGIN … PRIVATE KEY----- block again, or export the key again.', error);
  }
}

function pemKeys(blocks: PemBlock[], file: InputFile, passphrase: string | undefined): KeyObject[] {
  const keys = blocks.filter((block) => block.label.endsWith('PRIVATE KEY'));
  if (keys.length > 1) {
    throw certificateError(Code.CERTIFICATE_SEVERAL_KEYS, `${file.path} holds ${keys.length} private keys; one is needed`, 'Keep only the key that belongs to the certificate in the file.');
  }
  return keys.map((block) => pemKey(block, file, passphrase));
}

function pemCertificates(blocks: PemBlock[], file: InputFile): StoredCertificate[] {
  return blocks
    .filter((block) => block.label === 'CERTIFICATE')
    .map((block, index) => {
      try {
        return { certificate: new X509Certificate(Buffer.from(block.body, 'base64')) };
      } catch (error) {
        throw certificateError(Code.CERTIFICATE_INVALID, `certificate ${index + 1} in ${file.path} cannot be read (${reasonOf(error)})`, 'Copy the whole -----BEGIN CERTIFICATE----- block again, or export the certificate again.', error);
      }
    });
}

function readBinary(file: InputFile, passwords: Passwords): StoreContents {
  try {
    return { format: 'der', keys: [], certificates: [{ certificate: new X509Certificate(file.data) }] };
  } catch {
    return readPkcs12(file, passwords);
  }
}

/**
 * What the --certificate file holds, told by content rather than name: a .jks is often PKCS#12
 * (keytool's default since Java 9), and a .pem may be anything. PEM keys are left alone when the
 * key comes from its own file.
 */
export function readCertificateFile(file: InputFile, passwords: Passwords, separateKey: boolean, alias?: string): StoreContents {
  const { data } = file;
  if (data.length === 0) {
    throw certificateError(Code.CERTIFICATE_INVALID, `${file.path} is empty`, 'Point --certificate at the certificate file, a PEM certificate or a PKCS#12 store (.pfx/.p12).');
  }
  const javaType = javaKeystoreType(data);
  if (javaType === 'JKS') return readJks(file, passwords, alias, separateKey);
  if (javaType !== undefined) throw javaKeystoreError(file, javaType);
  const text = data.toString('latin1');
  if (text.includes('-----BEGIN ')) {
    const blocks = pemBlocks(text);
    const keys = separateKey ? [] : pemKeys(blocks, file, passwords.keyPassword || passwords.password);
    return { format: 'pem', keys: keys.map((key) => ({ key })), certificates: pemCertificates(blocks, file) };
  }
  if (data[0] === 0x30) return readBinary(file, passwords);
  // Key Vault hands out a certificate's PFX as a base64 secret; `az keyvault secret download` writes it as is.
  const base64 = text.trim();
  if (/^[A-Za-z0-9+/=\s]+$/.test(base64)) {
    const decoded = Buffer.from(base64, 'base64');
    if (decoded[0] === 0x30) return readBinary({ path: file.path, data: decoded }, passwords);
  }
  throw certificateError(
    Code.CERTIFICATE_INVALID,
    `${file.path} is not a certificate: expected PEM (-----BEGIN CERTIFICATE-----), DER, or a PKCS#12 store (.pfx/.p12)`,
    'Point --certificate at the certificate file; openssl x509 -in FILE -noout -subject or openssl pkcs12 -in FILE -info -noout shows what a file holds.',
  );
}

/** The --private-key file: one PEM private key, possibly encrypted. */
export function readPrivateKeyFile(file: InputFile, passphrase: string | undefined): KeyObject {
  const [key] = pemKeys(pemBlocks(file.data.toString('latin1')), file, passphrase);
  if (key === undefined) {
    throw certificateError(Code.PRIVATE_KEY_INVALID, `${file.path} holds no PEM private key`, 'Point --private-key at the key file, the one with -----BEGIN PRIVATE KEY----- (or RSA/EC/ENCRYPTED PRIVATE KEY).');
  }
  return key;
}
