import type { OutputFormat } from '../choices.js';
import type { TokenFlowOptions } from '../app/token.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { formatToken } from '../output/token-output.js';
import { appContext, profileAlternative } from './context.js';

export interface TokenOptions extends GlobalOptions, TokenFlowOptions {
  output: OutputFormat;
}

export async function tokenCommand(options: TokenOptions, io: Io): Promise<void> {
  const { getToken } = await import('../app/token.js');
  const { token, cached } = await getToken(options, await appContext(io, options, profileAlternative(options.profile, io)));
  if (options.verbose && cached !== undefined) {
    const source = cached ? 'token from the cache' : options.noCache ? 'new token (cache not used)' : 'new token (cache updated)';
    io.stderr.write(io.stderr.color.dim(`${source}\n`));
  }
  io.stdout.write(formatToken(token, options.json ? 'json' : options.output, cached === undefined ? {} : { cached }));
}
