import { createRequire } from 'node:module';
import type { CodeWithExit, ExitCode } from '../codes.js';
import { Code, SecretStoreError } from '../errors.js';
import { startBusRelay, type BusRelay } from './bus-relay.js';
import { KEYCHAIN_TIMEOUT_ENV, keychainTimeoutMs } from './keychain-timeout.js';
import type { KeytarLike, KeytarProcess } from './keytar-process.js';
import { KEYTAR_SCHEMA, openSecretService, problemOf, sessionBus, type SecretService, type ServiceProblem } from './secret-service.js';
import { SECRET_SERVICE, type SecretStore, type StoreHealth } from './store.js';

export type { KeytarLike } from './keytar-process.js';
export { KEYCHAIN_TIMEOUT_ENV, keychainTimeoutMs } from './keychain-timeout.js';

export interface KeychainStoreOptions {
  /** Upper bound for each operation: asking the bus, loading keytar and its call together. */
  timeoutMs?: number;
  loadKeytar?: () => Promise<KeytarLike>;
  /** DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR are read from here. */
  env?: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  /**
   * The way around the keychain, in the options of the command at hand; it ends every hint.
   * E.g. "or run `tokenctl configure -p erp --store file` to keep this profile's secrets in the encrypted file store".
   */
  alternative?: string;
  /** A person at a desktop terminal can answer the keyring's unlock prompt; nobody else can. */
  mayPrompt?: boolean;
}

export const DEFAULT_ALTERNATIVE = 'or keep the secrets in the encrypted file store instead (`tokenctl configure -p NAME --store file`)';

// keytar is CommonJS with a native addon, external to the bundle and an optional dependency:
// require it only when a secret is needed, so commands that never touch secrets work without it.
async function loadKeytarModule(): Promise<KeytarLike> {
  return createRequire(import.meta.url)('keytar') as KeytarLike;
}

export function keychainBackendName(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'macOS Keychain';
  if (platform === 'win32') return 'Windows Credential Manager';
  return 'OS keychain (Secret Service via libsecret)';
}

const HEADLESS_FIX =
  "On a headless box (SSH, containers, CI) run tokenctl inside a session with an unlocked keyring: `dbus-run-session -- sh -c 'printf %s \"$KEYRING_PASSWORD\" | gnome-keyring-daemon --unlock --components=secrets >/dev/null; tokenctl …'`";
const UNLOCK_FIX_LINUX =
  'Unlock the keyring: log in to the desktop, open Seahorse ("Passwords and Keys") and unlock it, or run tokenctl again from a desktop terminal to get the unlock prompt. A headless gnome-keyring is unlocked when it starts: `printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets`';

/** What a Secret Service problem means to the user: one code, message and fix per state. */
export function serviceProblemError(problem: ServiceProblem, alternative: string, cause?: unknown): SecretStoreError {
  const fail = (code: CodeWithExit<typeof ExitCode.secretStore>, message: string, hint: string) => new SecretStoreError(code, message, { hint: `${hint}; ${alternative}.`, cause });
  switch (problem.kind) {
    case 'no-bus':
      return fail(Code.SECRET_STORE_NO_DBUS, `No D-Bus session bus to reach the OS keychain: ${problem.detail}.`, HEADLESS_FIX);
    case 'no-service':
      return fail(Code.SECRET_STORE_NO_SERVICE,
        `No Secret Service is running on the D-Bus session bus (${problem.detail}).`,
        'Start one: gnome-keyring (`sudo apt-get install gnome-keyring`, then `gnome-keyring-daemon --unlock --components=secrets`) or KeePassXC with its Secret Service integration enabled',
      );
    case 'locked':
      return fail(Code.SECRET_STORE_LOCKED, `The OS keychain is locked (${problem.detail}), and there is no desktop terminal to show its unlock prompt.`, UNLOCK_FIX_LINUX);
    case 'no-default-keyring':
      return fail(Code.SECRET_STORE_LOCKED,
        'The OS keychain has no default keyring yet, and creating one needs a prompt that cannot be shown here.',
        'Create and unlock one: from a desktop session, open Seahorse and create a "Login" keyring; headless, start gnome-keyring with a password: `printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets`',
      );
    case 'access-denied':
      return fail(Code.SECRET_STORE_ACCESS_DENIED,
        `The OS keychain refused access to tokenctl (${problem.detail}).`,
        'Allow it: in KeePassXC, allow the request (Settings → Secret Service Integration); in a sandbox (Flatpak, Snap, a D-Bus policy), allow talking to org.freedesktop.secrets',
      );
    case 'failed':
      return fail(Code.SECRET_STORE_ERROR, `The OS keychain failed: ${problem.detail}`, 'Check that the keyring is unlocked and its Secret Service is healthy (`tokenctl doctor`)');
  }
}

function timeoutError(stage: string, timeoutMs: number, alternative: string): SecretStoreError {
  return new SecretStoreError(Code.SECRET_STORE_TIMEOUT, `The OS keychain did not answer within ${timeoutMs / 1000} s (${stage}).`, {
    hint: `Its D-Bus session bus or Secret Service is hung (a stopped dbus-daemon or gnome-keyring-daemon), or it waits on a prompt nobody can see: restart it (log out and in, or restart gnome-keyring-daemon); to wait longer set ${KEYCHAIN_TIMEOUT_ENV}=SECONDS; ${alternative}.`,
  });
}

/** Where libsecret runs: made ready while the Secret Service is asked, ended when a call misses the deadline. */
interface Libsecret {
  prepare(): Promise<void>;
  abandon(): void;
}

/** The Secret Service and libsecret, on the session bus; `via` says how, when not the usual way. */
interface Session {
  service: SecretService;
  libsecret: Libsecret;
  via?: string;
}

/** A call the Secret Service has to answer: settled without keytar, or handed to it. */
type Plan<T> = { answer: T } | { keytar: (k: KeytarLike) => Promise<T>; secret?: string };

/** What `doctor` says about the keychain: whether it answers, and in which state. */
export type KeychainHealth = StoreHealth;

export function healthOf(error: SecretStoreError): KeychainHealth {
  const state = error.entry === Code.SECRET_STORE_LOCKED ? 'locked' : error.entry === Code.SECRET_STORE_ACCESS_DENIED ? 'access-denied' : error.entry === Code.SECRET_STORE_ERROR ? 'error' : 'unavailable';
  return { state, error };
}

export interface KeychainStore extends SecretStore {
  /** Whether secrets can be read and stored now, within the deadline, without any prompt. */
  health(): Promise<StoreHealth>;
}

export function createKeychainStore(options: KeychainStoreOptions = {}): KeychainStore {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const alternative = options.alternative ?? DEFAULT_ALTERNATIVE;
  const timeoutMs = options.timeoutMs ?? keychainTimeoutMs(env);
  // On Linux the bus decides where keytar runs (openSession below); tests inject their own.
  let load: (() => Promise<KeytarLike>) | undefined = options.loadKeytar ?? (platform === 'linux' ? undefined : loadKeytarModule);
  let keytar: Promise<KeytarLike> | undefined;

  const loadOnce = () =>
    (keytar ??= (load ?? loadKeytarModule)().catch((error: unknown) => {
      throw diagnoseKeychainFailure(error, platform, env, alternative, 'load');
    }));

  /** Runs a keytar call, racing `signal`: a call left behind must not decide anything any more. */
  async function keytarCall<T>(operation: (k: KeytarLike) => Promise<T>, signal: AbortSignal, secret?: string): Promise<T> {
    const call = loadOnce().then(operation);
    call.catch(() => {}); // settled after a timeout, when nobody listens any more
    const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    try {
      return await Promise.race([call, aborted]);
    } catch (error) {
      if (error instanceof SecretStoreError) throw error;
      throw diagnoseKeychainFailure(withoutSecret(error, secret), platform, env, alternative);
    }
  }

  if (platform !== 'linux') return portableKeychainStore(platform, timeoutMs, alternative, keytarCall);

  // On Linux, tokenctl asks the Secret Service itself (asynchronously, with the deadline) whether
  // a call can succeed without blocking, and hands it to libsecret only then, in a way it can end:
  // no bus, a hung bus or service, a locked keyring or a prompt nobody answers all end the command
  // within the deadline.
  let session: Promise<Session> | undefined;
  /** A keychain that did not answer, or is not there, stays that way for the rest of the run. */
  let unavailable: SecretStoreError | undefined;
  const attributes = (account?: string) => ({ 'xdg:schema': KEYTAR_SCHEMA, service: SECRET_SERVICE, ...(account === undefined ? {} : { account }) });
  const problemError = (problem: ServiceProblem) => serviceProblemError(problem, alternative);
  const setStage = (signal: AbortSignal, stage: string) => stages.set(signal, stage);
  const stages = new WeakMap<AbortSignal, string>();
  /**
   * Locked: at a desktop terminal the Secret Service shows its unlock prompt (asked by tokenctl,
   * within the deadline: libsecret's own wait for a prompt cannot be ended in this process); anywhere
   * else the command fails at once, since nobody could answer.
   */
  async function unlockOrFail(svc: SecretService, problem: ServiceProblem & { kind: 'locked' }, signal: AbortSignal): Promise<void> {
    if (!options.mayPrompt || !problem.objects?.length) throw problemError(problem);
    setStage(signal, 'waiting for an answer to the keyring\'s unlock prompt');
    // Asked through dbus-send: libsecret shows the prompt, in a process the deadline ends.
    if (!svc.unlock) return;
    if (!(await svc.unlock(problem.objects, signal))) throw problemError({ kind: 'locked', detail: 'its unlock prompt was dismissed' });
  }
  const lockedItems = (locked: string[]): ServiceProblem & { kind: 'locked' } => ({
    kind: 'locked',
    detail: `${locked.length} matching item${locked.length === 1 ? ' is' : 's are'} in a locked keyring`,
    objects: locked,
  });

  /**
   * Where libsecret runs. On a bus tokenctl reaches itself: in this process, through a relay that
   * is cut at the deadline (GLib then fails the call, and the thread it blocked is free). On a bus
   * only a D-Bus library reaches: in a child process, killed at the deadline.
   */
  async function openSession(): Promise<Session> {
    const bus = sessionBus(env);
    if (bus.kind === 'library') {
      // Loaded only here: child processes are not every run's cost.
      const [{ openDbusSendSecretService }, { keytarProcessEnvironment, startKeytarProcess }] = await Promise.all([import('./dbus-send.js'), import('./keytar-process.js')]);
      const helperEnv = keytarProcessEnvironment(env, options.mayPrompt ?? false);
      const service = openDbusSendSecretService(bus, helperEnv);
      let helper: KeytarProcess | undefined;
      load ??= async () => (helper = await startKeytarProcess(helperEnv));
      return { service, libsecret: { prepare: () => loadOnce().then(() => {}), abandon: () => helper?.kill() }, via: `through dbus-send and libsecret in a child process: ${bus.why}` };
    }
    const service = openSecretService(bus);
    let relay: Promise<BusRelay | undefined> | undefined;
    const startRelay = () =>
      (relay ??= startBusRelay(bus.socketPath, env.XDG_RUNTIME_DIR)
        .catch(() => undefined)
        .then((started) => {
          // libsecret reads the address from the process environment when it first connects, and
          // must never autolaunch a bus of its own.
          process.env.DBUS_SESSION_BUS_ADDRESS = started?.address ?? bus.address;
          return started;
        }));
    load ??= loadKeytarModule;
    return {
      service,
      libsecret: {
        // No keytar without a bus to talk to: once the bus has said hello.
        prepare: () => service.ready.then(startRelay).then(() => loadOnce()).then(() => {}),
        abandon: () => void relay?.then(cutRelay),
      },
    };
  }

  async function run<T>(plan: (svc: SecretService, signal: AbortSignal) => Promise<Plan<T>>): Promise<T> {
    if (unavailable) throw unavailable;
    const controller = new AbortController();
    const { signal } = controller;
    const timer = setTimeout(() => controller.abort(timeoutError(stages.get(signal) ?? '', timeoutMs, alternative)), timeoutMs);
    const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    aborted.catch(() => {});
    setStage(signal, 'connecting to the D-Bus session bus');
    try {
      const { service: svc, libsecret } = await Promise.race([(session ??= openSession()), aborted]);
      void svc.ready.then(() => stages.get(signal) === 'connecting to the D-Bus session bus' && setStage(signal, 'asking the Secret Service'), () => {});
      const decided = await Promise.race([plan(svc, signal), aborted]);
      if ('answer' in decided) return decided.answer;
      // Only what tokenctl does not do on its own connection goes to libsecret (writes and deletes;
      // on a bus only a D-Bus library reaches, reads too), made ready only now: a cache hit on the
      // usual bus loads neither keytar nor the relay.
      setStage(signal, 'waiting for libsecret');
      await Promise.race([libsecret.prepare().catch(() => {}), aborted]);
      try {
        return await keytarCall(decided.keytar, signal, decided.secret);
      } catch (error) {
        if (signal.aborted) libsecret.abandon();
        throw error;
      }
    } catch (error) {
      if (error instanceof SecretStoreError) {
        if (error.entry === Code.SECRET_STORE_TIMEOUT) unavailable = error;
        throw error;
      }
      if (signal.aborted) throw (unavailable = signal.reason as SecretStoreError);
      const problem = problemOf(error);
      const failure = serviceProblemError(problem, alternative, error);
      if (problem.kind === 'no-bus' || problem.kind === 'no-service') unavailable = failure;
      throw failure;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    backend: keychainBackendName(platform),
    health: async () => {
      try {
        return await run(async (svc, signal) => {
          // The Secret Service answers a search, the default keyring (where secrets are stored) is
          // there and unlocked, and keytar loads.
          await svc.search(attributes('tokenctl-doctor:probe'), signal);
          const problem = await svc.defaultCollectionProblem(signal);
          if (problem) throw problemError(problem);
          await loadOnce();
          const via = (await session)?.via;
          return { answer: { state: 'ok', detail: `answers; the default keyring is unlocked${via ? ` (${via})` : ''}` } as const };
        });
      } catch (error) {
        if (error instanceof SecretStoreError) return healthOf(error);
        throw error;
      }
    },
    get: (account) =>
      run<string | null>(async (svc, signal) => {
        // The session the read needs goes to the bus with the search: one round trip fewer.
        svc.prepareSecret?.(signal);
        const found = await svc.search(attributes(account), signal);
        const item = found.unlocked[0] ?? found.locked[0];
        if (item === undefined) return { answer: null };
        if (found.unlocked.length === 0) await unlockOrFail(svc, lockedItems(found.locked), signal);
        if (svc.secret) {
          // Read on tokenctl's own connection (the item keytar wrote, found by keytar's attributes).
          setStage(signal, 'reading the secret');
          return { answer: await svc.secret(item, signal) };
        }
        return {
          keytar: async (k) => {
            const value = await k.getPassword(SECRET_SERVICE, account);
            // libsecret answers "none" for an item it could not unlock (its prompt was dismissed).
            if (value === null && found.unlocked.length === 0) throw problemError({ kind: 'locked', detail: 'its unlock prompt was dismissed' });
            return value;
          },
        };
      }),
    set: (account, value) =>
      run(async (svc, signal) => {
        const problem = await svc.defaultCollectionProblem(signal);
        if (problem?.kind === 'locked') await unlockOrFail(svc, problem, signal);
        else if (problem) throw problemError(problem);
        return { keytar: (k) => k.setPassword(SECRET_SERVICE, account, value), secret: value };
      }),
    delete: (account) =>
      run<boolean>(async (svc, signal) => {
        const found = await svc.search(attributes(account), signal);
        if (found.unlocked.length + found.locked.length === 0) return { answer: false };
        // A locked item would be left behind silently: libsecret deletes only what it can see.
        if (found.locked.length > 0) await unlockOrFail(svc, lockedItems(found.locked), signal);
        return {
          keytar: async (k) => {
            const deleted = await k.deletePassword(SECRET_SERVICE, account);
            if (!deleted && found.locked.length > 0) throw problemError({ kind: 'locked', detail: 'its unlock prompt was dismissed' });
            return deleted;
          },
        };
      }),
  };
}

function cutRelay(relay: BusRelay | undefined): void {
  if (!relay) return;
  // GLib raises SIGTERM in its own process when the bus of a shared connection vanishes; this
  // process is about to exit with the keychain's status anyway.
  process.on('SIGTERM', () => {});
  relay.cut();
}

/** macOS and Windows: keytar's calls go to the OS directly; each is raced with the deadline. */
function portableKeychainStore(
  platform: NodeJS.Platform,
  timeoutMs: number,
  alternative: string,
  keytarCall: <T>(operation: (k: KeytarLike) => Promise<T>, signal: AbortSignal, secret?: string) => Promise<T>,
): KeychainStore {
  // A keychain that missed its deadline once is not waited for again in this run.
  let unanswered: SecretStoreError | undefined;
  const call = async <T>(operation: (k: KeytarLike) => Promise<T>, secret?: string): Promise<T> => {
    if (unanswered) throw unanswered;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      return await keytarCall(operation, signal, secret);
    } catch (error) {
      if (signal.aborted) throw (unanswered = timeoutError('the keychain call did not finish', timeoutMs, alternative));
      throw error;
    }
  };
  return {
    backend: keychainBackendName(platform),
    health: async () => {
      try {
        await call((k) => k.getPassword(SECRET_SERVICE, 'tokenctl-doctor:probe'));
        return { state: 'ok', detail: 'answers' };
      } catch (error) {
        if (error instanceof SecretStoreError) return healthOf(error);
        throw error;
      }
    },
    get: (account) => call((k) => k.getPassword(SECRET_SERVICE, account)),
    set: (account, value) => call((k) => k.setPassword(SECRET_SERVICE, account, value), value),
    delete: (account) => call((k) => k.deletePassword(SECRET_SERVICE, account)),
  };
}

// Backends do not echo secrets today; this makes sure a future one cannot leak one into an error.
function withoutSecret(error: unknown, secret: string | undefined): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (!secret || !message.includes(secret)) return error;
  return new Error(message.split(secret).join('[redacted]'));
}

/**
 * Turns a keytar failure into an actionable SecretStoreError. Pure, so every case is unit-tested;
 * `stage` says whether loading keytar itself failed.
 */
export function diagnoseKeychainFailure(
  error: unknown,
  platform: NodeJS.Platform,
  env: Record<string, string | undefined>,
  alternative: string = DEFAULT_ALTERNATIVE,
  stage: 'load' | 'call' = 'call',
): SecretStoreError {
  const raw = error instanceof Error ? error.message : String(error);
  // Only the first line: module errors append a long require stack.
  const detail = (raw.split('\n')[0] ?? '').slice(0, 300);
  const errno = (error as { code?: unknown } | null)?.code;
  const linux = platform === 'linux';
  const fail = (code: CodeWithExit<typeof ExitCode.secretStore>, message: string, hint: string) => new SecretStoreError(code, message, { hint: `${hint}; ${alternative}.`, cause: error });

  if (
    stage === 'load' ||
    errno === 'MODULE_NOT_FOUND' ||
    errno === 'ERR_DLOPEN_FAILED' ||
    /Cannot find module 'keytar'|cannot open shared object file|NODE_MODULE_VERSION|did not self-register/i.test(raw)
  ) {
    return fail(Code.SECRET_STORE_UNAVAILABLE,
      `The OS keychain cannot be used: the keytar module failed to load (${detail}).`,
      linux
        ? 'Install libsecret (Debian/Ubuntu: `sudo apt-get install libsecret-1-0`; Fedora: `sudo dnf install libsecret`) and reinstall tokenctl so keytar is installed (building it from source also needs libsecret-1-dev)'
        : 'Reinstall tokenctl (`npm install -g tokenctl`) so keytar is installed for this Node.js version',
    );
  }

  if (/org\.freedesktop\.secrets was not provided|ServiceUnknown/i.test(raw)) return serviceProblemError({ kind: 'no-service', detail }, alternative, error);

  // macOS: errSecAuthFailed / "denied"; Windows: ERROR_ACCESS_DENIED; Secret Service: AccessDenied.
  if (/access ?denied|not allowed to access|errSecAuthFailed|-25293|\bdenied\b/i.test(raw) && !/User interaction is not allowed/i.test(raw)) {
    if (linux) return serviceProblemError({ kind: 'access-denied', detail }, alternative, error);
    return fail(Code.SECRET_STORE_ACCESS_DENIED,
      `The OS keychain refused access to tokenctl (${detail}).`,
      platform === 'darwin'
        ? 'Allow it: answer the keychain dialog with "Always Allow", or in Keychain Access open the "tokenctl" item and add node to its Access Control'
        : 'Run tokenctl as the user who stored the secret, and check that Credential Manager is not restricted by policy',
    );
  }

  // "Object does not exist at path …/collection/login": no default keyring, and no prompt could create one.
  if (/Object does not exist at path .*\/collection\//i.test(raw) && linux) return serviceProblemError({ kind: 'no-default-keyring' }, alternative, error);
  if (/locked|dismissed|User interaction is not allowed|user canceled/i.test(raw)) {
    if (linux) return serviceProblemError({ kind: 'locked', detail }, alternative, error);
    return fail(Code.SECRET_STORE_LOCKED,
      `The OS keychain is locked and no unlock prompt could be shown (${detail}).`,
      platform === 'darwin' ? 'Unlock it with `security unlock-keychain` (over SSH the login keychain stays locked)' : 'Log in to Windows interactively once so Credential Manager is available',
    );
  }

  const noBus = /autolaunch D-Bus|Could not connect|Cannot spawn a message bus|DBUS_SESSION_BUS_ADDRESS|org\.freedesktop\.DBus\.Error\.(NoServer|Disconnected)/i.test(raw);
  if (noBus || (linux && !env.DBUS_SESSION_BUS_ADDRESS)) {
    return serviceProblemError({ kind: 'no-bus', detail: `${detail}${env.DBUS_SESSION_BUS_ADDRESS ? '' : ' (DBUS_SESSION_BUS_ADDRESS is not set)'}` }, alternative, error);
  }

  return fail(Code.SECRET_STORE_ERROR, `The OS keychain failed: ${detail}`, 'Check that the keychain is unlocked and reachable (`tokenctl doctor`)');
}
