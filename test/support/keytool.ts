import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePkcs12, type TestCertificate } from './certs.js';
import { findExecutable } from './keyring.js';

/** Java's keytool (Debian: default-jre-headless); TOKENCTL_TEST_KEYTOOL picks another. */
export const keytool = process.env.TOKENCTL_TEST_KEYTOOL ?? findExecutable('keytool');

// A short-lived JVM starts faster without the optimising compiler and with the simplest collector.
const JVM_FLAGS = ['-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC'];

export function runKeytool(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(keytool as string, [...JVM_FLAGS, ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`keytool ${args.join(' ')} failed: ${stderr || stdout || error.message}`));
      else resolve(stdout);
    });
  });
}

export interface KeystoreEntry {
  alias: string;
  certificate: TestCertificate;
  /** Issuers stored with the key, after the leaf. */
  chain?: TestCertificate[];
  /** The entry's own key password (keytool -keypass); the store password when absent. */
  keyPassword?: string;
}

export interface KeystoreOptions {
  dir: string;
  name: string;
  type: 'JKS' | 'JCEKS';
  storePassword: string;
  entries: KeystoreEntry[];
  /** Trusted certificate entries (keytool -importcert), as a CA is kept. */
  trusted?: Array<{ alias: string; certificate: TestCertificate }>;
}

/**
 * A keystore written by keytool: the keys (made in Node, which is much faster than keytool's
 * -genkeypair) go in through a PKCS#12 that keytool -importkeystore converts; keytool -keypasswd
 * then gives entries their own key passwords, and -importcert adds trusted certificates.
 */
export async function makeKeystore(options: KeystoreOptions): Promise<string> {
  const { dir, storePassword } = options;
  const source = join(dir, `${options.name}.source.p12`);
  writeFileSync(
    source,
    makePkcs12({
      entries: options.entries.map((entry) => ({ certPem: entry.certificate.certPem, keyPem: entry.certificate.keyPem, alias: entry.alias, chainPems: (entry.chain ?? []).map((c) => c.certPem) })),
      password: storePassword,
    }),
  );
  const store = join(dir, options.name);
  const common = ['-keystore', store, '-storetype', options.type, '-storepass', storePassword];
  await runKeytool(['-importkeystore', '-noprompt', '-srckeystore', source, '-srcstoretype', 'PKCS12', '-srcstorepass', storePassword, '-destkeystore', store, '-deststoretype', options.type, '-deststorepass', storePassword]);
  for (const entry of options.entries) {
    if (entry.keyPassword !== undefined) await runKeytool(['-keypasswd', ...common, '-alias', entry.alias, '-keypass', storePassword, '-new', entry.keyPassword]);
  }
  for (const trusted of options.trusted ?? []) {
    const pem = join(dir, `${trusted.alias}.pem`);
    writeFileSync(pem, trusted.certificate.certPem);
    await runKeytool(['-importcert', '-noprompt', ...common, '-alias', trusted.alias, '-file', pem]);
  }
  return store;
}
