import { lstat, stat } from '../fs-async.js';
import { dirname } from 'node:path';
import { Code, UsageError } from '../errors.js';

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, '0');

export interface TrustOptions {
  /** This user (process.getuid()); undefined where there are no POSIX owners (Windows). */
  uid: number | undefined;
}

/**
 * A profile that stores a command is code, as a credential helper in git's config is: tokenctl runs
 * the command only from a file nobody else can have written. A regular file (not a symlink) owned
 * by this user and closed to others, in a directory of this user's that others cannot write.
 * Checked again just before the command runs, whatever the profile's reading already checked.
 */
export async function checkTrustedForCommands(path: string, what: string, options: TrustOptions = { uid: process.getuid?.() }): Promise<void> {
  if (process.platform === 'win32') return;
  const untrusted = (reason: string, hint: string) =>
    new UsageError(Code.SECRET_COMMAND_UNTRUSTED, `the ${what} was not run: tokenctl runs a command stored in a profile only from a file it trusts, and ${path} ${reason}`, { hint });
  const file = await lstat(path);
  if (file.isSymbolicLink() || !file.isFile()) throw untrusted('is not a regular file', 'Replace it with a regular file of your own (chmod 600), after checking the command it holds.');
  if (options.uid !== undefined && file.uid !== options.uid) throw untrusted(`belongs to user ${file.uid}, not to you`, 'Check the command it holds, then create the profile again with tokenctl configure.');
  if (file.mode & 0o077) throw untrusted(`is open to other users (mode ${octal(file.mode)})`, `Check the command it holds, then chmod 600 ${path}`);
  const dir = await stat(dirname(path));
  if (options.uid !== undefined && dir.uid !== options.uid && dir.uid !== 0) throw untrusted(`is in ${dirname(path)}, which belongs to user ${dir.uid}`, 'Keep your profiles in a directory of your own (TOKENCTL_CONFIG_DIR).');
  if (dir.mode & 0o022) throw untrusted(`is in ${dirname(path)}, which other users can write (mode ${octal(dir.mode)})`, `chmod 700 ${dirname(path)}`);
}
