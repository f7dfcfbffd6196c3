import type { OutputFormat } from '../choices.js';
import type { TokenFlowOptions } from '../app/token.js';
import { detectCi, maskCommands } from '../integrations/ci-mask.js';
import { execCredential, requestedExecCredentialVersion } from '../integrations/exec-credential.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { formatToken } from '../output/token-output.js';
import { appContext, profileAlternative } from './context.js';

export interface TokenOptions extends GlobalOptions, TokenFlowOptions {
  output: OutputFormat;
}

export async function tokenCommand(options: TokenOptions, io: Io): Promise<void> {
  const format = options.json ? 'json' : options.output;
  // What kubectl asks for is checked before any request is made.
  const kubectlVersion = requestedExecCredentialVersion(format === 'kubectl' ? io.env.KUBERNETES_EXEC_INFO : undefined);
  const { getToken } = await import('../app/token.js');
  const { token, cached } = await getToken(options, await appContext(io, options, profileAlternative(options.profile, io)));
  if (options.verbose && cached !== undefined) {
    const source = cached ? 'token from the cache' : options.noCache ? 'new token (cache not used)' : 'new token (cache updated)';
    io.stderr.write(io.stderr.color.dim(`${source}\n`));
  }
  io.stderr.write(maskCommands(detectCi(io.env), [token.accessToken]));
  io.stdout.write(format === 'kubectl' ? `${JSON.stringify(execCredential(token, kubectlVersion))}\n` : formatToken(token, format, cached === undefined ? {} : { cached }));
}
