import { statSync } from 'node:fs';
import { FILE_LIMITS, readInputFile, readInputFileSync } from '../input-file.js';
import { arch, platform } from 'node:os';
import { CheckFailedError, CliError, Code, SecretStoreError } from '../errors.js';
import { checkConfig, checkKeychain, checkNetworkSettings, checkProfile, checkRuntime, type Check, type ProfileFacts } from '../doctor/checks.js';
import { CERTIFICATE_KEY_PASSWORD_ENV, CERTIFICATE_PASSWORD_ENV, loadCertificateFromSettings } from '../oauth/credential.js';
import { isUserGrant, relativePaths } from '../oauth/settings.js';
import { refreshTokenAccount } from '../profiles/accounts.js';
import { signInState } from '../profiles/refresh-token.js';
import { checkProfileName } from '../profiles/paths.js';
import { relativePathProblem } from '../profiles/relative-paths.js';
import type { Profile } from '../profiles/profile.js';
import type { ProfileListEntry } from '../profiles/repository.js';
import { EMPTY_SECRET_STORE, PASSPHRASE_ENV, type SecretStore } from '../secrets/store.js';
import { VERSION } from '../version.js';
import type { AppContext } from './context.js';
import { openRepository, openTokenCache } from './session.js';

export interface DoctorFlowOptions {
  /** Check only this profile. */
  profile: string | undefined;
  /** Also compare this machine's clock with each identity provider's. */
  online: boolean;
}

function readablePem(path: string): boolean {
  try {
    return readInputFileSync(path, FILE_LIMITS.caBundle).toString('utf8').includes('-----BEGIN CERTIFICATE-----');
  } catch {
    return false;
  }
}

function modeOf(path: string): number | undefined {
  try {
    return statSync(path).mode;
  } catch {
    return undefined;
  }
}

/** The keychain's state (answers, unavailable, locked, access denied), within its deadline and without any prompt. */
async function probeKeychain(keychain: SecretStore): Promise<{ backend: string; detail?: string; error?: SecretStoreError }> {
  const health = (await keychain.health?.()) ?? { state: 'ok', detail: 'answers' };
  return health.state === 'ok' ? { backend: keychain.backend, detail: health.detail } : { backend: keychain.backend, error: health.error };
}

/**
 * Why a stored secret command would not run: the profile file is not trusted, the line does not
 * split, or the program is not there. The command itself is not run: doctor fetches no secret.
 */
async function commandProblem(command: string, what: string, path: string, env: Record<string, string | undefined>): Promise<{ problem?: string; fix?: string }> {
  const { findProgram, splitCommandLine } = await import('../process/command-line.js');
  const { checkTrustedForCommands } = await import('../profiles/trust.js');
  try {
    await checkTrustedForCommands(path, what);
    const [program] = splitCommandLine(command, `the ${what}`) as [string];
    if (findProgram(program, env) === undefined) {
      return { problem: `${program} is not installed, or not on PATH`, fix: 'Install it, or save the command with the full path of its program.' };
    }
    return {};
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { problem: error.message, ...(error.hint ? { fix: error.hint } : {}) };
  }
}

/** The facts about one profile, each gathered without failing the whole report. */
async function profileFacts(profile: Profile, store: SecretStore | CliError, context: AppContext, online: boolean): Promise<ProfileFacts> {
  const facts: ProfileFacts = { profile, secrets: {} };
  const relative = relativePaths(profile.settings);
  if (relative.length > 0) facts.relativePaths = relativePathProblem(profile.name, relative, context.cwd);
  const values: Record<string, string> = {};
  const path = openRepository(context.layout).pathOf(profile.name);
  for (const [kind, command] of Object.entries(profile.secretCommands ?? {})) {
    const what = `${kind === 'clientSecret' ? 'client secret' : 'certificate password'} command of profile ${profile.name}`;
    facts.secrets[kind] = { state: 'command', command, ...(await commandProblem(command, what, path, context.env)) };
  }
  for (const [kind, account] of Object.entries(profile.secretAccounts)) {
    if (!account) continue;
    if (store instanceof SecretStoreError) {
      facts.secrets[kind] = { state: 'unreadable', code: store.code, detail: store.message, ...(store.hint ? { fix: store.hint } : {}) };
      continue;
    }
    if (store instanceof CliError) {
      facts.secrets[kind] = { state: 'unchecked', detail: store.message };
      continue;
    }
    try {
      const value = await store.get(account);
      facts.secrets[kind] = { state: value === null ? 'missing' : 'present' };
      if (value !== null) values[kind] = value;
    } catch (error) {
      if (!(error instanceof SecretStoreError)) throw error;
      facts.secrets[kind] = { state: 'unreadable', code: error.code, detail: error.message, ...(error.hint ? { fix: error.hint } : {}) };
    }
  }
  const passwordByCommand = profile.secretCommands?.certificatePassword !== undefined && context.env[CERTIFICATE_PASSWORD_ENV] === undefined;
  if (profile.credential === 'certificate' && profile.settings.certificatePath && passwordByCommand) {
    facts.certificate = { unchecked: 'its password comes from the profile\'s command, which doctor does not run', fix: `tokenctl validate -p ${profile.name} runs it and checks the certificate with the server` };
  } else if (profile.credential === 'certificate' && profile.settings.certificatePath) {
    try {
      const { assessCertificate } = await import('../oauth/certificate.js');
      const passwords = {
        password: context.env[CERTIFICATE_PASSWORD_ENV] ?? values.certificatePassword,
        keyPassword: context.env[CERTIFICATE_KEY_PASSWORD_ENV] ?? values.certificateKeyPassword,
      };
      const cert = await loadCertificateFromSettings(profile.settings, passwords, readInputFile);
      let warnings: string[];
      try {
        warnings = assessCertificate(cert, context.now(), profile.settings.thumbprint).warnings;
      } catch (error) {
        warnings = [(error as Error).message];
      }
      facts.certificate = { subject: cert.subject, notAfter: cert.notAfter, thumbprintSha1: cert.thumbprintSha1, thumbprintSha256: cert.thumbprintSha256, warnings };
    } catch (error) {
      facts.certificate = { error: (error as Error).message, fix: error instanceof CliError ? error.hint : undefined };
    }
  }
  if (isUserGrant(profile.settings)) facts.signIn = await signInFact(profile, store);
  const cached = await openTokenCache(context.layout, EMPTY_SECRET_STORE).peek(profile.name);
  facts.cachedTokenExpiresAt = cached?.expiresAt;
  if (online) facts.clockOffset = await clockOffset(profile, context);
  return facts;
}

/** Whether someone is signed in with a sign-in profile: its refresh token, where it belongs, since when. */
async function signInFact(profile: Profile, store: SecretStore | CliError): Promise<NonNullable<ProfileFacts['signIn']>> {
  if (store instanceof SecretStoreError) return { state: 'unreadable', detail: store.message, ...(store.hint ? { fix: store.hint } : {}) };
  if (store instanceof CliError) return { state: 'unchecked', detail: store.message };
  try {
    return signInState(await store.get(refreshTokenAccount(profile.name)), profile.settings);
  } catch (error) {
    if (!(error instanceof SecretStoreError)) throw error;
    return { state: 'unreadable', detail: error.message, ...(error.hint ? { fix: error.hint } : {}) };
  }
}

/** Compares the local clock with the Date header of the identity provider's metadata (or token endpoint). */
async function clockOffset(profile: Profile, context: AppContext): Promise<ProfileFacts['clockOffset']> {
  try {
    const { planEndpoint } = await import('../oauth/endpoint.js');
    const { exchange } = await import('../http/exchange.js');
    const { createDispatcher } = await import('../http/transport.js');
    const { loadExtraCaPems } = await import('../http/ca.js');
    const { parseProxyUrl } = await import('../http/url-policy.js');
    const plan = planEndpoint(profile.settings);
    const url = 'discover' in plan ? plan.issuerUrl : plan.tokenUrl;
    const dispatcher = createDispatcher({
      proxy: profile.settings.proxy ? parseProxyUrl(profile.settings.proxy) : undefined,
      extraCaPems: await loadExtraCaPems(profile.settings.caFile, context.env),
    });
    try {
      const sent = Date.now();
      const response = await exchange({ method: 'GET', url }, { dispatcher, signal: AbortSignal.timeout(10_000) });
      const local = (sent + Date.now()) / 2;
      const server = Date.parse(response.headers.date ?? '');
      if (Number.isNaN(server)) return { error: `${url.host} sent no Date header` };
      // The Date header has one-second resolution: offsets under a second are noise.
      return { seconds: Math.trunc((local - server) / 1000), host: url.host };
    } finally {
      await dispatcher.destroy();
    }
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export interface DoctorReport {
  checks: Check[];
  /** The first secret store that profiles need and cannot use: doctor then exits as other commands would. */
  storeFailure: { code: string; message: string; hint?: string | undefined } | undefined;
}

/** Every check doctor makes, each a fact with its status and fix; nothing here fails the run. */
export async function doctorChecks(options: DoctorFlowOptions, context: AppContext): Promise<DoctorReport> {
  const { layout } = context;
  const repo = openRepository(layout);
  // An unsafe profiles directory is one of the things doctor is run to find: reported, not thrown.
  let entries: ProfileListEntry[] = [];
  let listProblem: CliError | undefined;
  try {
    if (modeOf(layout.profilesDir) !== undefined) entries = await repo.list();
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    listProblem = error;
  }
  const wanted = options.profile === undefined ? undefined : checkProfileName(options.profile);
  const profiles = entries.flatMap((entry) => (entry.profile && (wanted === undefined || entry.name === wanted) ? [entry.profile] : []));
  // Exit 3 only when there is no such file at all; a broken one is in the report below.
  if (wanted !== undefined && !listProblem && !entries.some((entry) => entry.name === wanted)) await repo.read(wanted);

  // The one keychain store of the run: one that missed its deadline is not waited for again.
  const keychainStore = await context.openStore('keychain');
  const keychain = await probeKeychain(keychainStore);
  const checks: Check[] = [
    checkRuntime(VERSION, process.version, platform(), arch()),
    ...checkConfig({ root: layout.root, mode: modeOf(layout.root), profiles: entries.map((e) => ({ name: e.name, ...(e.problem ? { problem: e.problem.message } : {}) })), platform: process.platform }),
    ...(listProblem ? [{ area: 'config', status: 'problem' as const, detail: listProblem.message, ...(listProblem.hint ? { fix: listProblem.hint } : {}) }] : []),
    checkKeychain(keychain, profiles.some((p) => p.store === 'keychain')),
    ...checkNetworkSettings(context.env, readablePem),
  ];
  let storeFailure: DoctorReport['storeFailure'] = profiles.some((p) => p.store === 'keychain') ? keychain.error : undefined;
  for (const profile of profiles) {
    let store: SecretStore | CliError;
    if (profile.store === 'keychain' && keychain.error) store = keychain.error;
    else if (profile.store === 'file' && !context.env[PASSPHRASE_ENV]) store = new CheckFailedError(Code.NO_PASSPHRASE, `${PASSPHRASE_ENV} is not set, so the encrypted file store was not opened`);
    else store = await context.openStore(profile.store);
    const facts = await profileFacts(profile, store, context, options.online);
    const [unreadable] = Object.values(facts.secrets).flatMap((secret) => (secret.state === 'unreadable' ? [secret] : []));
    if (unreadable?.code && !storeFailure) storeFailure = { code: unreadable.code, message: unreadable.detail ?? '', hint: unreadable.fix };
    checks.push(...checkProfile(facts, context.now()));
  }
  return { checks, storeFailure };
}
