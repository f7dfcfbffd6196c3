import { ProfileNotFoundError } from '../errors.js';
import type { SecretSources } from '../oauth/credential.js';
import { mergeSettings, settingsFromEnvironment, type RequestSettings } from '../oauth/settings.js';
import type { TokenResult } from '../oauth/token-response.js';
import type { GlobalOptions, Io } from '../output/io.js';
import type { OutputFormat } from '../choices.js';
import { formatToken } from '../output/token-output.js';
import { resolveProfileName } from '../profiles/paths.js';

export interface TokenOptions extends GlobalOptions {
  /** -p NAME; undefined when not given. */
  profile: string | undefined;
  settings: RequestSettings;
  secrets: SecretSources;
  output: OutputFormat;
  minValiditySeconds: number;
  refresh: boolean;
  noCache: boolean;
}

/**
 * A saved profile is used when one is named (-p, TOKENCTL_PROFILE), or when nothing on the command
 * line or in the environment says where the token comes from; otherwise the request is profile-less.
 */
export function usesProfile(options: Pick<TokenOptions, 'profile' | 'settings'>, env: Record<string, string | undefined>): boolean {
  if (options.profile !== undefined || env.TOKENCTL_PROFILE) return true;
  const endpoint = mergeSettings(options.settings, settingsFromEnvironment(env));
  return !(endpoint.tenant || endpoint.tokenUrl || endpoint.issuer);
}

/** The token for these options, from a profile (and its cache) or from a profile-less request. */
export async function obtainToken(options: TokenOptions, io: Io): Promise<{ token: TokenResult; cached?: boolean }> {
  if (usesProfile(options, io.env)) {
    const { openProfileSession, profileToken } = await import('../profiles/session.js');
    const named = options.profile !== undefined || Boolean(io.env.TOKENCTL_PROFILE);
    const session = await openProfileSession(resolveProfileName(options.profile, io.env), options.settings, io).catch((error: unknown) => {
      if (named || !(error instanceof ProfileNotFoundError)) throw error;
      throw new ProfileNotFoundError(error.entry, `${error.message}, and no token endpoint was given`, {
        hint: 'Save one with tokenctl configure, name one with -p NAME, or request without a profile: tokenctl token --tenant … (Entra ID), --token-url … or --issuer ….',
      });
    });
    return profileToken(session, options, io);
  }
  const { prepareTokenRequest, sendTokenRequest } = await import('../oauth/live-request.js');
  const settings = mergeSettings(options.settings, settingsFromEnvironment(io.env));
  const prepared = await prepareTokenRequest(settings, options.secrets, io, options.verbose);
  return { token: (await sendTokenRequest(prepared, io, options)).token };
}

export async function tokenCommand(options: TokenOptions, io: Io): Promise<void> {
  const { token, cached } = await obtainToken(options, io);
  if (options.verbose && cached !== undefined) {
    const source = cached ? 'token from the cache' : options.noCache ? 'new token (cache not used)' : 'new token (cache updated)';
    io.stderr.write(io.stderr.color.dim(`${source}\n`));
  }
  io.stdout.write(formatToken(token, options.json ? 'json' : options.output, cached === undefined ? {} : { cached }));
}
