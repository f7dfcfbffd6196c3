import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { Code, CommandLaunchError } from '../errors.js';

/** Signals a supervisor passes on, so `kill`, a CI cancel or a closed terminal reach the command. */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2'];
/** A terminal sends these to its whole foreground process group, the command included: passing them on would double them. */
const FROM_TERMINAL: readonly NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];

export interface RunCommandOptions {
  env: Record<string, string>;
  /** stdin is a terminal: its Ctrl-C and Ctrl-\ already reach the command. */
  interactive: boolean;
}

/** How a shell reports a command's end: its exit code, or 128 + the number of the signal that killed it. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal === null ? undefined : constants.signals[signal];
  return 128 + (number ?? 0);
}

/**
 * Runs a command with this process's stdin, stdout and stderr, forwarding signals to it, and
 * resolves to its exit status. The arguments go to the command as they are: no shell.
 */
export function runCommand(command: string, args: readonly string[], options: RunCommandOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', env: options.env });
    const forward = (signal: NodeJS.Signals) => () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    const handlers = FORWARDED.filter((signal) => !(options.interactive && FROM_TERMINAL.includes(signal))).map((signal) => [signal, forward(signal)] as const);
    // Listening also keeps tokenctl alive on a signal whose default is to exit, until the command has ended.
    const ignore = () => {};
    const silenced = options.interactive ? FROM_TERMINAL.map((signal) => [signal, ignore] as const) : [];
    for (const [signal, handler] of [...handlers, ...silenced]) process.on(signal, handler);
    const detach = () => {
      for (const [signal, handler] of [...handlers, ...silenced]) process.off(signal, handler);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      detach();
      if (error.code === 'ENOENT') reject(new CommandLaunchError(Code.COMMAND_NOT_FOUND, `command not found: ${JSON.stringify(command)}`, { hint: 'Check the name and PATH; tokenctl runs the command directly, not through a shell.', cause: error }));
      else if (error.code === 'EACCES') reject(new CommandLaunchError(Code.COMMAND_NOT_EXECUTABLE, `${JSON.stringify(command)} cannot be run: permission denied`, { hint: 'Make it executable (chmod +x) or run it through its interpreter.', cause: error }));
      else reject(new CommandLaunchError(Code.COMMAND_FAILED_TO_START, `${JSON.stringify(command)} could not be started: ${error.message}`, { cause: error }));
    });
    child.on('exit', (code, signal) => {
      detach();
      resolve(exitStatus(code, signal));
    });
  });
}
