import { randomBytes } from 'node:crypto';
import { CheckFailedError, Code, UsageError } from '../errors.js';
import { parseEndpointUrl } from '../http/url-policy.js';
import { CERTIFICATE_KEY_PASSWORD_ENV, CERTIFICATE_PASSWORD_ENV, SECRET_ENV, loadCertificateFromSettings, readSecretFile, type SecretKind, stripTrailingNewline, type SecretSources } from '../oauth/credential.js';
import { checkTenant, planEndpoint } from '../oauth/endpoint.js';
import type { TokenOutcome } from '../oauth/engine.js';
import { buildTokenRequest } from '../oauth/request.js';
import { mergeSettings, type RequestSettings } from '../oauth/settings.js';
import { warn, type GlobalOptions, type Io } from '../output/io.js';
import { ask, canPrompt, secretReader } from '../output/prompts.js';
import { checkExpectations, keyClaims, mergeExpectations, tokenClaims, type ExpectationFailure, type Expectations } from '../profiles/expectations.js';
import { resolveProfileName } from '../profiles/paths.js';
import { PROFILE_SCHEMA_VERSION, type Profile } from '../profiles/profile.js';
import { cacheKeyAccount, openRepository, openTokenCache, profileCacheKey, storedSecretReader, toCache, withProfileWriteLock } from '../profiles/session.js';
import type { StoreKind } from '../choices.js';
import { openSecretStore } from '../secrets/open-store.js';
import type { SecretStore } from '../secrets/store.js';

export interface ConfigureOptions extends GlobalOptions {
  profile: string | undefined;
  settings: RequestSettings;
  secrets: SecretSources;
  store: StoreKind | undefined;
  validate: boolean;
  expectations: Expectations;
  /** YYYY-MM-DD or an ISO date: when the client secret expires. */
  secretExpires: string | undefined;
}

type Credential = Profile['credential'];

export function credentialKind(settings: RequestSettings): Credential {
  if (settings.certificatePath) return 'certificate';
  if (settings.clientAssertionFile) return 'federated';
  return 'secret';
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

/** Asks for what is missing, with the existing profile's values as defaults. Only on a terminal. */
type SecretValues = Partial<Record<SecretKind, string>>;

async function promptForMissing(settings: RequestSettings, existing: Profile | undefined, hasNewSecret: boolean): Promise<{ settings: RequestSettings } & SecretValues> {
  const result: { settings: RequestSettings } & SecretValues = { settings: { ...settings } };
  const s = result.settings;
  if (!s.tenant && !s.tokenUrl && !s.issuer) {
    const provider = await ask((p) =>
      p.select({ message: 'Identity provider', choices: [{ name: 'Microsoft Entra ID', value: 'entra' }, { name: 'Another OAuth 2.0 / OpenID server', value: 'generic' }] }),
    );
    if (provider === 'entra') {
      s.tenant = await ask((p) => p.input({ message: 'Tenant (Directory ID or domain, e.g. contoso.onmicrosoft.com)', validate: (v) => attempt(() => checkTenant(v)) }));
    } else {
      const url = await ask((p) => p.input({ message: 'Token URL, or the issuer URL to discover it', validate: (v) => attempt(() => parseEndpointUrl(v.trim(), 'the URL')) }));
      const kind = await ask((p) =>
        p.select({ message: 'That URL is', choices: [{ name: 'the token endpoint', value: 'token' }, { name: 'the issuer (discover the token endpoint)', value: 'issuer' }] }),
      );
      if (kind === 'token') s.tokenUrl = url.trim();
      else s.issuer = url.trim();
    }
  }
  if (!s.clientId) {
    s.clientId = await ask((p) => p.input({ message: 'Client ID', validate: (v) => (v.trim() ? true : 'The client ID must not be blank.') }));
    s.clientId = s.clientId.trim();
  }
  const isEntra = Boolean(s.tenant);
  if (isEntra && !s.resources?.length && !s.scopes?.length) {
    const resource = await ask((p) => p.input({ message: 'API to call (Application ID URI, e.g. api://…, or https://graph.microsoft.com)', validate: (v) => (v.trim() ? true : 'Entra ID needs the API the token is for.') }));
    s.resources = [resource.trim()];
  }
  if (credentialKind(s) === 'secret' && !hasNewSecret) {
    const keepStored = existing?.credential === 'secret' && existing.secretAccounts.clientSecret;
    const choice = keepStored
      ? 'secret'
      : await ask((p) => p.select({ message: 'The client proves itself with', choices: [{ name: 'a client secret', value: 'secret' }, { name: 'a certificate', value: 'certificate' }] }));
    if (choice === 'certificate') {
      s.certificatePath = (await ask((p) => p.input({ message: 'Certificate file (PEM or .pfx/.p12)', validate: (v) => (v.trim() ? true : 'Give a path.') }))).trim();
      const password = await ask((p) => p.password({ message: 'Certificate password (empty if none)', mask: '*' }));
      if (password) result.certificatePassword = password;
    } else {
      const secret = await ask((p) =>
        p.password({ message: keepStored ? 'Client secret (empty keeps the stored one)' : 'Client secret', mask: '*', validate: (v) => (keepStored || v.trim() ? true : 'The secret must not be blank.') }),
      );
      if (secret) result.clientSecret = secret;
    }
  }
  if (!isEntra && !s.scopes?.length && !existing) {
    const scopes = await ask((p) => p.input({ message: 'Scopes, space-separated (empty if the server needs none)' }));
    if (scopes.trim()) s.scopes = [scopes.trim()];
  }
  if (!isEntra && credentialKind(s) === 'secret' && !s.authMethod) {
    s.authMethod = await ask((p) =>
      p.select({
        message: 'Send the client secret',
        choices: [
          { name: 'with HTTP Basic authentication (client_secret_basic, the usual default)', value: 'client_secret_basic' as const },
          { name: 'in the request body (client_secret_post)', value: 'client_secret_post' as const },
        ],
      }),
    );
  }
  return result;
}

/** For inquirer's validate: true, or the error's message and hint. */
function attempt(check: () => unknown): true | string {
  try {
    check();
    return true;
  } catch (error) {
    return error instanceof UsageError ? `${error.message}${error.hint ? `. ${error.hint}` : ''}` : String(error);
  }
}

/** New secrets given on this run (never argv), read once. */
async function newSecrets(options: ConfigureOptions, io: Io): Promise<SecretValues> {
  const read = secretReader(io);
  const found: SecretValues = {};
  if (options.secrets.clientSecretStdin) found.clientSecret = stripTrailingNewline(await read('Client secret'));
  else if (options.secrets.clientSecretFile) {
    const { readFile } = await import('node:fs/promises');
    found.clientSecret = await readSecretFile(options.secrets.clientSecretFile, (path) => readFile(path));
  } else if (io.env[SECRET_ENV] !== undefined) found.clientSecret = stripTrailingNewline(io.env[SECRET_ENV]);
  if (options.secrets.certificatePasswordStdin) found.certificatePassword = stripTrailingNewline(await read('Certificate password'));
  else if (io.env[CERTIFICATE_PASSWORD_ENV] !== undefined) found.certificatePassword = io.env[CERTIFICATE_PASSWORD_ENV];
  if (io.env[CERTIFICATE_KEY_PASSWORD_ENV] !== undefined) found.certificateKeyPassword = io.env[CERTIFICATE_KEY_PASSWORD_ENV];
  return found;
}

/**
 * The same checks a live request would make, without sending it: for --no-validate, where the
 * values may rightly not work yet (seed: validation is not mandatory at design time).
 */
function checkLocally(settings: RequestSettings): string {
  const plan = planEndpoint(settings);
  const endpoint = 'discover' in plan ? { provider: 'generic' as const, tokenUrl: plan.issuerUrl, issuer: plan.issuer } : plan;
  const placeholder = credentialKind(settings) === 'secret' ? { kind: 'secret' as const, secret: 'unchecked', source: 'none' } : { kind: 'assertion-file' as const, path: '', source: 'none' };
  return buildTokenRequest(settings, endpoint, placeholder).authMethod;
}

const ACCOUNT_LABELS: Record<SecretKind, string> = { clientSecret: 'client-secret', certificatePassword: 'certificate-password', certificateKeyPassword: 'certificate-key-password' };
const newAccount = (profile: string, kind: string) => `${profile}:${kind}:${randomBytes(6).toString('hex')}`;

interface Summary {
  profile: Profile;
  authMethod: string;
  outcome: TokenOutcome | undefined;
  expectationFailures: ExpectationFailure[];
}

export async function configureCommand(options: ConfigureOptions, io: Io): Promise<void> {
  const name = resolveProfileName(options.profile, io.env);
  // Checked before anything is asked, sent or stored: a typo here must not leave secrets behind.
  const secretExpiresAt = options.secretExpires === undefined ? undefined : parseExpiryDate(options.secretExpires);
  const { layout, repo } = openRepository(io);
  const existing = await repo.tryRead(name);
  let settings = mergeSettings(options.settings, existing?.settings ?? {});
  const given = await newSecrets(options, io);
  if (canPrompt(io)) {
    const { settings: answered, ...answers } = await promptForMissing(settings, existing, given.clientSecret !== undefined);
    settings = answered;
    Object.assign(given, answers);
  }
  for (const value of Object.values(given)) if (value) io.scrubber.add(value, settings.clientId);
  const credential = credentialKind(settings);
  if (credential !== 'secret') delete given.clientSecret;
  if (credential !== 'certificate') {
    delete given.certificatePassword;
    delete given.certificateKeyPassword;
  }

  const storeKind = options.store ?? existing?.store ?? 'keychain';
  const store = await openSecretStore(storeKind, layout.secretsDir, io);
  const previousStore = existing && existing.store !== storeKind ? await openSecretStore(existing.store, layout.secretsDir, io) : store;
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
  const cache = openTokenCache(layout, store, storeKind, io.env);
  let summary: Summary;
  if (options.validate) {
    const { prepareTokenRequest, sendTokenRequest } = await import('../oauth/live-request.js');
    // The request must use exactly the secrets that will be saved, whatever else the environment holds.
    const requestIo: Io = { ...io, env: { ...io.env, [SECRET_ENV]: undefined, [CERTIFICATE_PASSWORD_ENV]: undefined, [CERTIFICATE_KEY_PASSWORD_ENV]: undefined } };
    const prepared = await prepareTokenRequest(settings, {}, requestIo, options.verbose, async (kind) => secrets[kind]);
    const outcome = await sendTokenRequest(prepared, io, { ...options, checkPermissions: true });
    const { failures } = checkExpectations(tokenClaims(outcome.token.accessToken), expectations);
    const entry = toCache(outcome.token, new Date(io.now().getTime() - outcome.elapsedMs));
    const profile = await withProfileWriteLock(layout, name, async () => {
      const saved = await save();
      try {
        if (entry) await cache.write(name, profileCacheKey(settings, credential), entry);
      } catch (error) {
        // The profile is saved; without a cached token the first `token -p` simply makes a request.
        warn(io, `could not cache the token: ${(error as Error).message}`);
      }
      return saved;
    });
    summary = { profile, authMethod: prepared.request.authMethod, outcome, expectationFailures: failures };
  } else {
    const authMethod = checkLocally(settings);
    if (credential === 'certificate') {
      // Not sent, but opened: a wrong password, a key that does not match, or an expired certificate is still refused.
      const { assessCertificate } = await import('../oauth/certificate.js');
      const { readFile } = await import('node:fs/promises');
      const certificate = await loadCertificateFromSettings(settings, { password: secrets.certificatePassword, keyPassword: secrets.certificateKeyPassword }, (path) => readFile(path));
      for (const warning of assessCertificate(certificate, io.now(), settings.thumbprint).warnings) warn(io, warning);
    }
    const profile = await withProfileWriteLock(layout, name, async () => {
      const saved = await save();
      await cache.delete(name);
      return saved;
    });
    summary = { profile, authMethod, outcome: undefined, expectationFailures: [] };
  }
  printSummary(summary, io, options.json);
  if (summary.expectationFailures.length) {
    throw new CheckFailedError(Code.EXPECTATION_FAILED, `profile ${name} was saved, but its token does not meet the expectations: ${summary.expectationFailures.map((failure) => failure.why).join('; ')}`, {
      hint: `Fix the app's permissions or the request (e.g. --resource), or change the expectation: tokenctl configure -p ${name} --expect-…`,
    });
  }

  /** Secrets first, under new accounts, then the profile that points at them, then the old accounts go. */
  async function save(): Promise<Profile> {
    const now = io.now().toISOString();
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

function printSummary({ profile, authMethod, outcome, expectationFailures }: Summary, io: Io, json: boolean): void {
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
      store: profile.store,
      token: outcome ? { expiresAt: outcome.token.expiresAt?.toISOString() ?? null, claims: keyClaims(claims) } : null,
      expectationFailures,
    };
    io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return;
  }
  const c = io.stdout.color;
  const lines = [`${c.green('saved')} profile ${c.bold(profile.name)} (${profile.credential === 'secret' ? 'client secret' : profile.credential}, secrets in the ${profile.store === 'keychain' ? 'OS keychain' : 'encrypted file store'})`, `  endpoint     ${endpoint}`, `  auth method  ${authMethod}`];
  if (outcome) {
    lines.push(`  validated    token received in ${outcome.elapsedMs} ms${outcome.token.expiresAt ? `, expires ${outcome.token.expiresAt.toISOString()}` : ''}`);
    for (const [claim, value] of Object.entries(keyClaims(claims))) lines.push(`  ${claim.padEnd(12)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  } else {
    lines.push(`  ${c.yellow('not validated')} (--no-validate): run tokenctl validate -p ${profile.name} when the credentials are live`);
  }
  io.stdout.write(`${lines.join('\n')}\n`);
}
