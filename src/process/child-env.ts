import { SECRET_ENV_NAMES } from '../environment.js';

/**
 * The environment for a child process (the command of `exec`, a secret command): this one's, less
 * the variables through which tokenctl takes secrets, plus `extra`. What a child needs, it is given.
 */
export function childEnvironment(env: Record<string, string | undefined>, extra: Record<string, string> = {}): Record<string, string> {
  const secret = new Set<string>(SECRET_ENV_NAMES);
  const kept = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && !secret.has(entry[0].toUpperCase()));
  return { ...Object.fromEntries(kept), ...extra };
}
