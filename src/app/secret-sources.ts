import { readInputFile } from '../input-file.js';
import { Code, UsageError } from '../errors.js';
import { CERTIFICATE_KEY_PASSWORD_ENV, CERTIFICATE_PASSWORD_ENV, readSecretFile, SECRET_ENV, stripTrailingNewline, type SecretKind, type SecretLookup, type SecretValue } from '../oauth/credential.js';
import { timeoutMs, type RequestSettings } from '../oauth/settings.js';
import type { Profile } from '../profiles/profile.js';
import type { SecretStore } from '../secrets/store.js';
import type { AppContext } from './context.js';
import { storedSecretReader } from './session.js';

/** Where secrets may come from on this run, besides the environment. Never argv. */
export interface SecretSources {
  clientSecretStdin?: boolean;
  clientSecretFile?: string;
  /** A command line that prints the client secret (a secret manager's CLI), run without a shell. */
  clientSecretCommand?: string;
  certificatePasswordStdin?: boolean;
  /** A command line that prints the certificate store's password. */
  certificatePasswordCommand?: string;
}

/** The kinds of secret a command can supply, with the flag that gives one. */
export const COMMAND_FLAGS = { clientSecret: '--client-secret-command', certificatePassword: '--certificate-password-command' } as const;
export type CommandKind = keyof typeof COMMAND_FLAGS;
export const COMMAND_KINDS = Object.keys(COMMAND_FLAGS) as CommandKind[];

const COMMAND_NAMES: Record<CommandKind, string> = { clientSecret: 'client secret command', certificatePassword: 'certificate password command' };

/** The secret commands given on this run, by kind. */
export function givenCommands(sources: SecretSources): Partial<Record<CommandKind, string>> {
  return {
    ...(sources.clientSecretCommand !== undefined ? { clientSecret: sources.clientSecretCommand } : {}),
    ...(sources.certificatePasswordCommand !== undefined ? { certificatePassword: sources.certificatePasswordCommand } : {}),
  };
}

/** Runs a secret command line (`source` names it in messages) and resolves to the secret it printed. */
export type CommandRunner = (commandLine: string, source: string) => Promise<string>;

/**
 * The runner for this run: the command is split like a shell would (no shell runs it), bounded by the
 * request's --timeout (30 s by default) and killed past it, and what it prints is concealed the moment
 * it arrives, before anything else can print.
 */
export function commandRunner(context: Pick<AppContext, 'env' | 'reporter'>, settings: RequestSettings): CommandRunner {
  return async (commandLine, source) => {
    const { splitCommandLine } = await import('../process/command-line.js');
    const { runSecretCommand } = await import('../process/secret-command.js');
    const secret = await runSecretCommand(splitCommandLine(commandLine, source), { source, env: context.env, timeoutMs: timeoutMs(settings) });
    context.reporter.conceal(secret, settings.clientId);
    return secret;
  };
}

export interface SecretReaders {
  env: Record<string, string | undefined>;
  /** All of stdin, or a masked prompt when stdin is a terminal. */
  readSecret(label: string): Promise<string>;
  readFile(path: string, limit: number): Promise<Buffer>;
  runCommand: CommandRunner;
}

/** The readers of this run's secrets, for requests with these settings. */
export function secretReaders(context: Pick<AppContext, 'env' | 'reporter' | 'readSecret'>, settings: RequestSettings): SecretReaders {
  return {
    env: context.env,
    readSecret: context.readSecret,
    readFile: readInputFile,
    runCommand: commandRunner(context, settings),
  };
}

/** The secrets given on this run, by kind; a kind not given is absent. */
export type GivenSecrets = Partial<Record<SecretKind, SecretValue>>;

/**
 * THE order of secret sources, which every command follows:
 *   1. a flag of this run: --client-secret-stdin, --client-secret-file or --client-secret-command
 *      (one of them), --certificate-password-stdin or --certificate-password-command;
 *   2. the environment: TOKENCTL_CLIENT_SECRET, TOKENCTL_CERTIFICATE_PASSWORD, TOKENCTL_CERTIFICATE_KEY_PASSWORD;
 *   3. the profile: its stored command (run only from a trusted profile file), else its secret store
 *      (see `profileSecrets` and `secretLookup`).
 * This reads 1 and 2: the secrets given on this run.
 */
export async function readGivenSecrets(sources: SecretSources, readers: SecretReaders): Promise<GivenSecrets> {
  if (sources.clientSecretStdin && sources.certificatePasswordStdin) {
    throw new UsageError(Code.CONFLICTING_OPTIONS, '--client-secret-stdin and --certificate-password-stdin both want stdin', {
      hint: `Give the certificate password in ${CERTIFICATE_PASSWORD_ENV} or with ${COMMAND_FLAGS.certificatePassword} instead.`,
    });
  }
  const secretWays = [sources.clientSecretStdin && '--client-secret-stdin', sources.clientSecretFile !== undefined && '--client-secret-file', sources.clientSecretCommand !== undefined && COMMAND_FLAGS.clientSecret].filter(Boolean);
  if (secretWays.length > 1) {
    throw new UsageError(Code.CONFLICTING_OPTIONS, `${secretWays.join(' and ')} cannot be used together`, { hint: 'Give the secret one way.' });
  }
  if (sources.certificatePasswordStdin && sources.certificatePasswordCommand !== undefined) {
    throw new UsageError(Code.CONFLICTING_OPTIONS, `--certificate-password-stdin and ${COMMAND_FLAGS.certificatePassword} cannot be used together`, { hint: 'Give the password one way.' });
  }
  const { env } = readers;
  const given: GivenSecrets = {};
  if (sources.clientSecretStdin) given.clientSecret = { value: stripTrailingNewline(await readers.readSecret('Client secret')), source: 'stdin' };
  else if (sources.clientSecretFile) given.clientSecret = { value: await readSecretFile(sources.clientSecretFile, readers.readFile), source: sources.clientSecretFile };
  else if (sources.clientSecretCommand !== undefined) given.clientSecret = { value: await readers.runCommand(sources.clientSecretCommand, COMMAND_FLAGS.clientSecret), source: COMMAND_FLAGS.clientSecret };
  else if (env[SECRET_ENV] !== undefined) given.clientSecret = { value: stripTrailingNewline(env[SECRET_ENV]), source: SECRET_ENV };
  if (sources.certificatePasswordStdin) given.certificatePassword = { value: stripTrailingNewline(await readers.readSecret('Certificate password')), source: 'stdin' };
  else if (sources.certificatePasswordCommand !== undefined) {
    given.certificatePassword = { value: await readers.runCommand(sources.certificatePasswordCommand, COMMAND_FLAGS.certificatePassword), source: COMMAND_FLAGS.certificatePassword };
  } else if (env[CERTIFICATE_PASSWORD_ENV] !== undefined) given.certificatePassword = { value: env[CERTIFICATE_PASSWORD_ENV], source: CERTIFICATE_PASSWORD_ENV };
  if (env[CERTIFICATE_KEY_PASSWORD_ENV] !== undefined) given.certificateKeyPassword = { value: env[CERTIFICATE_KEY_PASSWORD_ENV], source: CERTIFICATE_KEY_PASSWORD_ENV };
  return given;
}

/** A client authenticates with one credential per request: a secret given by flag cannot go with a certificate. */
export function checkOneCredential(settings: RequestSettings, sources: SecretSources): void {
  if ((sources.clientSecretStdin || sources.clientSecretFile || sources.clientSecretCommand !== undefined) && (settings.certificatePath || settings.clientAssertionFile)) {
    throw new UsageError(Code.CONFLICTING_CREDENTIALS, 'give either a client secret or a certificate / federated token, not both', {
      hint: 'A client authenticates with one credential per request.',
    });
  }
}

/** Where a profile was read from, and how to run the commands it stores. */
export interface StoredCommands {
  path: string;
  run: CommandRunner;
}

/** A profile's own secret of a kind, with its source. */
export type ProfileSecrets = (kind: SecretKind) => Promise<SecretValue | undefined>;

/**
 * A profile's own secrets (3. above), read on demand: from the command it stores, which is code and so
 * runs only when the profile file is one tokenctl trusts, else from its secret store.
 */
export function profileSecrets(profile: Profile, store: SecretStore, commands: StoredCommands): ProfileSecrets {
  const fromStore = storedSecretReader(profile, store);
  return async (kind) => {
    const command = kind === 'certificateKeyPassword' ? undefined : profile.secretCommands?.[kind];
    if (command === undefined) {
      const value = await fromStore(kind);
      return value === undefined ? undefined : { value, source: 'the secret store' };
    }
    const what = `${COMMAND_NAMES[kind as CommandKind]} of profile ${profile.name}`;
    const { checkTrustedForCommands } = await import('../profiles/trust.js');
    await checkTrustedForCommands(commands.path, what);
    return { value: await commands.run(command, what), source: `the ${what}` };
  };
}

/** The secrets of a saved profile's session, by the order above. */
export function sessionSecrets(session: { profile: Profile; store: SecretStore; settings: RequestSettings; repo: { pathOf(name: string): string } }, context: Pick<AppContext, 'env' | 'reporter'>): ProfileSecrets {
  return profileSecrets(session.profile, session.store, { path: session.repo.pathOf(session.profile.name), run: commandRunner(context, session.settings) });
}

/** This run's secrets first, then the profile's own (read only when needed). */
export function secretLookup(given: GivenSecrets, stored?: ProfileSecrets): SecretLookup {
  return async (kind) => given[kind] ?? (await stored?.(kind));
}
