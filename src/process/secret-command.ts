import { spawn } from 'node:child_process';
import { Code, InterruptedError, SecretStoreError } from '../errors.js';
import type { CodeWithExit, ExitCode } from '../codes.js';
import { escapeControl } from '../escape.js';
import { scrubText, secretForms } from '../scrub.js';
import { childEnvironment } from './child-env.js';

export interface SecretCommandOptions {
  /** Where the command came from, for messages: --client-secret-command, the client secret command of profile erp, … */
  source: string;
  env: Record<string, string | undefined>;
  timeoutMs: number;
}

/** More than any secret a secret manager hands out: a command printing more is not printing a secret. */
export const OUTPUT_LIMIT = 64 * 1024;
const LINE_LIMIT = 300;

/** Signals that end tokenctl while a command runs: the command, in its own process group, must end too. */
const ENDING_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The last line a failing command wrote on stderr (usually the one that says why), escaped for a terminal. */
export function lastLine(stderr: string): string | undefined {
  const last = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .at(-1);
  return last === undefined ? undefined : escapeControl(last.length > LINE_LIMIT ? `${last.slice(0, LINE_LIMIT)}…` : last);
}

type Failure = CodeWithExit<typeof ExitCode.secretStore>;

function failure(entry: Failure, options: SecretCommandOptions, program: string, message: string, hint: string, cause?: unknown): SecretStoreError {
  return new SecretStoreError(entry, `the ${options.source} (${escapeControl(program)}) ${message}`, { hint, ...(cause === undefined ? {} : { cause }) });
}

/**
 * Runs a secret manager's CLI (vault, az, op, aws, …) directly, without a shell, and resolves to what
 * it printed on stdout less one trailing newline. Bounded: past the timeout its whole process group
 * is killed. It gets no stdin and no terminal, and an environment without tokenctl's secret
 * variables. What it printed on stdout never appears in a message, not even echoed on its stderr.
 */
export function runSecretCommand(words: readonly string[], options: SecretCommandOptions): Promise<string> {
  const [program, ...args] = words as [string, ...string[]];
  return new Promise((resolve, reject) => {
    // Its own process group, so that a timeout also ends whatever it started (a helper holding stdout open).
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnvironment(options.env), detached: process.platform !== 'win32' });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stdoutSize = 0;
    let stderrSize = 0;
    let settled = false;
    const kill = () => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // Already gone.
      }
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const onSignal = (signal: NodeJS.Signals) => {
      kill();
      finish(() => reject(new InterruptedError(Code.INTERRUPTED, `interrupted (${signal}) while the ${options.source} ran; it was stopped`)));
    };
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const signal of ENDING_SIGNALS) process.off(signal, onSignal);
      outcome();
    };
    for (const signal of ENDING_SIGNALS) process.on(signal, onSignal);
    // What it printed, out of every message: a command may echo its secret on stderr too.
    const withoutOutput = (text: string) => scrubText(text, secretForms(Buffer.concat(stdout).toString('utf8').trim()));

    const timer = setTimeout(() => {
      kill();
      const seconds = Math.round(options.timeoutMs / 1000);
      finish(() =>
        reject(
          failure(Code.SECRET_COMMAND_TIMEOUT, options, program, `did not finish within ${seconds} s and was stopped`, 'Run the command by hand: it may be waiting for a sign-in or a prompt, and tokenctl gives it no terminal (sign in to the secret manager first). --timeout sets the bound.'),
        ),
      );
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutSize += chunk.length;
      if (stdoutSize <= OUTPUT_LIMIT) {
        stdout.push(chunk);
        return;
      }
      kill();
      finish(() =>
        reject(failure(Code.SECRET_COMMAND_OUTPUT_TOO_LARGE, options, program, `printed more than ${OUTPUT_LIMIT / 1024} KiB`, 'The command must print the secret alone, e.g. vault kv get -field=NAME PATH, or az keyvault secret show … --query value -o tsv.')),
      );
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrSize += chunk.length;
      // The end of stderr is what says why: keep the last part of a long one.
      stderr.push(chunk);
      while (stderrSize - (stderr[0]?.length ?? 0) > OUTPUT_LIMIT) stderrSize -= (stderr.shift() as Buffer).length;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      const found = error.code !== 'ENOENT';
      const message = found ? `could not be started (${error.code ?? error.message})` : 'was not found';
      const hint = found
        ? 'Check that the program can be run (chmod +x, or give its interpreter first).'
        : `Install it, or give its full path: the command runs without a shell, so PATH is searched for ${JSON.stringify(escapeControl(program))} as written.`;
      finish(() => reject(failure(Code.SECRET_COMMAND_NOT_FOUND, options, program, message, hint, error)));
    });
    child.on('close', (code, signal) => {
      finish(() => {
        if (code !== 0) {
          const why = lastLine(withoutOutput(Buffer.concat(stderr).toString('utf8')));
          const status = signal ? `was killed by ${signal}` : `failed with exit status ${code}`;
          reject(failure(Code.SECRET_COMMAND_FAILED, options, program, why ? `${status}: ${why}` : status, 'Run the command by hand to see what it needs (a sign-in, a permission, the right name).'));
          return;
        }
        const secret = Buffer.concat(stdout).toString('utf8').replace(/\r?\n$/, '');
        if (secret.trim() === '') {
          reject(failure(Code.SECRET_COMMAND_EMPTY, options, program, 'printed nothing on stdout', 'The command must print the secret on stdout, e.g. vault kv get -field=NAME PATH, or op read op://VAULT/ITEM/FIELD.'));
          return;
        }
        resolve(secret);
      });
    });
  });
}
