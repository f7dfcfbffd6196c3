import { Code, type CodeEntry, type CodeName, type CodeWithExit, type ExitCode } from './codes.js';

export { Code, ExitCode } from './codes.js';

/** Facts about a failure that a script or a ticket can carry: `--json` errors include them as fields. */
export interface ErrorDetails {
  /** HTTP status of the answer the failure is about. */
  httpStatus?: number;
  /** The OAuth `error` and `error_description` (RFC 6749 §5.2), as the server sent them (secrets scrubbed). */
  oauthError?: string;
  errorDescription?: string;
  errorUri?: string;
  /** Entra ID's AADSTS codes. */
  aadstsCodes?: number[];
  traceId?: string;
  correlationId?: string;
  /** The server's timestamp of the failure. */
  timestamp?: string;
  /** Request-id headers of the answer (x-ms-request-id, x-request-id, …). */
  requestIds?: Record<string, string>;
  /** The scheme and parameters of a WWW-Authenticate or Proxy-Authenticate challenge. */
  challenge?: string;
  /** The host the request went to. */
  host?: string;
  /** Requests sent before giving up. */
  attempts?: number;
  /** Where a network failure happened. */
  phase?: 'dns' | 'connect' | 'tls' | 'proxy' | 'response';
  /** Warnings the command gave before it failed (validate), for --json, where stderr holds only this error. */
  warnings?: string[];
}

export interface CliErrorOptions {
  /** The next step for the user: what to run or change. */
  hint?: string;
  cause?: unknown;
  details?: ErrorDetails;
}

/**
 * Every failure a user can act on. Its catalogue entry (src/codes.ts) gives the stable `code`
 * scripts key on (it appears in `--json` errors) and the exit status; each subclass accepts only
 * the entries of its own exit status. Only the entry point turns these into output.
 */
export abstract class CliError extends Error {
  readonly entry: CodeEntry;
  readonly code: CodeName;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  /** Filled in as the failure travels up: the engine adds the attempts made. */
  readonly details: ErrorDetails;

  protected constructor(entry: CodeEntry, message: string, options: CliErrorOptions = {}) {
    // The types admit only catalogue entries; this keeps a cast or plain JavaScript from slipping past.
    if ((Code as Record<string, CodeEntry>)[entry?.code] !== entry) throw new TypeError(`not a catalogue error code: ${JSON.stringify(entry)}`);
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.entry = entry;
    this.code = entry.code as CodeName;
    this.exitCode = entry.exitCode;
    this.hint = options.hint;
    this.details = { ...options.details };
  }
}

type Usage = typeof ExitCode.usage;
type ProfileNotFound = typeof ExitCode.profileNotFound;
type SecretStore = typeof ExitCode.secretStore;
type IdpRejected = typeof ExitCode.idpRejected;
type Network = typeof ExitCode.network;
type CheckFailed = typeof ExitCode.checkFailed;
type Lock = typeof ExitCode.lock;
type Interrupted = typeof ExitCode.interrupted;
type CommandLaunch = typeof ExitCode.commandNotExecutable | typeof ExitCode.commandNotFound;
type LoginRequired = typeof ExitCode.loginRequired;

/** Bad flags or input: unknown option, malformed URL, JWT or certificate, a value missing. */
export class UsageError extends CliError {
  declare readonly entry: CodeWithExit<Usage>;
  declare readonly exitCode: Usage;
  constructor(entry: CodeWithExit<Usage>, message: string, options?: CliErrorOptions) {
    super(entry, message, options);
  }
}

export class ProfileNotFoundError extends CliError {
  declare readonly entry: CodeWithExit<ProfileNotFound>;
  declare readonly exitCode: ProfileNotFound;
  constructor(entry: CodeWithExit<ProfileNotFound>, message: string, options?: CliErrorOptions) {
    super(entry, message, options);
  }
}

/** The keychain (or file store) cannot be reached, is locked, or lacks the secret. */
export class SecretStoreError extends CliError {
  declare readonly entry: CodeWithExit<SecretStore>;
  declare readonly exitCode: SecretStore;
  constructor(entry: CodeWithExit<SecretStore>, message: string, options?: CliErrorOptions) {
    super(entry, message, options);
  }
}

/** The identity provider answered with an OAuth error. */
export class IdpRejectedError extends CliError {
  declare readonly entry: CodeWithExit<IdpRejected>;
  declare readonly exitCode: IdpRejected;
  constructor(entry: CodeWithExit<IdpRejected>, message: string, options?: CliErrorOptions) {
    super(entry, message, options);
  }
}

/** A user sign-in profile has no usable token left: only an interactive `login` can get one. */
export class LoginRequiredError extends CliError {
  declare readonly entry: CodeWithExit<LoginRequired>;
  declare readonly exitCode: LoginRequired;
  constructor(entry: CodeWithExit<LoginRequired>, message: string, options?: CliErrorOptions) {
    super(entry, message, options);
  }
}

/** Network, TLS, timeout, or a response that cannot be used. */
export class NetworkError extends CliError {
  declare readonly entry: CodeWithExit<Network>;
  declare readonly exitCode: Network;
  constructor(entry: CodeWithExit<Network>, message: string, options?: CliErrorOptions) {
    super(entry, message, options);
  }
}

/** A check the user asked for failed: expectation, signature, validity. */
export class CheckFailedError extends CliError {
  declare readonly entry: CodeWithExit<CheckFailed>;
  declare readonly exitCode: CheckFailed;
  constructor(entry: CodeWithExit<CheckFailed>, message: string, options?: CliErrorOptions) {
    super(entry, message, options);
  }
}

/** The per-profile lock: held past its bound by another tokenctl, or its directory unusable. */
export class LockError extends CliError {
  declare readonly entry: CodeWithExit<Lock>;
  declare readonly exitCode: Lock;
  constructor(entry: CodeWithExit<Lock>, message: string, options?: CliErrorOptions) {
    super(entry, message, options);
  }
}

/** Ctrl-C at a prompt, or a signal while a secret command ran; nothing was written. */
export class InterruptedError extends CliError {
  declare readonly entry: CodeWithExit<Interrupted>;
  declare readonly exitCode: Interrupted;
  constructor(entry: CodeWithExit<Interrupted>, message: string, options?: CliErrorOptions) {
    super(entry, message, options);
  }
}

/** `exec` could not start its command: 127 when there is no such command, 126 when it cannot be run (as shells do). */
export class CommandLaunchError extends CliError {
  declare readonly entry: CodeWithExit<CommandLaunch>;
  declare readonly exitCode: CommandLaunch;
  constructor(entry: CodeWithExit<CommandLaunch>, message: string, options?: CliErrorOptions) {
    super(entry, message, options);
  }
}
