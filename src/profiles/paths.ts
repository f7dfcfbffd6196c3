import { join, posix, win32 } from 'node:path';
import { Code, UsageError } from '../errors.js';

type Env = Record<string, string | undefined>;

const DEFAULT_PROFILE = 'default';

/**
 * Where tokenctl keeps its files: TOKENCTL_CONFIG_DIR, else the platform's per-user configuration
 * directory. Pure, so every platform can be tested on any.
 */
export function configRoot(env: Env, platform: NodeJS.Platform, homeDir: string): string {
  if (env.TOKENCTL_CONFIG_DIR) {
    // A relative one would name another directory after every cd: the profiles and secrets would seem to vanish.
    const absolute = platform === 'win32' ? win32.isAbsolute(env.TOKENCTL_CONFIG_DIR) : posix.isAbsolute(env.TOKENCTL_CONFIG_DIR);
    if (!absolute) {
      throw new UsageError(Code.CONFIG_DIR_RELATIVE, `TOKENCTL_CONFIG_DIR is a relative path (${JSON.stringify(env.TOKENCTL_CONFIG_DIR)}): it would mean another directory in every working directory`, {
        hint: 'Give an absolute path, e.g. export TOKENCTL_CONFIG_DIR="$PWD/tokenctl" (a ~ in quotes is not expanded).',
      });
    }
    return env.TOKENCTL_CONFIG_DIR;
  }
  if (platform === 'win32') {
    // A relative APPDATA or XDG_CONFIG_HOME would put the files wherever the command happens to run.
    const appData = env.APPDATA && win32.isAbsolute(env.APPDATA) ? env.APPDATA : win32.join(homeDir, 'AppData', 'Roaming');
    return win32.join(appData, 'tokenctl');
  }
  if (platform === 'darwin') return posix.join(homeDir, 'Library', 'Application Support', 'tokenctl');
  const xdg = env.XDG_CONFIG_HOME && posix.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : posix.join(homeDir, '.config');
  return posix.join(xdg, 'tokenctl');
}

export interface ConfigLayout {
  root: string;
  /** One `NAME.json` per profile, never a shared index: concurrent writes to different profiles cannot collide. */
  profilesDir: string;
  cacheDir: string;
  locksDir: string;
  secretsDir: string;
}

export function configLayout(root: string): ConfigLayout {
  return {
    root,
    profilesDir: join(root, 'profiles'),
    cacheDir: join(root, 'cache'),
    locksDir: join(root, 'locks'),
    secretsDir: join(root, 'secrets'),
  };
}

// A leading letter or digit: a name starting with "-" reads as a flag, one starting with "." hides its files.
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const PROFILE_NAME_RULE = '1 to 64 letters, digits, dots, underscores or hyphens, starting with a letter or digit';

/** True when `name` can be a profile, and so a file name in the profiles directory. */
export function isValidProfileName(name: string): boolean {
  return PROFILE_NAME.test(name);
}

/** Returns the name, or refuses it; `source` says where it came from, for the message. */
export function checkProfileName(name: string, source = 'profile name'): string {
  if (isValidProfileName(name)) return name;
  throw new UsageError(Code.PROFILE_NAME_INVALID, `${source} ${JSON.stringify(name)} is not a valid profile name: use ${PROFILE_NAME_RULE}`, {
    hint: 'For example: -p erp-prod, -p reltio_dev or -p orders.v2',
  });
}

/** The profile a command works on: --profile, else TOKENCTL_PROFILE, else "default". */
export function resolveProfileName(flag: string | undefined, env: Env): string {
  if (flag !== undefined) return checkProfileName(flag, '--profile');
  // An empty TOKENCTL_PROFILE= is the usual way to unset it for one command.
  if (env.TOKENCTL_PROFILE) return checkProfileName(env.TOKENCTL_PROFILE, 'TOKENCTL_PROFILE');
  return DEFAULT_PROFILE;
}
