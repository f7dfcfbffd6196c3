import { Code, UsageError } from '../errors.js';
import { CERTIFICATE_KEY_PASSWORD_ENV, CERTIFICATE_PASSWORD_ENV, readSecretFile, SECRET_ENV, stripTrailingNewline, type SecretKind, type SecretLookup, type SecretValue } from '../oauth/credential.js';
import type { RequestSettings } from '../oauth/settings.js';

/** Where secrets may come from on this run, besides the environment. Never argv. */
export interface SecretSources {
  clientSecretStdin?: boolean;
  clientSecretFile?: string;
  certificatePasswordStdin?: boolean;
}

export interface SecretReaders {
  env: Record<string, string | undefined>;
  /** All of stdin, or a masked prompt when stdin is a terminal. */
  readSecret(label: string): Promise<string>;
  readFile(path: string, limit: number): Promise<Buffer>;
}

/** The secrets given on this run, by kind; a kind not given is absent. */
export type GivenSecrets = Partial<Record<SecretKind, SecretValue>>;

/**
 * The secrets given on this run, in THE order of sources every command uses: a flag (stdin, a file)
 * over the environment. A profile's stored secret comes last of all (see `secretLookup`).
 */
export async function readGivenSecrets(sources: SecretSources, readers: SecretReaders): Promise<GivenSecrets> {
  if (sources.clientSecretStdin && sources.certificatePasswordStdin) {
    throw new UsageError(Code.CONFLICTING_OPTIONS, '--client-secret-stdin and --certificate-password-stdin both want stdin', {
      hint: `Give the certificate password in ${CERTIFICATE_PASSWORD_ENV} instead.`,
    });
  }
  if (sources.clientSecretStdin && sources.clientSecretFile) {
    throw new UsageError(Code.CONFLICTING_OPTIONS, '--client-secret-stdin and --client-secret-file cannot be used together', { hint: 'Give the secret one way.' });
  }
  const { env } = readers;
  const given: GivenSecrets = {};
  if (sources.clientSecretStdin) given.clientSecret = { value: stripTrailingNewline(await readers.readSecret('Client secret')), source: 'stdin' };
  else if (sources.clientSecretFile) given.clientSecret = { value: await readSecretFile(sources.clientSecretFile, readers.readFile), source: sources.clientSecretFile };
  else if (env[SECRET_ENV] !== undefined) given.clientSecret = { value: stripTrailingNewline(env[SECRET_ENV]), source: SECRET_ENV };
  if (sources.certificatePasswordStdin) given.certificatePassword = { value: stripTrailingNewline(await readers.readSecret('Certificate password')), source: 'stdin' };
  else if (env[CERTIFICATE_PASSWORD_ENV] !== undefined) given.certificatePassword = { value: env[CERTIFICATE_PASSWORD_ENV], source: CERTIFICATE_PASSWORD_ENV };
  if (env[CERTIFICATE_KEY_PASSWORD_ENV] !== undefined) given.certificateKeyPassword = { value: env[CERTIFICATE_KEY_PASSWORD_ENV], source: CERTIFICATE_KEY_PASSWORD_ENV };
  return given;
}

/** A client authenticates with one credential per request: a secret given by flag cannot go with a certificate. */
export function checkOneCredential(settings: RequestSettings, sources: SecretSources): void {
  if ((sources.clientSecretStdin || sources.clientSecretFile) && (settings.certificatePath || settings.clientAssertionFile)) {
    throw new UsageError(Code.CONFLICTING_CREDENTIALS, 'give either a client secret or a certificate / federated token, not both', {
      hint: 'A client authenticates with one credential per request.',
    });
  }
}

/** This run's secrets first, then the profile's stored ones (read only when needed). */
export function secretLookup(given: GivenSecrets, stored?: (kind: SecretKind) => Promise<string | undefined>): SecretLookup {
  return async (kind) => {
    const value = given[kind];
    if (value !== undefined) return value;
    const saved = await stored?.(kind);
    return saved === undefined ? undefined : { value: saved, source: 'the secret store' };
  };
}
