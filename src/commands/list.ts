import { stripVTControlCharacters as stripAnsi } from 'node:util';
import { escapeControl } from '../escape.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { appContext } from './context.js';

export type ListOptions = GlobalOptions;

export async function listCommand(options: ListOptions, io: Io): Promise<void> {
  const { listProfiles } = await import('../app/inspect.js');
  const context = await appContext(io, options);
  const rows = await listProfiles(context);
  if (options.json) {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    io.stderr.write(`no profiles in ${context.layout.profilesDir}; create one with: tokenctl configure -p NAME\n`);
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
