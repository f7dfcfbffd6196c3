import { stripVTControlCharacters as stripAnsi } from 'node:util';
import { escapeControl } from '../escape.js';
import { warn, type GlobalOptions, type Io } from '../output/io.js';
import { secretExpiryNotice } from '../profiles/secret-expiry.js';
import type { Profile } from '../profiles/profile.js';
import { openRepository, openTokenCache } from '../profiles/session.js';
import { EMPTY_SECRET_STORE } from '../secrets/store.js';

export type ListOptions = GlobalOptions;

/** The auth method a profile uses, or the one the request engine will choose for it. */
export function effectiveAuthMethod(profile: Profile): string {
  if (profile.settings.authMethod) return profile.settings.authMethod;
  if (profile.credential !== 'secret') return 'private_key_jwt';
  return profile.provider === 'entra' ? 'client_secret_post' : profile.settings.issuer ? 'client_secret_basic (unless discovery says post)' : 'client_secret_basic';
}

export async function listCommand(options: ListOptions, io: Io): Promise<void> {
  const { layout, repo } = openRepository(io);
  // `list` never touches the keychain: the cache's expiry is readable without it.
  const cache = openTokenCache(layout, EMPTY_SECRET_STORE);
  const rows = await Promise.all(
    (await repo.list()).map(async ({ name, profile, problem }) => {
      if (!profile) return { name, problem: problem?.message ?? 'unreadable' };
      const expiry = secretExpiryNotice(profile, io.now());
      if (expiry) warn(io, expiry.message);
      const cached = await cache.peek(name);
      return {
        name,
        provider: profile.provider,
        clientId: profile.settings.clientId ?? null,
        authMethod: effectiveAuthMethod(profile),
        credential: profile.credential,
        store: profile.store,
        lastValidatedAt: profile.lastValidatedAt ?? null,
        cachedTokenExpiresAt: cached?.expiresAt ?? null,
        secretExpiresAt: profile.secretExpiresAt ?? null,
      };
    }),
  );
  if (options.json) {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    io.stderr.write(`no profiles in ${layout.profilesDir}; create one with: tokenctl configure -p NAME\n`);
    return;
  }
  const c = io.stdout.color;
  const now = io.now().getTime();
  // Names and client IDs come from files anyone with access to the directory may have written.
  const table = rows.map((row) =>
    'problem' in row
      ? [escapeControl(row.name), c.red(`problem: ${escapeControl(row.problem ?? '')}`), '', '', '', '', '']
      : [
          escapeControl(row.name),
          row.provider,
          escapeControl(row.clientId ?? '-'),
          row.authMethod,
          row.store,
          row.lastValidatedAt ? row.lastValidatedAt.slice(0, 16).replace('T', ' ') : 'never',
          row.cachedTokenExpiresAt ? (Date.parse(row.cachedTokenExpiresAt) > now ? `until ${row.cachedTokenExpiresAt.slice(11, 16)}Z` : 'expired') : '-',
        ],
  );
  const header = ['NAME', 'PROVIDER', 'CLIENT ID', 'AUTH METHOD', 'STORE', 'VALIDATED', 'CACHED TOKEN'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((cells) => stripAnsi(cells[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell + ' '.repeat(Math.max(0, (widths[i] ?? 0) - stripAnsi(cell).length))).join('  ').trimEnd();
  io.stdout.write(`${[c.bold(line(header)), ...table.map(line)].join('\n')}\n`);
}
