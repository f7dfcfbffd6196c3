import { CliError, Code, UsageError } from '../errors.js';
import { FILE_LIMITS } from '../input-file.js';
import type { ClientCertificate } from './certificate.js';
import type { ClientCredential } from './client-auth.js';
import type { RequestSettings } from './settings.js';

/** The secrets a profile may keep in its store. */
export type SecretKind = 'clientSecret' | 'certificatePassword' | 'certificateKeyPassword';

/** Secret values by kind, without their sources. */
export type SecretValues = Partial<Record<SecretKind, string>>;

/** A secret, and where it came from: the source is named in messages, the value never. */
export interface SecretValue {
  value: string;
  source: string;
}

/** The secret of each kind this request uses, or undefined; the order of sources is the caller's (app/secret-sources.ts). */
export type SecretLookup = (kind: SecretKind) => Promise<SecretValue | undefined>;

/** Reads a file of at most `limit` bytes (see readInputFile). */
type ReadFile = (path: string, limit: number) => Promise<Buffer>;


export const SECRET_ENV = 'TOKENCTL_CLIENT_SECRET';
export const CERTIFICATE_PASSWORD_ENV = 'TOKENCTL_CERTIFICATE_PASSWORD';
export const CERTIFICATE_KEY_PASSWORD_ENV = 'TOKENCTL_CERTIFICATE_KEY_PASSWORD';

/** One trailing newline (from `echo` or an editor) is not part of a secret; anything else is. */
export function stripTrailingNewline(value: string): string {
  return value.replace(/\r?\n$/, '');
}

function checkSecret(secret: string, source: string): string {
  if (secret.trim() === '') {
    throw new UsageError(Code.SECRET_BLANK, `the client secret from ${source} is blank`, {
      hint: 'Copy the secret\'s value again; in Entra ID it is shown only once, when the secret is created.',
    });
  }
  return secret;
}

async function readBytes(deps: { readFile: ReadFile }, path: string, what: string, limit: number): Promise<Buffer> {
  try {
    return await deps.readFile(path, limit);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new UsageError(Code.FILE_UNREADABLE, `cannot read ${what} ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** A client secret kept in a file (--client-secret-file), without the trailing newline editors add. */
export async function readSecretFile(path: string, readFile: ReadFile): Promise<string> {
  return stripTrailingNewline((await readBytes({ readFile }, path, 'the client secret file', FILE_LIMITS.secret)).toString('utf8'));
}

/** The certificate (and key) the settings name, opened with the given passwords. */
export async function loadCertificateFromSettings(
  settings: RequestSettings,
  passwords: { password?: string | undefined; keyPassword?: string | undefined },
  readFile: ReadFile,
): Promise<ClientCertificate> {
  // node-forge is heavy: only certificate users pay for loading it.
  const { loadClientCertificate } = await import('./certificate.js');
  const deps = { readFile };
  const path = settings.certificatePath as string;
  return loadClientCertificate({
    certificate: { path, data: await readBytes(deps, path, 'the certificate', FILE_LIMITS.certificate) },
    ...(settings.privateKeyPath ? { privateKey: { path: settings.privateKeyPath, data: await readBytes(deps, settings.privateKeyPath, 'the private key', FILE_LIMITS.certificate) } } : {}),
    ...(passwords.password !== undefined ? { password: passwords.password } : {}),
    ...(passwords.keyPassword !== undefined ? { keyPassword: passwords.keyPassword } : {}),
    ...(settings.certificateAlias ? { alias: settings.certificateAlias } : {}),
  });
}

/**
 * The client's credential for these settings: a certificate or a federated token file when the settings
 * name one, else a client secret; every secret comes from `secrets`, which already applies the order
 * of sources.
 */
export async function resolveCredential(settings: RequestSettings, secrets: SecretLookup, readFile: ReadFile): Promise<ClientCredential> {
  if (settings.authMethod === 'none') return { kind: 'none', source: 'a public client' };
  if (settings.certificatePath) {
    const password = (await secrets('certificatePassword'))?.value;
    const keyPassword = (await secrets('certificateKeyPassword'))?.value;
    const certificate = await loadCertificateFromSettings(settings, { password, keyPassword }, readFile);
    return { kind: 'certificate', certificate, source: settings.certificatePath };
  }
  if (settings.clientAssertionFile) return { kind: 'federated', path: settings.clientAssertionFile, source: settings.clientAssertionFile };
  const secret = await secrets('clientSecret');
  if (secret !== undefined) return { kind: 'secret', secret: checkSecret(secret.value, secret.source), source: secret.source };
  throw new UsageError(Code.CREDENTIAL_MISSING, 'no client credential given', {
    hint: `Give a secret in ${SECRET_ENV}, with --client-secret-stdin, --client-secret-file or --client-secret-command; or a certificate with --certificate; or a federated token with --client-assertion-file (AZURE_FEDERATED_TOKEN_FILE).`,
  });
}
