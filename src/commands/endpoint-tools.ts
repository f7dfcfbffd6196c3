import type { EndpointToolOptions } from '../app/endpoint-tools.js';
import type { TokenTypeHint } from '../oauth/revocation.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { formatClaims, formatIntrospection, introspectionDocument } from '../output/signin-view.js';
import { Code, UsageError } from '../errors.js';
import { cleanTokenInput, MAX_TOKEN_INPUT_BYTES } from '../jwt/input.js';
import { escapeControl as printable } from '../escape.js';
import { appContext } from './context.js';

export interface ToolOptions extends GlobalOptions, EndpointToolOptions {
  /** The token argument: a value, '-' for stdin, or undefined for the profile's own. */
  token: string | undefined;
  hint?: TokenTypeHint | undefined;
}

async function readStdin(io: Io): Promise<string> {
  const input = await io.stdin.readAll(MAX_TOKEN_INPUT_BYTES);
  if (input === 'too-large') throw new UsageError(Code.INPUT_TOO_LARGE, 'input on stdin is larger than 1 MiB; a token is never that long', { hint: 'Pipe only the token.' });
  return input.toString('utf8');
}

/**
 * The token to act on: the argument ('-' reads stdin, the safer way to pass one), else stdin when it
 * is piped and no profile is named, else undefined: the profile's own token.
 */
async function tokenFrom(options: ToolOptions, io: Io): Promise<string | undefined> {
  if (options.token === '-') return cleanTokenInput(await readStdin(io));
  if (options.token !== undefined) return cleanTokenInput(options.token);
  if (options.profile === undefined && !io.env.TOKENCTL_PROFILE && !io.stdin.isTTY) return cleanTokenInput(await readStdin(io));
  return undefined;
}

/** `tokenctl userinfo`: the userinfo endpoint's claims for the profile's (or the given) access token. */
export async function userinfoCommand(options: ToolOptions, io: Io): Promise<void> {
  const { userinfo } = await import('../app/endpoint-tools.js');
  const claims = await userinfo({ ...options, token: await tokenFrom(options, io) }, await appContext(io, options));
  io.stdout.write(options.json ? `${JSON.stringify(claims, null, 2)}\n` : formatClaims(claims, io.now(), io.stdout.color));
}

/** `tokenctl introspect`: whether the server still accepts a token, and what it says about it (RFC 7662). */
export async function introspectCommand(options: ToolOptions, io: Io): Promise<void> {
  const { introspect } = await import('../app/endpoint-tools.js');
  const result = await introspect({ ...options, token: await tokenFrom(options, io) }, await appContext(io, options));
  io.stdout.write(options.json ? `${JSON.stringify(introspectionDocument(result, io.now()), null, 2)}\n` : formatIntrospection(result, io.now(), io.stdout.color));
}

/** `tokenctl revoke [TOKEN]`: the server forgets the token (RFC 7009); with -p alone, the profile's own. */
export async function revokeCommand(options: ToolOptions, io: Io): Promise<void> {
  const { revoke } = await import('../app/endpoint-tools.js');
  const result = await revoke({ ...options, token: await tokenFrom(options, io) }, await appContext(io, options));
  if (options.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const what = result.tokenType === 'refresh_token' ? 'the refresh token' : result.tokenType === 'access_token' ? 'the access token' : 'the token';
  const forgotten = result.forgotten ? `; profile ${result.profile ?? ''} has forgotten it${result.tokenType === 'refresh_token' ? ' (sign in again with tokenctl login)' : ''}` : '';
  io.stderr.write(`${io.stderr.color.green('revoked')} ${what} at ${printable(result.endpoint)}${forgotten}\n`);
}

/** `tokenctl logout -p NAME`: revoke where the server can, forget the tokens here; the profile stays. */
export async function logoutCommand(options: GlobalOptions & { profile: string | undefined; secrets: EndpointToolOptions['secrets'] }, io: Io): Promise<void> {
  const { logout } = await import('../app/endpoint-tools.js');
  const result = await logout(options, await appContext(io, options));
  if (options.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const what = [result.revoked.refreshToken && 'refresh token', result.revoked.accessToken && 'access token'].filter(Boolean).join(' and ');
  io.stderr.write(`${io.stderr.color.green('Signed out')} of profile ${result.profile}: ${what ? `${what} revoked, ` : ''}tokens forgotten on this machine; the profile is kept.\n`);
}
