import { readdir, readFile, rm } from '../fs-async.js';
import { join } from 'node:path';
import { STORE_KINDS, type StoreKind } from '../choices.js';
import { writeFileAtomic } from './atomic-file.js';
import type { ConfigLayout } from './paths.js';

/**
 * What `remove` leaves behind while (and after) it removes a profile, next to the profile's lock:
 * the profile file goes first, so a secret store that fails or a `kill -9` half-way would otherwise
 * leave secrets nothing points at. With the record, the next `remove -p NAME` finds and removes them,
 * and a `remove` that waited while another removed the profile knows it was "already removed".
 */
export interface RemovalRecord {
  profile: string;
  removedAt: string;
  /** When nothing was left to delete any more. */
  finishedAt?: string;
  /** Entries that may still hold a secret of the profile: cleared, then left out. */
  remaining: StoreEntry[];
  /** The entries the profile itself named (its secrets and its cache key): the ones an error lists. */
  named: StoreEntry[];
}

/** One account in one secret store. */
export interface StoreEntry {
  store: StoreKind;
  account: string;
}

const pathOf = (layout: ConfigLayout, profile: string) => join(layout.locksDir, `${profile}.removed`);

/** The record, or undefined when there is none (or it is not one: nothing is deleted on the strength of a broken file). */
export async function readRemovalRecord(layout: ConfigLayout, profile: string): Promise<RemovalRecord | undefined> {
  let text: string;
  try {
    text = await readFile(pathOf(layout, profile), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<RemovalRecord>;
    // Only this profile's own accounts: a record must never make remove delete another profile's secrets.
    const own = (list: unknown): list is StoreEntry[] =>
      Array.isArray(list) &&
      list.every((entry: Partial<StoreEntry> | null) => STORE_KINDS.includes(entry?.store as StoreKind) && typeof entry?.account === 'string' && entry.account.startsWith(`${profile}:`));
    const time = (text: unknown) => typeof text === 'string' && !Number.isNaN(Date.parse(text));
    if (value.profile !== profile || !time(value.removedAt) || (value.finishedAt !== undefined && !time(value.finishedAt))) return undefined;
    if (!own(value.remaining) || !own(value.named)) return undefined;
    return { profile, removedAt: value.removedAt as string, ...(value.finishedAt ? { finishedAt: value.finishedAt } : {}), remaining: value.remaining, named: value.named };
  } catch {
    return undefined;
  }
}

export async function writeRemovalRecord(layout: ConfigLayout, record: RemovalRecord): Promise<void> {
  await writeFileAtomic(pathOf(layout, record.profile), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}

export async function deleteRemovalRecord(layout: ConfigLayout, profile: string): Promise<void> {
  await rm(pathOf(layout, profile), { force: true });
}

/** The profiles whose records are in the locks directory (for `remove --all`). */
export async function removalRecordNames(layout: ConfigLayout): Promise<string[]> {
  try {
    return (await readdir(layout.locksDir)).filter((file) => file.endsWith('.removed')).map((file) => file.slice(0, -'.removed'.length)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
