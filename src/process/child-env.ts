/**
 * The variables through which tokenctl itself takes secrets. A process tokenctl starts (the command
 * of `exec`, a secret command) gets none of them: what it needs, it is given explicitly.
 */
export const SECRET_VARIABLES = ['TOKENCTL_CLIENT_SECRET', 'TOKENCTL_CERTIFICATE_PASSWORD', 'TOKENCTL_CERTIFICATE_KEY_PASSWORD', 'TOKENCTL_PASSPHRASE'] as const;

/** The environment for a child process: this one's, less tokenctl's secrets, plus `extra`. */
export function childEnvironment(env: Record<string, string | undefined>, extra: Record<string, string> = {}): Record<string, string> {
  const secret = new Set<string>(SECRET_VARIABLES);
  const kept = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && !secret.has(entry[0].toUpperCase()));
  return { ...Object.fromEntries(kept), ...extra };
}
