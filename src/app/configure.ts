import { readInputFile } from '../input-file.js';
import type { CredentialKind, StoreKind } from '../choices.js';
import { CliError, Code, InterruptedError, SecretStoreError, UsageError } from '../errors.js';
import { loadCertificateFromSettings, SECRET_ENV, type SecretKind, type SecretValues } from '../oauth/credential.js';
import { planEndpoint } from '../oauth/endpoint.js';
import type { TokenOutcome } from '../oauth/engine.js';
import { buildTokenRequest } from '../oauth/request.js';
import { credentialKind, isUserGrant, mergeSettings, relativePaths, withAbsolutePaths, type RequestSettings } from '../oauth/settings.js';
import { checkExpectations, mergeExpectations, tokenClaims, type ExpectationFailure, type Expectations } from '../profiles/expectations.js';
import { cacheKeyAccount, nextSecretAccount, refreshTokenAccount, SECRET_KINDS, secretSlots } from '../profiles/accounts.js';
import { signInOwnerChanged } from '../profiles/refresh-token.js';
import { resolveProfileName } from '../profiles/paths.js';
import { relativePathProblem } from '../profiles/relative-paths.js';
import { PROFILE_SCHEMA_VERSION, type Profile } from '../profiles/profile.js';
import type { SecretStore } from '../secrets/store.js';
import type { AppContext } from './context.js';
import { COMMAND_FLAGS, COMMAND_KINDS, commandRunner, givenCommands, profileSecrets, readGivenSecrets, secretReaders, type CommandKind, type SecretSources } from './secret-sources.js';
import type { CachedToken } from '../cache/token-cache.js';
import { openRepository, openTokenCache, profileCacheKey, storedSecretReader, toCache, withProfileWriteLock } from './session.js';

export interface ConfigureFlowOptions {
  profile: string | undefined;
  /** --public-client: a sign-in profile whose client has no secret (auth method none). */
  publicClient?: boolean | undefined;
  settings: RequestSettings;
  secrets: SecretSources;
  store: StoreKind | undefined;
  validate: boolean;
  expectations: Expectations;
  /** YYYY-MM-DD or an ISO date: when the client secret expires. */
  secretExpires: string | undefined;
}

/** The settings as answered, and any secrets typed. */
export type Answers = { settings: RequestSettings } & SecretValues;

/** The questions of an interactive configure (a terminal only); the flow decides when each is asked. */
export interface Interviewer {
  /** Before any other question: the keychain cannot be used. True keeps the secrets in the encrypted file store instead. */
  offerFileStore(problem: SecretStoreError): Promise<boolean>;
  /**
   * What is missing; with `review` (configure -p on an existing profile, nothing else given) every
   * value, the current one as default. `canKeepSecret`: an empty secret answer keeps the stored one.
   */
  interview(settings: RequestSettings, existing: Profile | undefined, options: { hasNewSecret: boolean; review: boolean; canKeepSecret: boolean }): Promise<Answers>;
  /** The live validation failed with `failure`: one value asked again (the rest kept), or undefined to give up. */
  fix(failure: CliError, settings: RequestSettings, canKeepSecret: boolean): Promise<Answers | undefined>;
}

export interface ConfigureResult {
  profile: Profile;
  authMethod: string;
  /** The live request's outcome; undefined with --no-validate. */
  outcome: TokenOutcome | undefined;
  expectationFailures: ExpectationFailure[];
}

// ISO 8601 only: Date's lenient parser reads "5" as 2001-01-01 and rolls 2027-02-30 over to March.
const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

export function parseExpiryDate(value: string): string {
  const day = ISO_DATE.exec(value)?.[1];
  const date = new Date(day === value ? `${value}T00:00:00Z` : value);
  if (day === undefined || Number.isNaN(date.getTime()) || new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day) {
    throw new UsageError(Code.DATE_INVALID, `--secret-expires must be a date such as 2027-03-31, not ${JSON.stringify(value)}`, {
      hint: 'Entra ID shows a secret\'s expiry under Certificates & secrets.',
    });
  }
  return date.toISOString();
}


/**
 * Who a client is on a user sign-in: public (no secret, auth method none) when asked for, or when no
 * credential is given or kept; a secret given later makes it confidential again. Client credentials
 * always need a credential.
 */
function signInCredential(settings: RequestSettings, existing: Profile | undefined, newSecret: boolean, publicClient: boolean | undefined): RequestSettings {
  if (!isUserGrant(settings)) {
    if (settings.authMethod === 'none' || publicClient) {
      throw new UsageError(Code.PUBLIC_CLIENT_CREDENTIALS, 'the client-credentials grant needs a client credential: a public client cannot use it', {
        hint: 'Give a secret or certificate, or make it a sign-in profile with --grant authorization_code (or device_code).',
      });
    }
    return settings;
  }
  if (publicClient) {
    if (newSecret || settings.certificatePath || settings.clientAssertionFile) {
      throw new UsageError(Code.CONFLICTING_OPTIONS, '--public-client means no client credential, but one was given', { hint: 'Leave out the secret or certificate, or --public-client.' });
    }
    return { ...settings, authMethod: 'none' };
  }
  const hasCredential = newSecret || settings.certificatePath || settings.clientAssertionFile || (existing?.credential === 'secret' && (existing.secretAccounts.clientSecret || existing.secretCommands?.clientSecret));
  if (settings.authMethod === 'none' && (newSecret || settings.certificatePath)) {
    const confidential = { ...settings };
    delete confidential.authMethod;
    return confidential;
  }
  return hasCredential ? settings : { ...settings, authMethod: 'none' };
}

/**
 * The same checks a live request would make, without sending it: for --no-validate, where the
 * values may rightly not work yet (seed: validation is not mandatory at design time).
 */
function checkLocally(settings: RequestSettings): string {
  const plan = planEndpoint(settings);
  const endpoint = 'discover' in plan ? { provider: 'generic' as const, tokenUrl: plan.issuerUrl, issuer: plan.issuer } : plan;
  const kind = credentialKind(settings);
  const placeholder =
    kind === 'secret' ? { kind: 'secret' as const, secret: 'unchecked', source: 'none' } : kind === 'none' ? { kind: 'none' as const, source: 'none' } : { kind: 'federated' as const, path: '', source: 'none' };
  // A sign-in profile's scopes are a user's (openid, User.Read…), not the one RESOURCE/.default of client credentials.
  return buildTokenRequest(settings, endpoint, placeholder, isUserGrant(settings) ? { kind: 'refresh_token', form: [] } : undefined).authMethod;
}

/** The secrets each kind of credential keeps in the store. */
const SECRETS_OF: Record<CredentialKind, readonly SecretKind[]> = { secret: ['clientSecret'], certificate: ['certificatePassword', 'certificateKeyPassword'], federated: [], none: [] };

type SecretCommands = NonNullable<Profile['secretCommands']>;

/**
 * The secret commands a profile of this credential keeps: a command given now replaces the secret (or
 * command) of its kind; a secret given any other way replaces the command; else `base`'s is kept.
 */
function commandsToKeep(credential: CredentialKind, base: Profile | undefined, newCommands: SecretCommands, given: SecretValues): SecretCommands {
  const commands: SecretCommands = {};
  for (const kind of COMMAND_KINDS) {
    if (!SECRETS_OF[credential].includes(kind)) continue;
    const kept = base?.credential === credential && given[kind] === undefined ? base.secretCommands?.[kind] : undefined;
    const command = newCommands[kind] ?? kept;
    if (command !== undefined) commands[kind] = command;
  }
  return commands;
}

const hasCommand = (commands: SecretCommands, kind: SecretKind): boolean => (commands as Partial<Record<SecretKind, string>>)[kind] !== undefined;

/**
 * A command to save: it must split into words, and name its program by name (found on PATH) or by
 * full path, since the profile is used from other directories (cron, CI).
 */
async function checkCommandToSave(command: string, kind: CommandKind): Promise<void> {
  const { splitCommandLine } = await import('../process/command-line.js');
  const [program] = splitCommandLine(command, COMMAND_FLAGS[kind]) as [string];
  if (program.includes('/') && !program.startsWith('/')) {
    throw new UsageError(Code.SECRET_COMMAND_INVALID, `${COMMAND_FLAGS[kind]} names its program by a relative path (${JSON.stringify(program)}), which depends on the directory tokenctl runs in`, {
      hint: 'Give the program by its full path, or by its name alone if it is on PATH.',
    });
  }
}

/** The settings `after` sets differently from `before`: what this run changes. */
function changedSettings(before: RequestSettings, after: RequestSettings): RequestSettings {
  const changed = Object.entries(after).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(before[key as keyof RequestSettings]));
  return Object.fromEntries(changed) as RequestSettings;
}

/**
 * Creates or updates a profile: only the values given change, a stored secret is kept unless a new
 * one is given, and unless --no-validate a live token request must succeed before anything is saved.
 * The save itself reads the profile again under its lock and applies this run's changes to what it
 * finds, so two configure runs at once both take effect and never leave a profile naming a secret
 * the other one deleted.
 */
export async function configureProfile(options: ConfigureFlowOptions, context: AppContext, interviewer?: Interviewer): Promise<ConfigureResult> {
  const name = resolveProfileName(options.profile, context.env);
  // Checked before anything is asked, sent or stored: a typo here must not leave secrets behind.
  const secretExpiresAt = options.secretExpires === undefined ? undefined : parseExpiryDate(options.secretExpires);
  const { layout, reporter } = context;
  const repo = openRepository(layout);
  const existing = await repo.tryRead(name);

  // The store is checked before the first question: answers are never asked for, then lost to a
  // keychain that cannot take the secret. For a new profile a person at a terminal may choose the
  // file store instead; a profile whose secrets are in the keychain needs the keychain back first.
  let storeKind = options.store ?? existing?.store ?? 'keychain';
  if (interviewer && storeKind === 'keychain') {
    const health = await (await context.openStore('keychain')).health?.();
    if (health && health.state !== 'ok') {
      if (options.store === 'keychain' || existing?.store === 'keychain' || !(await interviewer.offerFileStore(health.error))) throw health.error;
      storeKind = 'file';
      await (await context.openStore('file')).prepare?.();
    }
  }

  // Paths given now are saved absolute: the profile is used from cron, CI and other directories.
  let settings = mergeSettings(withAbsolutePaths(options.settings, context.cwd), existing?.settings ?? {});
  const newCommands = givenCommands(options.secrets);
  for (const [kind, command] of Object.entries(newCommands)) await checkCommandToSave(command, kind as CommandKind);
  // With --no-validate a client secret command is saved, not run: its secret manager may not be reachable from here yet.
  const sources = options.validate ? options.secrets : { ...options.secrets, clientSecretCommand: undefined };
  const given: SecretValues = Object.fromEntries(Object.entries(await readGivenSecrets(sources, secretReaders(context, settings))).map(([kind, secret]) => [kind, secret.value]));
  if (!options.validate && newCommands.clientSecret !== undefined) delete given.clientSecret;
  const newSecret = () => given.clientSecret !== undefined || newCommands.clientSecret !== undefined;
  const canKeepSecret = Boolean(existing?.secretAccounts.clientSecret || existing?.secretCommands?.clientSecret);
  const applyAnswers = ({ settings: answered, ...answers }: Answers) => {
    settings = { ...answered, ...withAbsolutePaths(changedSettings(settings, answered), context.cwd) };
    Object.assign(given, answers);
  };
  if (interviewer) {
    const review = existing !== undefined && Object.values(options.settings).every((value) => value === undefined);
    applyAnswers(await interviewer.interview(settings, existing, { hasNewSecret: newSecret(), review, canKeepSecret }));
  }

  const store = await context.openStore(storeKind);
  const previousStore = existing && existing.store !== storeKind ? await context.openStore(existing.store) : store;

  /** The credential and the secrets to save, from what was given (or answered) and what is stored. */
  const resolveSecrets = async () => {
    for (const value of Object.values(given)) if (value) reporter.conceal(value, settings.clientId);
    settings = signInCredential(settings, existing, newSecret(), options.publicClient);
    const credential = credentialKind(settings);
    for (const kind of SECRET_KINDS) if (!SECRETS_OF[credential].includes(kind)) delete given[kind];
    const commands = commandsToKeep(credential, existing, newCommands, given);
    // A client secret command kept with --no-validate is not run; a certificate password is needed to open the certificate.
    const needed = (kind: SecretKind) => options.validate || kind !== 'clientSecret' || !hasCommand(commands, kind);
    const run = commandRunner(context, settings);
    // Secrets this run does not replace are kept (read from the old store if the store changes, or
    // by the profile's command). The profile is read again if another configure replaced a secret since it was read.
    const values: SecretValues = {};
    for (let attempt = 1, source = existing; ; attempt++) {
      const stored = source && source.credential === credential ? profileSecrets(source, previousStore, { path: repo.pathOf(name), run }) : undefined;
      try {
        for (const kind of SECRETS_OF[credential]) {
          const value = given[kind] ?? (needed(kind) ? (await stored?.(kind))?.value : undefined);
          if (value !== undefined) values[kind] = value;
        }
        break;
      } catch (error) {
        if (!(error instanceof SecretStoreError) || error.code !== Code.SECRET_MISSING.code || attempt >= 3) throw error;
        const again = await repo.tryRead(name);
        if (JSON.stringify(again?.secretAccounts) === JSON.stringify(source?.secretAccounts)) throw error;
        source = again;
      }
    }
    // Where the token comes from is checked before anything else is asked of the user.
    planEndpoint(settings);
    if (credential === 'secret' && values.clientSecret === undefined && commands.clientSecret === undefined) {
      throw new UsageError(Code.CREDENTIAL_MISSING, `profile ${name} needs a client secret`, {
        hint: `Give it with ${SECRET_ENV}, --client-secret-stdin, --client-secret-file or --client-secret-command; or use --certificate.`,
      });
    }
    // A relative path kept from a profile an older tokenctl saved: it must be given again, in full.
    const relative = relativePaths(settings);
    if (relative.length > 0) {
      const { message, fix } = relativePathProblem(name, relative, context.cwd);
      throw new UsageError(Code.PROFILE_RELATIVE_PATH, message, { hint: fix });
    }
    return { credential, values };
  };
  let { credential, values: secrets } = await resolveSecrets();

  const expectations = mergeExpectations(existing?.expectations ?? {}, options.expectations);
  if (options.validate && isUserGrant(settings)) {
    // No token without a user: what can be checked now is that the server has the endpoints the grant needs.
    const { checkSignInEndpoints } = await import('./login.js');
    await checkSignInEndpoints(settings, context);
  }
  if (options.validate && !isUserGrant(settings)) {
    const { prepareTokenRequest, sendTokenRequest } = await import('./token-request.js');
    for (;;) {
      let attempt;
      try {
        // The request uses exactly the secrets that will be saved, whatever else the environment holds.
        const lookup = async (kind: SecretKind) => (secrets[kind] === undefined ? undefined : { value: secrets[kind], source: given[kind] === undefined ? 'the secret store' : 'this run' });
        const prepared = await prepareTokenRequest(settings, lookup, context);
        attempt = { prepared, outcome: await sendTokenRequest(prepared, context, { checkPermissions: true }) };
      } catch (error) {
        // At a terminal, a failed validation is a question, not the end: every answer is kept and
        // the user changes the value that was wrong. A store or Ctrl-C ends the run as always.
        if (!interviewer || !(error instanceof CliError) || error instanceof SecretStoreError || error instanceof InterruptedError) throw error;
        const change = await interviewer.fix(error, settings, canKeepSecret && given.clientSecret === undefined);
        if (!change) throw new InterruptedError(Code.INTERRUPTED, `nothing was saved: profile ${name} did not validate`, { hint: error.hint ?? `Run tokenctl configure -p ${name} again, or with --no-validate to save values that do not work yet.` });
        applyAnswers(change);
        ({ credential, values: secrets } = await resolveSecrets());
        continue;
      }
      const { prepared, outcome } = attempt;
      const plan: SavePlan = { name, existing, settings, credential, expectations, given, newCommands, secrets, storeKind, store, secretExpiresAt, validate: options.validate, flagExpectations: options.expectations };
      const { failures } = checkExpectations(tokenClaims(outcome.token.accessToken), expectations);
      const entry = toCache(outcome.token, new Date(context.now().getTime() - outcome.elapsedMs), secrets.clientSecret);
      const profile = await withProfileWriteLock(layout, name, () => save(plan, context, entry), context.env);
      return { profile, authMethod: prepared.request.authMethod, outcome, expectationFailures: failures };
    }
  }
  const plan: SavePlan = { name, existing, settings, credential, expectations, given, newCommands, secrets, storeKind, store, secretExpiresAt, validate: options.validate, flagExpectations: options.expectations };
  const authMethod = checkLocally(settings);
  if (credential === 'certificate') {
    // Not sent, but opened: a wrong password, a key that does not match, or an expired certificate is still refused.
    const { assessCertificate } = await import('../oauth/certificate.js');
    const certificate = await loadCertificateFromSettings(settings, { password: secrets.certificatePassword, keyPassword: secrets.certificateKeyPassword }, readInputFile);
    for (const warning of assessCertificate(certificate, context.now(), settings.thumbprint).warnings) reporter.warn(warning);
  }
  const profile = await withProfileWriteLock(layout, name, () => save(plan, context, undefined), context.env);
  return { profile, authMethod, outcome: undefined, expectationFailures: [] };
}

/** What a configure run decided, before it saves. */
interface SavePlan {
  name: string;
  /** The profile as it was when this run started. */
  existing: Profile | undefined;
  settings: RequestSettings;
  credential: CredentialKind;
  expectations: Expectations;
  flagExpectations: Expectations;
  /** Secrets given on this run. */
  given: SecretValues;
  /** Secret commands given on this run. */
  newCommands: SecretCommands;
  /** The secrets the settings were validated with (given, or read from the existing profile). */
  secrets: SecretValues;
  storeKind: StoreKind;
  store: SecretStore;
  secretExpiresAt: string | undefined;
  validate: boolean;
}

/**
 * Saves under the profile's lock, from the profile as it is now: new secrets first, each into the
 * slot the profile does not use, then the profile file that points at them, then whatever the old
 * profile (or a crash) left in the other slots. `entry` is the validated token, cached only when the
 * saved profile is exactly what was validated.
 */
async function save(plan: SavePlan, context: AppContext, entry: CachedToken | undefined): Promise<Profile> {
  const { name, existing, given, storeKind, store } = plan;
  const repo = openRepository(context.layout);
  const current = await repo.tryRead(name);
  // Another configure (or validate) saved the profile since this run read it: apply this run's
  // changes on top of that, so neither run's changes are lost.
  const changedMeanwhile = JSON.stringify(current ?? null) !== JSON.stringify(existing ?? null);
  const settings = changedMeanwhile ? mergeSettings(changedSettings(existing?.settings ?? {}, plan.settings), current?.settings ?? {}) : plan.settings;
  const expectations = changedMeanwhile ? mergeExpectations(current?.expectations ?? {}, plan.flagExpectations) : plan.expectations;
  const credential = credentialKind(settings);
  const baseStore = current && current.store !== storeKind ? await context.openStore(current.store) : store;
  const keeps = current !== undefined && current.credential === credential;

  const commands = commandsToKeep(credential, current, plan.newCommands, given);
  const accounts: Profile['secretAccounts'] = {};
  for (const kind of SECRETS_OF[credential]) {
    // A secret a command supplies is never stored: the profile records the command instead.
    if (hasCommand(commands, kind)) continue;
    const kept = keeps ? current.secretAccounts[kind] : undefined;
    if (given[kind] === undefined && kept !== undefined && baseStore === store) {
      accounts[kind] = kept;
      continue;
    }
    // A new secret; or the current one moving to another store; or, when the profile was changed
    // meanwhile into something this run did not read, the secret this run was given or validated.
    const value = given[kind] ?? (kept !== undefined ? await storedSecretReader(current as Profile, baseStore)(kind) : plan.secrets[kind]);
    if (value === undefined) continue;
    accounts[kind] = nextSecretAccount(name, kind, baseStore === store ? current?.secretAccounts[kind] : undefined);
    await store.set(accounts[kind], value);
  }
  if (credential === 'secret' && accounts.clientSecret === undefined && commands.clientSecret === undefined) {
    throw new UsageError(Code.CREDENTIAL_MISSING, `profile ${name} needs a client secret`, { hint: `Give it with ${SECRET_ENV}, --client-secret-stdin, --client-secret-file or --client-secret-command.` });
  }

  // A sign-in profile's configure checks its endpoints only: validated means a token was obtained.
  const validated = plan.validate && !changedMeanwhile && !isUserGrant(settings);
  if (changedMeanwhile) {
    context.reporter.warn(`profile ${name} was saved by another tokenctl while this one ran: this run's changes are saved on top of it${plan.validate ? `, unvalidated: check the result with tokenctl validate -p ${name}` : ''}`);
  }
  const now = context.now().toISOString();
  const keepExpiry = current?.secretExpiresAt && credential === 'secret' && given.clientSecret === undefined;
  const profile: Profile = {
    schemaVersion: PROFILE_SCHEMA_VERSION,
    name,
    provider: settings.tenant ? 'entra' : 'generic',
    settings,
    store: storeKind,
    credential,
    secretAccounts: accounts,
    ...(Object.keys(commands).length > 0 ? { secretCommands: commands } : {}),
    expectations,
    ...(plan.secretExpiresAt ? { secretExpiresAt: plan.secretExpiresAt } : keepExpiry ? { secretExpiresAt: current.secretExpiresAt } : {}),
    createdAt: current?.createdAt ?? now,
    updatedAt: now,
    ...(validated ? { lastValidatedAt: now } : current?.lastValidatedAt ? { lastValidatedAt: current.lastValidatedAt } : {}),
  };
  await repo.write(profile);

  // Only now, with the profile pointing at its new accounts, do the old ones go. (A slot a crashed
  // run filled is overwritten by the next secret of its kind, and cleared by remove.)
  const inUse = new Set(Object.values(profile.secretAccounts));
  const named = Object.values(current?.secretAccounts ?? {});
  if (baseStore === store) for (const account of named) if (!inUse.has(account)) await store.delete(account);
  const signInEnds = await forgetSignInIfMoved(name, current, settings, { baseStore, store }, context);
  const signInAccounts = current && isUserGrant(current.settings) ? [refreshTokenAccount(name)] : [];
  if (baseStore !== store) for (const account of new Set([...secretSlots(name), ...named, cacheKeyAccount(name), ...signInAccounts])) await baseStore.delete(account);

  const cache = openTokenCache(context.layout, store, storeKind, context.env);
  // Unvalidated values, or a sign-in that ended: no cached token may outlive them.
  if (!plan.validate || signInEnds) await cache.delete(name);
  if (validated && entry) {
    try {
      await cache.write(name, profileCacheKey(settings, credential), entry);
    } catch (error) {
      // The profile is saved; without a cached token the first `token -p` simply makes a request.
      context.reporter.warn(`could not cache the token: ${(error as Error).message}`);
    }
  }
  return profile;
}

/**
 * A sign-in's refresh token belongs to one server and client. When this configure points a sign-in
 * profile elsewhere (issuer, endpoints, tenant, authority, client ID, grant), the sign-in is over:
 * its refresh token is deleted, and the caller drops the cached tokens. A new sign-in profile clears
 * one a remove may have left behind. Otherwise a refresh token follows the profile to a new store.
 * Returns whether an existing sign-in ended. Client-credentials profiles have none: nothing is asked
 * of their store.
 */
async function forgetSignInIfMoved(name: string, current: Profile | undefined, settings: RequestSettings, stores: { baseStore: SecretStore; store: SecretStore }, context: AppContext): Promise<boolean> {
  if (!isUserGrant(settings) && !(current && isUserGrant(current.settings))) return false;
  const { baseStore, store } = stores;
  const account = refreshTokenAccount(name);
  if (current === undefined) {
    await store.delete(account);
    return false;
  }
  if (signInOwnerChanged(current.settings, settings)) {
    const had = (await baseStore.delete(account)) || (baseStore !== store && (await store.delete(account)));
    if (had) context.reporter.warn(`profile ${name} now points at another server, client or grant: its sign-in is over and its tokens are forgotten; sign in again with tokenctl login -p ${name}`);
    return true;
  }
  if (baseStore !== store) {
    const refreshToken = await baseStore.get(account);
    if (refreshToken !== null) await store.set(account, refreshToken);
  }
  return false;
}
