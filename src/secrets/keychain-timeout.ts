import { Code, UsageError } from '../errors.js';

/** The keychain's deadline: read by the keychain store, and by the profile lock, whose holder may wait that long. */
export const KEYCHAIN_TIMEOUT_ENV = 'TOKENCTL_KEYCHAIN_TIMEOUT';
const DEFAULT_TIMEOUT_SECONDS = 10;
const MAX_TIMEOUT_SECONDS = 600;

/** The keychain's deadline from TOKENCTL_KEYCHAIN_TIMEOUT (seconds), else 10 s. */
export function keychainTimeoutMs(env: Record<string, string | undefined>): number {
  const raw = env[KEYCHAIN_TIMEOUT_ENV];
  if (raw === undefined || raw === '') return DEFAULT_TIMEOUT_SECONDS * 1000;
  const seconds = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(seconds > 0) || seconds > MAX_TIMEOUT_SECONDS) {
    throw new UsageError(Code.KEYCHAIN_TIMEOUT_INVALID, `${KEYCHAIN_TIMEOUT_ENV}=${JSON.stringify(raw.slice(0, 40))} is not a number of seconds between 0 and ${MAX_TIMEOUT_SECONDS}`, {
      hint: `Set it to a number of seconds, e.g. ${KEYCHAIN_TIMEOUT_ENV}=5, or unset it for the default of ${DEFAULT_TIMEOUT_SECONDS} s.`,
    });
  }
  return Math.round(seconds * 1000);
}

/** The same, for a bound on others' waiting: an invalid value (refused where the keychain is used) counts as the longest. */
export function keychainBoundMs(env: Record<string, string | undefined>): number {
  try {
    return keychainTimeoutMs(env);
  } catch {
    return MAX_TIMEOUT_SECONDS * 1000;
  }
}
