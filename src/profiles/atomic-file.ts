import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from '../fs-async.js';
import { Code, UsageError } from '../errors.js';
import { basename, dirname, join } from 'node:path';

/** mkdir -p; the directories it creates are 0700. An existing directory is left as it is. */
export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
}

/**
 * Refuses a directory other users can write to (the secrets, cache and locks directories, like the
 * profiles one): they could plant or swap the files tokenctl trusts. A missing directory is fine.
 */
export async function refuseOpenDirectory(path: string): Promise<void> {
  // Windows has no POSIX modes; its directories inherit the user profile's ACL.
  if (process.platform === 'win32') return;
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (mode & 0o022) {
    throw new UsageError(Code.DIR_INSECURE, `${path} is writable by other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')}), so they could plant or replace files tokenctl trusts`, {
      hint: `chmod 700 '${path.replaceAll("'", `'\\''`)}'`,
    });
  }
}

export interface WriteFileAtomicOptions {
  /** Mode of the new file (narrowed by the umask, as usual). Default 0600. */
  mode?: number;
}

/**
 * Replaces `path` so that readers, even after a crash, see either the old file or the whole new one:
 * a temporary file in the same directory (a rename is only atomic within one file system) is written,
 * flushed to disk and renamed over the target. The temporary name ends in `.tmp`, never in the
 * target's extension, so a leftover from a crash is not mistaken for a real file.
 */
export async function writeFileAtomic(path: string, data: string | Buffer, options: WriteFileAtomicOptions = {}): Promise<void> {
  const dir = dirname(path);
  await ensurePrivateDir(dir);
  const temp = join(dir, `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  let created = false;
  try {
    // wx: never follow or reuse something already at the temporary name.
    const handle = await open(temp, 'wx', options.mode ?? 0o600);
    created = true;
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    if (created) await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
}

// Windows cannot open a directory (EISDIR) and some file systems refuse to flush one (EPERM, EINVAL).
const DIRECTORY_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL']);

/** Makes the rename itself durable: it is recorded in the directory, not in the file. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    if (!DIRECTORY_SYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}
