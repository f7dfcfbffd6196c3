import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { StoreKind } from '../choices.js';
import { Code, UsageError } from '../errors.js';
import { loadCertificateFromSettings, SECRET_ENV, type SecretKind, type SecretValues } from '../oauth/credential.js';
import { planEndpoint } from '../oauth/endpoint.js';
import type { TokenOutcome } from '../oauth/engine.js';
import { buildTokenRequest } from '../oauth/request.js';
import { credentialKind, mergeSettings, type RequestSettings } from '../oauth/settings.js';
import { checkExpectations, mergeExpectations, tokenClaims, type Expectations } from '../profiles/expectations.js';
import { resolveProfileName } from '../profiles/paths.js';
import { PROFILE_SCHEMA_VERSION, type Profile } from '../profiles/profile.js';
import type { SecretStore } from '../secrets/store.js';
import type { AppContext } from './context.js';
import { readGivenSecrets, type SecretSources } from './secret-sources.js';
import { cacheKeyAccount, openRepository, openTokenCache, profileCacheKey, storedSecretReader, toCache, withProfileWriteLock } from './session.js';

export interface ConfigureFlowOptions {
  profile: string | undefined;
  settings: RequestSettings;
  secrets: SecretSources;
  store: StoreKind | undefined;
  validate: boolean;
  expectations: Expectations;
  /** YYYY-MM-DD or an ISO date: when the client secret expires. */
  secretExpires: string | undefined;
}

/** Asks the user for what is missing (a terminal only): the settings completed, and any secrets typed. */
export type Interview = (settings: RequestSettings, existing: Profile | undefined, hasNewSecret: boolean) => Promise<{ settings: RequestSettings } & SecretValues>;

export interface ConfigureResult {
  profile: Profile;
  authMethod: string;
  /** The live request's outcome; undefined with --no-validate. */
  outcome: TokenOutcome | undefined;
  expectationFailures: string[];
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
 * The same checks a live request would make, without sending it: for --no-validate, where the
 * values may rightly not work yet (seed: validation is not mandatory at design time).
 */
function checkLocally(settings: RequestSettings): string {
  const plan = planEndpoint(settings);
  const endpoint = 'discover' in plan ? { provider: 'generic' as const, tokenUrl: plan.issuerUrl, issuer: plan.issuer } : plan;
  const placeholder = credentialKind(settings) === 'secret' ? { kind: 'secret' as const, secret: 'unchecked', source: 'none' } : { kind: 'federated' as const, path: '', source: 'none' };
  return buildTokenRequest(settings, endpoint, placeholder).authMethod;
}

const ACCOUNT_LABELS: Record<SecretKind, string> = { clientSecret: 'client-secret', certificatePassword: 'certificate-password', certificateKeyPassword: 'certificate-key-password' };
const newAccount = (profile: string, kind: string) => `${profile}:${kind}:${randomBytes(6).toString('hex')}`;

/**
 * Creates or updates a profile: only the values given change, a stored secret is kept unless a new
 * one is given, and unless --no-validate a live token request must succeed before anything is saved.
 */
export async function configureProfile(options: ConfigureFlowOptions, context: AppContext, interview?: Interview): Promise<ConfigureResult> {
  const name = resolveProfileName(options.profile, context.env);
  // Checked before anything is asked, sent or stored: a typo here must not leave secrets behind.
  const secretExpiresAt = options.secretExpires === undefined ? undefined : parseExpiryDate(options.secretExpires);
  const { layout } = context;
  const repo = openRepository(layout);
  const existing = await repo.tryRead(name);
  let settings = mergeSettings(options.settings, existing?.settings ?? {});
  const given: SecretValues = Object.fromEntries(
    Object.entries(await readGivenSecrets(options.secrets, { env: context.env, readSecret: context.readSecret, readFile: (path) => readFile(path) })).map(([kind, secret]) => [kind, secret.value]),
  );
  if (interview) {
    const { settings: answered, ...answers } = await interview(settings, existing, given.clientSecret !== undefined);
    settings = answered;
    Object.assign(given, answers);
  }
  for (const value of Object.values(given)) if (value) context.reporter.conceal(value, settings.clientId);
  const credential = credentialKind(settings);
  if (credential !== 'secret') delete given.clientSecret;
  if (credential !== 'certificate') {
    delete given.certificatePassword;
    delete given.certificateKeyPassword;
  }

  const storeKind = options.store ?? existing?.store ?? 'keychain';
  const store = await context.openStore(storeKind);
  const previousStore = existing && existing.store !== storeKind ? await context.openStore(existing.store) : store;
  // Secrets this run does not replace are kept (read from the old store if the store changes).
  const stored = existing && existing.credential === credential ? storedSecretReader(existing, previousStore) : undefined;
  const secrets: SecretValues = {
    clientSecret: given.clientSecret ?? (credential === 'secret' ? await stored?.('clientSecret') : undefined),
    certificatePassword: given.certificatePassword ?? (credential === 'certificate' ? await stored?.('certificatePassword') : undefined),
    certificateKeyPassword: given.certificateKeyPassword ?? (credential === 'certificate' ? await stored?.('certificateKeyPassword') : undefined),
  };
  // Where the token comes from is checked before anything else is asked of the user.
  planEndpoint(settings);
  if (credential === 'secret' && secrets.clientSecret === undefined) {
    throw new UsageError(Code.CREDENTIAL_MISSING, `profile ${name} needs a client secret`, {
      hint: `Give it with ${SECRET_ENV}, --client-secret-stdin or --client-secret-file; or use --certificate.`,
    });
  }

  const expectations = mergeExpectations(existing?.expectations ?? {}, options.expectations);
  const cache = openTokenCache(layout, store);
  if (options.validate) {
    const { prepareTokenRequest, sendTokenRequest } = await import('./token-request.js');
    // The request uses exactly the secrets that will be saved, whatever else the environment holds.
    const lookup = async (kind: SecretKind) => (secrets[kind] === undefined ? undefined : { value: secrets[kind], source: given[kind] === undefined ? 'the secret store' : 'this run' });
    const prepared = await prepareTokenRequest(settings, lookup, context);
    const outcome = await sendTokenRequest(prepared, context);
    const { failures } = checkExpectations(tokenClaims(outcome.token.accessToken), expectations);
    const entry = toCache(outcome.token, new Date(context.now().getTime() - outcome.elapsedMs));
    const profile = await withProfileWriteLock(layout, name, async () => {
      const saved = await save();
      try {
        if (entry) await cache.write(name, profileCacheKey(settings, credential), entry);
      } catch (error) {
        // The profile is saved; without a cached token the first `token -p` simply makes a request.
        context.reporter.warn(`could not cache the token: ${(error as Error).message}`);
      }
      return saved;
    });
    return { profile, authMethod: prepared.request.authMethod, outcome, expectationFailures: failures };
  }
  const authMethod = checkLocally(settings);
  if (credential === 'certificate') {
    // Not sent, but opened: a wrong password, a key that does not match, or an expired certificate is still refused.
    const { assessCertificate } = await import('../oauth/certificate.js');
    const certificate = await loadCertificateFromSettings(settings, { password: secrets.certificatePassword, keyPassword: secrets.certificateKeyPassword }, (path) => readFile(path));
    for (const warning of assessCertificate(certificate, context.now(), settings.thumbprint).warnings) context.reporter.warn(warning);
  }
  const profile = await withProfileWriteLock(layout, name, async () => {
    const saved = await save();
    await cache.delete(name);
    return saved;
  });
  return { profile, authMethod, outcome: undefined, expectationFailures: [] };

  /** Secrets first, under new accounts, then the profile that points at them, then the old accounts go. */
  async function save(): Promise<Profile> {
    const now = context.now().toISOString();
    const accounts: Profile['secretAccounts'] = {};
    for (const kind of ['clientSecret', 'certificatePassword', 'certificateKeyPassword'] as const) {
      const value = secrets[kind];
      if (value === undefined) continue;
      const unchanged = given[kind] === undefined && existing?.store === storeKind ? existing.secretAccounts[kind] : undefined;
      accounts[kind] = unchanged ?? newAccount(name, ACCOUNT_LABELS[kind]);
      if (!unchanged) await store.set(accounts[kind], value);
    }
    const keepExpiry = existing?.secretExpiresAt && credential === 'secret' && given.clientSecret === undefined;
    const profile: Profile = {
      schemaVersion: PROFILE_SCHEMA_VERSION,
      name,
      provider: settings.tenant ? 'entra' : 'generic',
      settings,
      store: storeKind,
      credential,
      secretAccounts: accounts,
      expectations,
      ...(secretExpiresAt ? { secretExpiresAt } : keepExpiry ? { secretExpiresAt: existing.secretExpiresAt } : {}),
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      ...(options.validate ? { lastValidatedAt: now } : existing?.lastValidatedAt ? { lastValidatedAt: existing.lastValidatedAt } : {}),
    };
    await repo.write(profile);
    await removeReplaced(existing, profile, previousStore, store);
    return profile;
  }
}

/** Deletes secrets the new profile no longer points at; an entry already gone is fine. */
async function removeReplaced(existing: Profile | undefined, profile: Profile, previousStore: SecretStore, store: SecretStore): Promise<void> {
  if (!existing) return;
  const kept = new Set(Object.values(profile.secretAccounts));
  for (const account of Object.values(existing.secretAccounts)) {
    if (account && (previousStore !== store || !kept.has(account))) await previousStore.delete(account);
  }
  if (previousStore !== store) await previousStore.delete(cacheKeyAccount(existing.name));
}
