/** Exit statuses of tokenctl: documented in the README and `tokenctl --help`. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  profileNotFound: 3,
  secretStore: 4,
  idpRejected: 5,
  network: 6,
  checkFailed: 7,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface CliErrorOptions {
  /** The next step for the user: what to run or change. */
  hint?: string;
  cause?: unknown;
}

/**
 * Every failure a user can act on. `code` is a stable identifier for scripts (it appears in
 * `--json` errors); the class fixes the exit status. Only the entry point turns these into output.
 */
export abstract class CliError extends Error {
  abstract readonly exitCode: ExitCode;
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** Bad flags or input: unknown option, malformed URL, JWT or certificate, a value missing. */
export class UsageError extends CliError {
  readonly exitCode = ExitCode.usage;
}

export class ProfileNotFoundError extends CliError {
  readonly exitCode = ExitCode.profileNotFound;
}

/** The keychain (or file store) cannot be reached, is locked, or lacks the secret. */
export class SecretStoreError extends CliError {
  readonly exitCode = ExitCode.secretStore;
}

/** The identity provider answered with an OAuth error. */
export class IdpRejectedError extends CliError {
  readonly exitCode = ExitCode.idpRejected;
}

/** Network, TLS, timeout, or a response that cannot be used. */
export class NetworkError extends CliError {
  readonly exitCode = ExitCode.network;
}

/** A check the user asked for failed: expectation, signature, validity. */
export class CheckFailedError extends CliError {
  readonly exitCode = ExitCode.checkFailed;
}

/** Ctrl-C at a prompt; nothing was written. */
export class InterruptedError extends CliError {
  readonly exitCode = ExitCode.interrupted;
}
