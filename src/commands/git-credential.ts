import { Code, UsageError } from '../errors.js';
import { detectCi, maskCommands } from '../integrations/ci-mask.js';
import { decideCredential, formatCredential, parseCredentialRequest } from '../integrations/git-credential.js';
import type { TokenFlowOptions } from '../app/token.js';
import { DEFAULTS } from '../oauth/settings.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { appContext } from './context.js';

export interface GitCredentialOptions extends GlobalOptions, TokenFlowOptions {
  /** What git asks: get, store or erase; git may add others, which a helper ignores. */
  operation: string;
  username: string | undefined;
  /** Answer only for these hosts; any https host when empty. */
  hosts: string[];
}

/** git writes a few short lines; anything much larger is not git. */
const REQUEST_LIMIT = 64 * 1024;
export const DEFAULT_GIT_USERNAME = 'tokenctl';

/** git ends its attributes with a blank line (or closes stdin): read no further, git may keep the pipe open. */
function requestEnd(data: Buffer): number | undefined {
  const text = data.toString('latin1');
  if (text.startsWith('\n')) return 1;
  const blank = text.indexOf('\n\n');
  return blank < 0 ? undefined : blank + 2;
}

async function readRequest(io: Io, timeoutMs: number): Promise<string> {
  const input = await io.stdin.readAll(REQUEST_LIMIT, { end: requestEnd, timeoutMs });
  if (input === 'timed-out') throw new UsageError(Code.STDIN_TIMEOUT, `git's request did not end (a blank line or the end of stdin) within ${timeoutMs / 1000} s`, { hint: 'git runs this command itself; see git-credential(1).' });
  if (input === 'too-large') throw new UsageError(Code.GIT_CREDENTIAL_INPUT_TOO_LARGE, 'more than 64 KiB on stdin: that is not a request from git', { hint: 'git runs this command itself; see git-credential(1).' });
  return input.toString('utf8');
}

/**
 * A git credential helper: `get` answers with the profile's token as the password; `store` and
 * `erase` (and any operation git adds later) read the request and change nothing, since the token
 * is tokenctl's to cache and renew.
 */
export async function gitCredentialCommand(options: GitCredentialOptions, io: Io): Promise<void> {
  if (io.stdin.isTTY) {
    throw new UsageError(Code.GIT_CREDENTIAL_INTERACTIVE, 'git-credential reads a request from git on stdin; it is not meant to be run by hand', {
      hint: "Configure it as a helper: git config --global credential.https://dev.azure.com.helper '!tokenctl git-credential -p NAME'",
    });
  }
  const request = parseCredentialRequest(await readRequest(io, (options.settings.timeoutSeconds ?? DEFAULTS.timeoutSeconds) * 1000));
  if (options.operation !== 'get') return;
  const decision = decideCredential(request, options.hosts);
  if (!decision.answer) {
    // No answer lets git try its next helper or ask; a line on stderr says why.
    io.stderr.write(`tokenctl: no credential given: ${decision.reason}\n`);
    return;
  }
  const { getToken } = await import('../app/token.js');
  const { token } = await getToken(options, await appContext(io, options));
  io.stderr.write(maskCommands(detectCi(io.env), [token.accessToken]));
  io.stdout.write(formatCredential(token, options.username ?? request.username ?? DEFAULT_GIT_USERNAME));
}
