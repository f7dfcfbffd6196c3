import { constants } from 'node:fs';
import { lstat, open, readdir, stat, unlink } from '../fs-async.js';
import { dirname, join } from 'node:path';
import { CliError, Code, ProfileNotFoundError, UsageError } from '../errors.js';
import { FILE_LIMITS } from '../input-file.js';
import { writeFileAtomic } from './atomic-file.js';
import { checkProfileName, configLayout, isValidProfileName, PROFILE_NAME_RULE } from './paths.js';
import { parseProfile, serializeProfile, type Profile } from './profile.js';

/** One file in the profiles directory: the profile, or why it cannot be used. */
export type ProfileListEntry = { name: string; profile: Profile; problem?: undefined } | { name: string; profile?: undefined; problem: CliError };

export interface WriteProfileOptions {
  /**
   * Replace an existing file that cannot be read (invalid JSON, a newer schema, a symlink, an unsafe
   * mode). Without it, write refuses with the error read would give: such a file is never silently
   * overwritten.
   */
  replaceBroken?: boolean;
}

export interface ProfileRepository {
  readonly profilesDir: string;
  /** The profile's file, whether or not it exists. */
  pathOf(name: string): string;
  /** The profile, or ProfileNotFoundError (exit 3). */
  read(name: string): Promise<Profile>;
  /** The profile, or undefined when there is none; a file that exists but cannot be used is still an error. */
  tryRead(name: string): Promise<Profile | undefined>;
  /** Replaces the profile's file atomically (0600, directories 0700). */
  write(profile: Profile, options?: WriteProfileOptions): Promise<void>;
  /** True when a file was deleted, false when there was none. */
  delete(name: string): Promise<boolean>;
  /** Every `*.json` in the profiles directory, sorted by name; a broken file is listed with its problem. */
  list(): Promise<ProfileListEntry[]>;
}

const JSON_EXTENSION = '.json';
// Windows has no O_NOFOLLOW; the lstat before opening still refuses a symlink there.
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

const errnoCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;
const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, '0');

/** A path as it can be pasted into a POSIX shell (macOS puts one under "Application Support"). */
function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

// V8 quotes the start of the text in its message, and a broken profile may hold a pasted secret.
const jsonReason = (error: unknown) => (error as Error).message.replace(/, ".*"(\.\.\.)? is not valid JSON$/s, '');

function unreadable(path: string, error: unknown): UsageError {
  return new UsageError(Code.PROFILE_FILE_UNREADABLE, `cannot read ${path}: ${(error as Error).message}`, {
    hint: `It must belong to you and be readable by you: check with ls -ld ${shellQuote(path)}`,
    cause: error,
  });
}

function unwritable(action: string, path: string, error: unknown): UsageError {
  return new UsageError(Code.PROFILE_FILE_UNWRITABLE, `cannot ${action} ${path}: ${(error as Error).message}`, {
    hint: `Check that ${dirname(path)} belongs to you and is writable, and that the disk is not full.`,
    cause: error,
  });
}

/**
 * Profiles as files, one `profiles/NAME.json` per profile and no shared index, so two commands
 * writing different profiles can never lose each other's changes. A file that other users can
 * change is refused: whoever can edit a profile can send its secret to a token URL of their choosing.
 */
export function createProfileRepository(root: string): ProfileRepository {
  const { profilesDir } = configLayout(root);
  // Windows has no POSIX modes to check; its files inherit the user profile's ACL.
  const checkModes = process.platform !== 'win32';
  const fileOf = (name: string) => join(profilesDir, `${name}${JSON_EXTENSION}`);
  const pathOf = (name: string) => fileOf(checkProfileName(name));

  /** False when the directory does not exist yet. */
  async function checkProfilesDir(): Promise<boolean> {
    let stats;
    try {
      stats = await stat(profilesDir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return false;
      throw unreadable(profilesDir, error);
    }
    if (checkModes && stats.mode & 0o022) {
      throw new UsageError(Code.PROFILE_DIR_INSECURE, `${profilesDir} is writable by other users (mode ${octal(stats.mode)}), so they could replace your profiles`, {
        hint: `chmod 700 ${shellQuote(profilesDir)}`,
      });
    }
    return true;
  }

  function symlinkError(path: string): UsageError {
    return new UsageError(Code.PROFILE_FILE_SYMLINK, `${path} is a symbolic link, and tokenctl only uses profile files that are really in ${profilesDir}`, {
      hint: 'Replace the link with a copy of the file it points to (chmod 600 the copy).',
    });
  }

  /** The file's text; throws plain fs errors (ENOENT when there is no file) or a CliError. */
  async function readWithoutFollowing(path: string): Promise<string> {
    const stats = await lstat(path);
    if (stats.isSymbolicLink()) throw symlinkError(path);
    if (!stats.isFile()) {
      throw new UsageError(Code.PROFILE_FILE_INVALID, `${path} is not a regular file`, { hint: `Move it out of ${shellQuote(profilesDir)}.` });
    }
    // O_NOFOLLOW closes the gap between the lstat and the open; the mode checked is the open file's.
    const handle = await open(path, constants.O_RDONLY | NO_FOLLOW);
    try {
      const { mode, size } = await handle.stat();
      if (size > FILE_LIMITS.config) {
        throw new UsageError(Code.FILE_TOO_LARGE, `${path} is larger than ${FILE_LIMITS.config / 1024} KiB, more than a profile ever holds`, { hint: `Move it out of ${shellQuote(profilesDir)}.` });
      }
      if (checkModes && mode & 0o077) {
        throw new UsageError(Code.PROFILE_FILE_INSECURE, `${path} can be read or changed by other users (mode ${octal(mode)}), so tokenctl will not use it`, {
          hint: `chmod 600 ${shellQuote(path)}`,
        });
      }
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  }

  /** The profile in `name`'s file, or undefined when there is none. */
  async function load(name: string): Promise<Profile | undefined> {
    const path = fileOf(name);
    let text;
    try {
      text = await readWithoutFollowing(path);
    } catch (error) {
      if (error instanceof CliError) throw error;
      if (errnoCode(error) === 'ENOENT') return undefined;
      // A link swapped in between the lstat and the open.
      if (errnoCode(error) === 'ELOOP') throw symlinkError(path);
      throw unreadable(path, error);
    }
    let json: unknown;
    try {
      // Notepad saves UTF-8 with a byte order mark, which JSON.parse refuses.
      json = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (error) {
      throw new UsageError(Code.PROFILE_FILE_INVALID, `${path} is not valid JSON: ${jsonReason(error)}`, {
        hint: `Fix it by hand, or move it aside and run tokenctl configure -p ${name} to create the profile again.`,
      });
    }
    const profile = parseProfile(json, path);
    if (profile.name !== name) {
      throw new UsageError(Code.PROFILE_FILE_INVALID, `${path} holds the profile "${profile.name}", not "${name}"`, {
        hint: `A profile file is named after its profile (a copy would share the original's secrets): rename it to ${profile.name}${JSON_EXTENSION}, or move it aside and run tokenctl configure -p ${name}.`,
      });
    }
    return profile;
  }

  async function tryRead(name: string): Promise<Profile | undefined> {
    checkProfileName(name);
    return (await checkProfilesDir()) ? load(name) : undefined;
  }

  return {
    profilesDir,
    pathOf,
    tryRead,

    async read(name) {
      const profile = await tryRead(name);
      if (profile) return profile;
      throw new ProfileNotFoundError(Code.PROFILE_NOT_FOUND, `there is no profile named ${name} (no ${fileOf(name)})`, {
        hint: `Create it with tokenctl configure -p ${name}, or see the saved profiles with tokenctl list.`,
      });
    },

    async write(profile, options = {}) {
      const path = pathOf(profile.name);
      const text = serializeProfile(profile);
      try {
        // What is written must read back: nothing invalid, and nothing named like a secret, reaches the disk.
        parseProfile(JSON.parse(text), path);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        throw new UsageError(error.entry, `profile ${profile.name} was not saved: ${error.message}`, { hint: `Nothing was written to ${path}.`, cause: error });
      }
      if (await checkProfilesDir()) {
        try {
          await load(profile.name);
        } catch (error) {
          if (!(error instanceof CliError) || !options.replaceBroken) throw error;
        }
      }
      try {
        await writeFileAtomic(path, text, { mode: 0o600 });
      } catch (error) {
        throw unwritable('write', path, error);
      }
    },

    async delete(name) {
      const path = pathOf(name);
      try {
        await unlink(path);
        return true;
      } catch (error) {
        if (errnoCode(error) === 'ENOENT') return false;
        throw unwritable('delete', path, error);
      }
    },

    async list() {
      if (!(await checkProfilesDir())) return [];
      let files;
      try {
        files = await readdir(profilesDir);
      } catch (error) {
        throw unreadable(profilesDir, error);
      }
      // Only *.json: a temporary file left by a crashed write ends in .tmp and is not a profile.
      const names = files.filter((file) => file.endsWith(JSON_EXTENSION)).map((file) => file.slice(0, -JSON_EXTENSION.length));
      const entries = await Promise.all(
        names.sort().map(async (name): Promise<ProfileListEntry | undefined> => {
          if (!isValidProfileName(name)) {
            const problem = new UsageError(Code.PROFILE_FILE_INVALID, `${fileOf(name)} is not named like a profile: a name is ${PROFILE_NAME_RULE}`, {
              hint: `Rename it, or move it out of ${shellQuote(profilesDir)}.`,
            });
            return { name, problem };
          }
          try {
            const profile = await load(name);
            // Deleted since the directory was read: not there any more, so not listed.
            return profile && { name, profile };
          } catch (error) {
            if (error instanceof CliError) return { name, problem: error };
            throw error;
          }
        }),
      );
      return entries.filter((entry) => entry !== undefined);
    },
  };
}
