import type { KeyObject, X509Certificate } from 'node:crypto';
import type { UsageCode } from '../codes.js';
import { UsageError } from '../errors.js';

/** Where the command line takes certificate passwords from; hints name them. */
export const PASSWORD_SOURCES = 'TOKENCTL_CERTIFICATE_PASSWORD or --certificate-password-stdin';
export const KEY_PASSWORD_SOURCES = 'TOKENCTL_CERTIFICATE_KEY_PASSWORD';

export interface Passwords {
  password?: string | undefined;
  keyPassword?: string | undefined;
}

export interface InputFile {
  path: string;
  data: Buffer;
}

/** A key or certificate as found in a file; `alias` is a PKCS#12 friendlyName. */
export interface StoredKey {
  key: KeyObject;
  alias?: string;
}

export interface StoredCertificate {
  certificate: X509Certificate;
  alias?: string;
}

export interface StoreContents {
  format: 'pem' | 'der' | 'pkcs12' | 'jks';
  keys: StoredKey[];
  certificates: StoredCertificate[];
}

export function certificateError(code: UsageCode, message: string, hint: string, cause?: unknown): UsageError {
  return new UsageError(code, message, { hint, ...(cause === undefined ? {} : { cause }) });
}

export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Paths go into commands the user copies, so quote those a shell would split or expand. */
export function shellQuote(path: string): string {
  return /^[\w@%+=:,./\\-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}
