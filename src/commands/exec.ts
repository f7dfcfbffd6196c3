import type { TokenFlowOptions } from '../app/token.js';
import { detectCi, maskCommands } from '../integrations/ci-mask.js';
import { childEnvironment } from '../process/child-env.js';
import { envBindings, tokenVariables } from '../integrations/exec-env.js';
import { runCommand } from '../process/run-command.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { appContext } from './context.js';

export interface ExecOptions extends GlobalOptions, TokenFlowOptions {
  /** --env VAR or VAR=FIELD, as given. */
  env: string[];
  command: string;
  args: string[];
}

/**
 * Runs a command with the token in its environment and returns its exit status. Everything that
 * can fail on tokenctl's side (the --env list, the token) fails before the command starts.
 */
export async function execCommand(options: ExecOptions, io: Io): Promise<number> {
  const bindings = envBindings(options.env);
  const { getToken } = await import('../app/token.js');
  const { token } = await getToken(options, await appContext(io, options));
  io.stderr.write(maskCommands(detectCi(io.env), [token.accessToken]));
  return runCommand(options.command, options.args, {
    env: childEnvironment(io.env, tokenVariables(token, bindings)),
    interactive: io.stdin.isTTY,
  });
}
