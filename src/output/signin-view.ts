import type { ChalkInstance } from 'chalk';
import type { SignedInUser } from '../jwt/id-token.js';
import type { Introspection } from '../oauth/introspection.js';
import { isoDate, relativeTime } from '../jwt/time.js';
import { escapeControl as printable } from '../escape.js';

/** What the user must do to sign in, on stderr: a URL to open, or a code to enter. */
export function formatBrowserPrompt(url: string, opened: boolean, c: ChalkInstance): string {
  const redirect = new URL(new URL(url).searchParams.get('redirect_uri') ?? 'http://127.0.0.1/');
  return opened
    ? `Opening the browser to sign in. If it does not open, visit:\n\n  ${c.cyan(printable(url))}\n\nWaiting for the sign-in…\n`
    : `To sign in, open this URL in a browser on this machine:\n\n  ${c.cyan(printable(url))}\n\n${c.dim(`(the browser comes back to ${redirect.host} here: over SSH, forward that port, or sign in with --device)`)}\nWaiting for the sign-in…\n`;
}

export function formatDevicePrompt(authorization: { userCode: string; verificationUri: string; verificationUriComplete?: string | undefined; expiresIn: number }, c: ChalkInstance): string {
  const lines = [`To sign in, open ${c.cyan(printable(authorization.verificationUri))} and enter the code ${c.bold(printable(authorization.userCode))}`];
  if (authorization.verificationUriComplete) lines.push(`  or open ${c.cyan(printable(authorization.verificationUriComplete))} (the code is filled in)`);
  lines.push(`Waiting for the sign-in… (the code expires in ${Math.round(authorization.expiresIn / 60)} min)`);
  return `${lines.join('\n')}\n`;
}

export function describeUser(user: SignedInUser): string {
  const name = user.name && user.username && user.name !== user.username ? `${user.name} (${user.username})` : (user.name ?? user.username ?? user.subject);
  return printable(name);
}

export function formatSignedIn(result: { profile: string; user: SignedInUser | undefined; accessTokenExpiresAt: string | undefined; refreshTokenStored: boolean }, c: ChalkInstance): string {
  const who = result.user ? ` as ${c.bold(describeUser(result.user))}` : '';
  const lines = [`${c.green('Signed in')}${who} (profile ${result.profile}).`];
  if (result.user) lines.push(c.dim(`  subject ${printable(result.user.subject)}, issuer ${printable(result.user.issuer)}${result.user.tenantId ? `, tenant ${printable(result.user.tenantId)}` : ''}`));
  if (result.accessTokenExpiresAt) lines.push(c.dim(`  access token valid until ${result.accessTokenExpiresAt}`));
  lines.push(
    c.dim(
      result.refreshTokenStored
        ? `  refresh token kept in the secret store: tokenctl token -p ${result.profile} renews the access token without another sign-in`
        : `  no refresh token: sign in again when the access token expires`,
    ),
  );
  return `${lines.join('\n')}\n`;
}

/** One claim per line, values as JSON; strings from the server are escaped for the terminal. */
export function formatClaims(claims: Record<string, unknown>, now: Date, c: ChalkInstance): string {
  const width = Math.min(24, Math.max(...Object.keys(claims).map((k) => k.length)) + 2);
  return `${Object.entries(claims)
    .map(([name, value]) => `  ${c.bold(printable(name).padEnd(width))} ${printable(typeof value === 'string' ? value : JSON.stringify(value))}${timeNote(name, value, now)}`)
    .join('\n')}\n`;
}

function timeNote(name: string, value: unknown, now: Date): string {
  if (!['exp', 'iat', 'nbf', 'auth_time', 'updated_at'].includes(name) || typeof value !== 'number') return '';
  const date = isoDate(value);
  if (!date) return '  (not a date)';
  const when = relativeTime(value, now);
  if (name === 'exp') return `  (${date}, ${value * 1000 <= now.getTime() ? `expired ${when}` : `expires ${when}`})`;
  return `  (${date}, ${when})`;
}

/** The introspection verdict: active or not, then what the server said about the token. */
export function formatIntrospection(result: Introspection, now: Date, c: ChalkInstance): string {
  if (!result.active) return `${c.red('inactive')}: the server does not accept this token (expired, revoked, or never its own)\n`;
  const rest = { ...result.claims };
  delete rest.active;
  return `${c.green('active')}\n${formatClaims(rest, now, c)}`;
}

/** The --json document of introspect: the server's members as sent, and each time explained as decode does. */
export function introspectionDocument(result: Introspection, now: Date): Record<string, unknown> {
  const times: Record<string, { date: string | null; relative: string }> = {};
  for (const name of ['exp', 'iat', 'nbf'] as const) {
    const value = result[name];
    if (value !== undefined) times[name] = { date: isoDate(value) ?? null, relative: relativeTime(value, now) };
  }
  return { ...result.claims, active: result.active, ...(Object.keys(times).length ? { times } : {}) };
}
