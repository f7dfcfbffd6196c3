import { CheckFailedError, Code } from '../errors.js';
import type { ConfigureFlowOptions, ConfigureResult } from '../app/configure.js';
import { CONFIGURE_FILE_STORE_ALTERNATIVE } from '../app/stores.js';
import { isUserGrant } from '../oauth/settings.js';
import { warn, type GlobalOptions, type Io } from '../output/io.js';
import { canPrompt } from '../output/prompts.js';
import { keyClaims, tokenClaims } from '../profiles/expectations.js';
import { appContext } from './context.js';

export interface ConfigureOptions extends GlobalOptions, ConfigureFlowOptions {}

export async function configureCommand(options: ConfigureOptions, io: Io): Promise<void> {
  const { configureProfile } = await import('../app/configure.js');
  const interviewer = canPrompt(io) ? (await import('../output/configure-prompts.js')).terminalInterviewer(io) : undefined;
  const result = await configureProfile(options, await appContext(io, options, CONFIGURE_FILE_STORE_ALTERNATIVE), interviewer);
  printSummary(result, io, options.json);
  const { profile, expectationFailures } = result;
  if (expectationFailures.length) {
    throw new CheckFailedError(Code.EXPECTATION_FAILED, `profile ${profile.name} was saved, but its token does not meet the expectations: ${expectationFailures.map((failure) => failure.why).join('; ')}`, {
      hint: `Fix the app's permissions or the request (e.g. --resource), or change the expectation: tokenctl configure -p ${profile.name} --expect-…`,
    });
  }
}

function printSummary({ profile, authMethod, outcome, expectationFailures }: ConfigureResult, io: Io, json: boolean): void {
  const claims = outcome ? tokenClaims(outcome.token.accessToken) : undefined;
  const endpoint = profile.settings.tenant ? `Entra ID tenant ${profile.settings.tenant}` : (profile.settings.tokenUrl ?? `issuer ${profile.settings.issuer}`);
  if (!json) for (const failure of expectationFailures) warn(io, `expectation not met: ${failure.why}`);
  if (json) {
    const doc = {
      profile: profile.name,
      saved: true,
      validated: outcome !== undefined,
      provider: profile.provider,
      endpoint,
      authMethod,
      grant: profile.settings.grant ?? 'client_credentials',
      store: profile.store,
      token: outcome ? { expiresAt: outcome.token.expiresAt?.toISOString() ?? null, claims: keyClaims(claims) } : null,
      expectationFailures,
    };
    io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return;
  }
  const c = io.stdout.color;
  const credential = { secret: 'client secret', certificate: 'certificate', federated: 'federated token', none: 'a public client, no secret' }[profile.credential];
  const commands = Object.entries(profile.secretCommands ?? {});
  const where = commands.length > 0 && Object.keys(profile.secretAccounts).length === 0 ? 'the secret from a command' : `secrets in the ${profile.store === 'keychain' ? 'OS keychain' : 'encrypted file store'}`;
  const lines = [`${c.green('saved')} profile ${c.bold(profile.name)} (${credential}, ${where})`, `  endpoint     ${endpoint}`, `  auth method  ${authMethod}`];
  // The command line, never its output: it runs whenever the profile needs the secret.
  for (const [kind, command] of commands) lines.push(`  ${(kind === 'clientSecret' ? 'secret' : 'password').padEnd(12)} from the command: ${command}`);
  const signIn = isUserGrant(profile.settings);
  if (signIn) {
    lines.push(`  grant        ${profile.settings.grant} (a user signs in)`, `  next         tokenctl login -p ${profile.name}`);
  } else if (outcome) {
    lines.push(`  validated    token received in ${outcome.elapsedMs} ms${outcome.token.expiresAt ? `, expires ${outcome.token.expiresAt.toISOString()}` : ''}`);
    for (const [claim, value] of Object.entries(keyClaims(claims))) lines.push(`  ${claim.padEnd(12)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  } else {
    lines.push(`  ${c.yellow('not validated')} (--no-validate): run tokenctl validate -p ${profile.name} when the credentials are live`);
  }
  io.stdout.write(`${lines.join('\n')}\n`);
}
