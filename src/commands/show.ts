import { escapeControl } from '../escape.js';
import type { GlobalOptions, Io } from '../output/io.js';
import { appContext, profileAlternative } from './context.js';

export interface ShowOptions extends GlobalOptions {
  profile: string | undefined;
}

/** One profile in full. Secrets appear only as "stored in …", "missing" or the command that prints them, never as values. */
export async function showCommand(options: ShowOptions, io: Io): Promise<void> {
  const { describeProfile } = await import('../app/inspect.js');
  const { profile, authMethod, secrets, cachedToken: cached, signIn } = await describeProfile(options.profile, await appContext(io, options, profileAlternative(options.profile, io)));
  const doc = { ...profile, authMethod, secrets, cachedToken: cached, ...(signIn ? { signIn } : {}) };
  delete (doc as Partial<typeof doc>).secretAccounts;
  if (options.json) {
    io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return;
  }
  const c = io.stdout.color;
  // Every value comes from the profile file: shown escaped, never obeyed by the terminal.
  const row = (label: string, value: unknown) => `  ${escapeControl(label).padEnd(22)} ${escapeControl(typeof value === 'string' ? value : JSON.stringify(value))}`;
  const lines = [c.bold(`profile ${escapeControl(profile.name)}`), row('provider', profile.provider), row('auth method', authMethod), row('credential', profile.credential), row('store', profile.store)];
  for (const [name, value] of Object.entries(profile.settings)) lines.push(row(name, value));
  for (const [kind, state] of Object.entries(secrets)) lines.push(row(kind, state === 'missing' ? c.red(state) : state));
  for (const [name, value] of Object.entries(profile.expectations)) lines.push(row(`expect ${name}`, value));
  if (profile.secretExpiresAt) lines.push(row('secret expires', profile.secretExpiresAt));
  lines.push(row('created', profile.createdAt), row('updated', profile.updatedAt), row('last validated', profile.lastValidatedAt ?? 'never'));
  if (signIn) {
    const state =
      signIn.state === 'signed-in'
        ? `yes${signIn.user ? `, as ${signIn.user}` : ''}, since ${signIn.signedInAt} (refresh token ${profile.store === 'keychain' ? 'in keychain' : 'in encrypted file'})`
        : signIn.state === 'signed-out'
          ? `no: tokenctl login -p ${profile.name}`
          : `no, its refresh token cannot be used (${signIn.reason}): tokenctl login -p ${profile.name}`;
    lines.push(row('signed in', state));
  }
  lines.push(row('cached token', cached ? `expires ${cached.expiresAt}${cached.matchesSettings ? '' : ' (for older settings: will be replaced)'}` : 'none'));
  io.stdout.write(`${lines.join('\n')}\n`);
}
