import type { Profile } from '../profiles/profile.js';
import type { SignInState } from '../profiles/refresh-token.js';
import { secretExpiryNotice } from '../profiles/secret-expiry.js';

export type Status = 'ok' | 'warning' | 'problem';

export interface Check {
  /** What is checked: "node", "config", "keychain", "network", or "profile NAME". */
  area: string;
  status: Status;
  detail: string;
  fix?: string;
}

const MIN_NODE = [20, 18, 1] as const;
const DAY_MS = 86_400_000;
const ALLOWED_SKEW_SECONDS = 60;

export function checkRuntime(version: string, nodeVersion: string, platform: string, arch: string): Check {
  const parts = nodeVersion.replace(/^v/, '').split('.').map(Number);
  const index = MIN_NODE.findIndex((min, i) => (parts[i] ?? 0) !== min);
  const tooOld = index !== -1 && (parts[index] ?? 0) < (MIN_NODE[index] ?? 0);
  const detail = `tokenctl ${version} on node ${nodeVersion}, ${platform} ${arch}`;
  return tooOld
    ? { area: 'runtime', status: 'problem', detail, fix: `Install Node.js ${MIN_NODE.join('.')} or newer.` }
    : { area: 'runtime', status: 'ok', detail };
}

export interface ConfigFacts {
  root: string;
  /** undefined when the directory does not exist yet. */
  mode: number | undefined;
  profiles: Array<{ name: string; problem?: string }>;
  platform: string;
}

export function checkConfig(facts: ConfigFacts): Check[] {
  if (facts.mode === undefined) {
    return [{ area: 'config', status: 'ok', detail: `config dir ${facts.root} does not exist yet (no profiles)`, fix: 'Create a profile with: tokenctl configure -p NAME' }];
  }
  const checks: Check[] = [];
  const broken = facts.profiles.filter((p) => p.problem);
  const mode = `0${(facts.mode & 0o777).toString(8)}`;
  const open = facts.platform !== 'win32' && (facts.mode & 0o077) !== 0;
  checks.push({
    area: 'config',
    status: open ? 'problem' : 'ok',
    detail: `config dir ${facts.root} (${mode}), ${facts.profiles.length} profile${facts.profiles.length === 1 ? '' : 's'}`,
    ...(open ? { fix: `chmod 700 '${facts.root}': other users can read it` } : {}),
  });
  for (const profile of broken) checks.push({ area: 'config', status: 'problem', detail: `profile file ${profile.name}: ${profile.problem}` });
  return checks;
}

export function checkKeychain(result: { backend: string; detail?: string | undefined; error?: { message: string; hint?: string | undefined } }, usedByProfiles: boolean): Check {
  if (!result.error) return { area: 'keychain', status: 'ok', detail: `${result.backend} ${result.detail ?? 'answers'}` };
  return {
    area: 'keychain',
    // Without profiles that need it, a missing keychain only matters for the next `configure`.
    status: usedByProfiles ? 'problem' : 'warning',
    detail: `${result.backend}: ${result.error.message}`,
    ...(result.error.hint ? { fix: result.error.hint } : {}),
  };
}

/** A proxy URL may carry credentials: only its scheme, host and port are shown. */
export function describeProxy(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.username ? '***@' : ''}${url.host}`;
  } catch {
    return '(unparseable URL)';
  }
}

export function checkNetworkSettings(env: Record<string, string | undefined>, caFileReadable: (path: string) => boolean): Check[] {
  const checks: Check[] = [];
  const proxies = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].filter((name) => env[name]);
  if (proxies.length === 0) checks.push({ area: 'network', status: 'ok', detail: 'no proxy set (HTTPS_PROXY, HTTP_PROXY): direct connections' });
  for (const name of proxies) {
    const noProxy = env.NO_PROXY ?? env.no_proxy;
    checks.push({ area: 'network', status: 'ok', detail: `${name}=${describeProxy(env[name] as string)}${noProxy ? `, NO_PROXY=${noProxy}` : ''}` });
  }
  if (env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
    checks.push({
      area: 'network',
      status: 'problem',
      detail: 'NODE_TLS_REJECT_UNAUTHORIZED=0 is set: it turns certificate checking off for other Node.js tools (tokenctl ignores it and always verifies)',
      fix: 'Unset NODE_TLS_REJECT_UNAUTHORIZED; to trust a private CA or a TLS-inspecting proxy, give its PEM with --ca-file or NODE_EXTRA_CA_CERTS.',
    });
  }
  const extraCa = env.NODE_EXTRA_CA_CERTS;
  if (extraCa) {
    checks.push(
      caFileReadable(extraCa)
        ? { area: 'network', status: 'ok', detail: `NODE_EXTRA_CA_CERTS=${extraCa} is trusted as well as the bundled CAs` }
        : { area: 'network', status: 'problem', detail: `NODE_EXTRA_CA_CERTS=${extraCa} cannot be read or holds no PEM certificate`, fix: 'Point it at a PEM file of your CA certificates.' },
    );
  }
  return checks;
}

export interface ProfileFacts {
  profile: Profile;
  /**
   * Per secret kind: stored, missing, unreadable (the store failed: its error code and fix), not
   * checked, or from the profile's command (shown, and checked without being run).
   */
  secrets: Record<string, { state: 'present' | 'missing' | 'unreadable' | 'unchecked'; code?: string; detail?: string; fix?: string } | { state: 'command'; command: string; problem?: string; fix?: string }>;
  certificate?:
    | { subject: string; notAfter: Date; thumbprintSha1: string; thumbprintSha256: string; warnings: string[] }
    | { error: string; fix?: string | undefined }
    | { unchecked: string; fix?: string };
  cachedTokenExpiresAt?: string | undefined;
  /** File paths the profile holds relative, as a problem with its fix. */
  relativePaths?: { message: string; fix: string };
  /** A sign-in profile's: whether someone is signed in (its refresh token), or why that could not be read. */
  signIn?: SignInState | { state: 'unreadable' | 'unchecked'; detail: string; fix?: string };
  /** Seconds this machine's clock is ahead of the identity provider's (--online). */
  clockOffset?: { seconds: number; host: string } | { error: string };
}

export function checkProfile(facts: ProfileFacts, now: Date): Check[] {
  const { profile } = facts;
  const area = `profile ${profile.name}`;
  const storeName = profile.store === 'keychain' ? 'keychain' : 'encrypted file store';
  const checks: Check[] = [];
  for (const [kind, secret] of Object.entries(facts.secrets)) {
    const what = { clientSecret: 'client secret', certificatePassword: 'certificate password', certificateKeyPassword: 'certificate key password' }[kind] ?? kind;
    if (secret.state === 'command') {
      const detail = `${what} from the command ${secret.command}`;
      checks.push(secret.problem === undefined ? { area, status: 'ok', detail } : { area, status: 'problem', detail: `${detail}: ${secret.problem}`, ...(secret.fix ? { fix: secret.fix } : {}) });
    } else if (secret.state === 'present') checks.push({ area, status: 'ok', detail: `${what} stored in the ${profile.store === 'keychain' ? 'keychain' : 'encrypted file store'}` });
    else if (secret.state === 'missing') checks.push({ area, status: 'problem', detail: `${what} is missing from its store`, fix: `tokenctl configure -p ${profile.name} ${kind === 'clientSecret' ? '--client-secret-stdin' : kind === 'certificatePassword' ? '--certificate-password-stdin' : 'with TOKENCTL_CERTIFICATE_KEY_PASSWORD set'}` });
    else if (secret.state === 'unreadable') checks.push({ area, status: 'problem', detail: `${what} cannot be read: ${secret.detail ?? 'the store is unavailable'}`, ...(secret.fix ? { fix: secret.fix } : {}) });
    else checks.push({ area, status: 'warning', detail: `${what} not checked: ${secret.detail ?? 'the store is unavailable'}` });
  }
  if (facts.relativePaths) checks.push({ area, status: 'problem', detail: facts.relativePaths.message, fix: facts.relativePaths.fix });
  const cert = facts.certificate;
  if (cert && 'error' in cert) checks.push({ area, status: 'problem', detail: `certificate: ${cert.error}`, ...(cert.fix ? { fix: cert.fix } : {}) });
  else if (cert && 'unchecked' in cert) checks.push({ area, status: 'warning', detail: `certificate not opened: ${cert.unchecked}`, ...(cert.fix ? { fix: cert.fix } : {}) });
  else if (cert) {
    const days = Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY_MS);
    checks.push({
      area,
      status: cert.warnings.length ? 'warning' : 'ok',
      detail: `certificate ${cert.subject}, valid until ${cert.notAfter.toISOString().slice(0, 10)} (${days} days), SHA-1 thumbprint ${cert.thumbprintSha1}, SHA-256 ${cert.thumbprintSha256}`,
      ...(cert.warnings.length ? { fix: cert.warnings.join('; ') } : {}),
    });
  }
  const expiry = secretExpiryNotice(profile, now);
  if (expiry) checks.push({ area, status: expiry.level, detail: expiry.message });
  else if (profile.secretExpiresAt) checks.push({ area, status: 'ok', detail: `client secret expires ${profile.secretExpiresAt.slice(0, 10)}` });
  // A sign-in profile nobody is signed in to has nothing to validate: the sign-in check below says what to do.
  if (!facts.signIn || facts.signIn.state === 'signed-in') {
    checks.push(
      profile.lastValidatedAt
        ? { area, status: 'ok', detail: `last validated ${profile.lastValidatedAt.slice(0, 16).replace('T', ' ')}Z` }
        : { area, status: 'warning', detail: 'never validated', fix: `tokenctl validate -p ${profile.name}` },
    );
  }
  const signIn = facts.signIn;
  const login = `tokenctl login -p ${profile.name}`;
  if (signIn?.state === 'signed-in') checks.push({ area, status: 'ok', detail: `signed in${signIn.user ? ` as ${signIn.user}` : ''} since ${signIn.signedInAt.slice(0, 16).replace('T', ' ')}Z (refresh token in the ${storeName})` });
  else if (signIn?.state === 'signed-out') checks.push({ area, status: 'warning', detail: 'nobody is signed in (no refresh token): token -p fails with exit 9', fix: login });
  else if (signIn?.state === 'unusable') checks.push({ area, status: 'problem', detail: `its sign-in cannot be used: ${signIn.reason}`, fix: login });
  else if (signIn?.state === 'unreadable') checks.push({ area, status: 'problem', detail: `sign-in not checked: ${signIn.detail}`, ...(signIn.fix ? { fix: signIn.fix } : {}) });
  else if (signIn) checks.push({ area, status: 'warning', detail: `sign-in not checked: ${signIn.detail}` });
  const cached = facts.cachedTokenExpiresAt;
  checks.push({ area, status: 'ok', detail: cached ? (Date.parse(cached) > now.getTime() ? `cached token valid until ${cached}` : 'cached token expired (the next token -p fetches a new one)') : 'no cached token' });
  const clock = facts.clockOffset;
  if (clock && 'error' in clock) checks.push({ area, status: 'warning', detail: `clock not compared: ${clock.error}` });
  else if (clock) {
    const off = Math.abs(clock.seconds) > ALLOWED_SKEW_SECONDS;
    checks.push({
      area,
      status: off ? 'problem' : 'ok',
      detail: `clock ${Math.abs(clock.seconds)} s ${clock.seconds >= 0 ? 'ahead of' : 'behind'} ${clock.host}`,
      ...(off ? { fix: 'Synchronise this machine\'s clock (NTP): client assertions and token expiry depend on it.' } : {}),
    });
  }
  return checks;
}

export const worstStatus = (checks: readonly Check[]): Status =>
  checks.some((c) => c.status === 'problem') ? 'problem' : checks.some((c) => c.status === 'warning') ? 'warning' : 'ok';
