/**
 * Environment variables that carry secrets. They are read once, at start-up, and removed from the
 * process environment at once, so that no child process inherits them: not `dbus-launch` (which
 * GLib spawns with the whole environment), not a browser, not a credential helper.
 */
export const SECRET_ENV_NAMES = ['TOKENCTL_CLIENT_SECRET', 'TOKENCTL_PASSPHRASE', 'TOKENCTL_CERTIFICATE_PASSWORD', 'TOKENCTL_CERTIFICATE_KEY_PASSWORD'] as const;

/** A snapshot of `env` for the command to read, with the secret variables taken out of `env` itself. */
export function takeEnvironment(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const snapshot = { ...env };
  for (const name of SECRET_ENV_NAMES) delete env[name];
  return snapshot;
}
