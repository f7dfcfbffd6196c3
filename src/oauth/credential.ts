import { Code, UsageError } from '../errors.js';
import type { ClientCertificate } from './certificate.js';
import type { ClientCredential } from './client-auth.js';
import type { RequestSettings } from './settings.js';

/** Where secrets may come from on this run. Never argv: stdin, a file, or the environment. */
export interface SecretSources {
  clientSecretStdin?: boolean;
  clientSecretFile?: string;
  certificatePasswordStdin?: boolean;
}

export interface CredentialDeps {
  env: Record<string, string | undefined>;
  /** All of stdin, or a masked prompt when stdin is a terminal. */
  readSecretFromStdin(label: string): Promise<string>;
  readFile(path: string): Promise<Buffer>;
  /** A saved profile's secret, from its secret store: the last resort. */
  storedSecret?(kind: SecretKind): Promise<string | undefined>;
  /** Told every secret as soon as it is read, so that nothing printed afterwards can show it. */
  conceal?(secret: string): void;
}

/** The secrets a profile may keep in its store. */
export type SecretKind = 'clientSecret' | 'certificatePassword' | 'certificateKeyPassword';

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

async function readBytes(deps: Pick<CredentialDeps, 'readFile'>, path: string, what: string): Promise<Buffer> {
  try {
    return await deps.readFile(path);
  } catch (error) {
    throw new UsageError(Code.FILE_UNREADABLE, `cannot read ${what} ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** A client secret kept in a file (--client-secret-file), without the trailing newline editors add. */
export async function readSecretFile(path: string, readFile: CredentialDeps['readFile']): Promise<string> {
  return stripTrailingNewline((await readBytes({ readFile }, path, 'the client secret file')).toString('utf8'));
}

/** The certificate (and key) the settings name, opened with the given passwords. */
export async function loadCertificateFromSettings(
  settings: RequestSettings,
  passwords: { password?: string | undefined; keyPassword?: string | undefined },
  readFile: CredentialDeps['readFile'],
): Promise<ClientCertificate> {
  // node-forge is heavy: only certificate users pay for loading it.
  const { loadClientCertificate } = await import('./certificate.js');
  const deps = { readFile };
  const path = settings.certificatePath as string;
  return loadClientCertificate({
    certificate: { path, data: await readBytes(deps, path, 'the certificate') },
    ...(settings.privateKeyPath ? { privateKey: { path: settings.privateKeyPath, data: await readBytes(deps, settings.privateKeyPath, 'the private key') } } : {}),
    ...(passwords.password !== undefined ? { password: passwords.password } : {}),
    ...(passwords.keyPassword !== undefined ? { keyPassword: passwords.keyPassword } : {}),
    ...(settings.certificateAlias ? { alias: settings.certificateAlias } : {}),
  });
}

/**
 * Picks the client's credential. Explicit choices on this run win: a secret from stdin or a file,
 * then a certificate or a federated token file from the settings, then TOKENCTL_CLIENT_SECRET, then
 * the secret saved with the profile.
 */
export async function resolveCredential(settings: RequestSettings, sources: SecretSources, deps: CredentialDeps): Promise<ClientCredential> {
  const credential = await pickCredential(settings, sources, deps);
  if (credential.kind === 'secret') deps.conceal?.(credential.secret);
  return credential;
}

async function pickCredential(settings: RequestSettings, sources: SecretSources, deps: CredentialDeps): Promise<ClientCredential> {
  if (sources.clientSecretStdin && sources.certificatePasswordStdin) {
    throw new UsageError(Code.CONFLICTING_OPTIONS, '--client-secret-stdin and --certificate-password-stdin both want stdin', {
      hint: `Give the certificate password in ${CERTIFICATE_PASSWORD_ENV} instead.`,
    });
  }
  const explicitSecret = sources.clientSecretStdin || sources.clientSecretFile;
  if (explicitSecret && (settings.certificatePath || settings.clientAssertionFile)) {
    throw new UsageError(Code.CONFLICTING_CREDENTIALS, 'give either a client secret or a certificate / federated token, not both', {
      hint: 'A client authenticates with one credential per request.',
    });
  }
  if (sources.clientSecretStdin && sources.clientSecretFile) {
    throw new UsageError(Code.CONFLICTING_OPTIONS, '--client-secret-stdin and --client-secret-file cannot be used together', { hint: 'Give the secret one way.' });
  }
  if (sources.clientSecretStdin) {
    const secret = stripTrailingNewline(await deps.readSecretFromStdin('Client secret'));
    return { kind: 'secret', secret: checkSecret(secret, 'stdin'), source: '--client-secret-stdin' };
  }
  if (sources.clientSecretFile) {
    const secret = await readSecretFile(sources.clientSecretFile, deps.readFile);
    return { kind: 'secret', secret: checkSecret(secret, sources.clientSecretFile), source: '--client-secret-file' };
  }
  if (settings.certificatePath) {
    const password = sources.certificatePasswordStdin
      ? stripTrailingNewline(await deps.readSecretFromStdin('Certificate password'))
      : (deps.env[CERTIFICATE_PASSWORD_ENV] ?? (await deps.storedSecret?.('certificatePassword')));
    const keyPassword = deps.env[CERTIFICATE_KEY_PASSWORD_ENV] ?? (await deps.storedSecret?.('certificateKeyPassword'));
    for (const value of [password, keyPassword]) if (value) deps.conceal?.(value);
    const certificate = await loadCertificateFromSettings(settings, { password, keyPassword }, deps.readFile);
    return { kind: 'certificate', certificate, source: settings.certificatePath };
  }
  if (settings.clientAssertionFile) return { kind: 'assertion-file', path: settings.clientAssertionFile, source: settings.clientAssertionFile };
  const fromEnv = deps.env[SECRET_ENV];
  if (fromEnv !== undefined) return { kind: 'secret', secret: checkSecret(stripTrailingNewline(fromEnv), SECRET_ENV), source: SECRET_ENV };
  const stored = await deps.storedSecret?.('clientSecret');
  if (stored !== undefined) return { kind: 'secret', secret: checkSecret(stored, 'the secret store'), source: 'the secret store' };
  throw new UsageError(Code.CREDENTIAL_MISSING, 'no client credential given', {
    hint: `Give a secret in ${SECRET_ENV}, with --client-secret-stdin or --client-secret-file; or a certificate with --certificate; or a federated token with --client-assertion-file (AZURE_FEDERATED_TOKEN_FILE).`,
  });
}
