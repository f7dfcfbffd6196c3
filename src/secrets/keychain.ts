import { createRequire } from 'node:module';
import type { CodeWithExit, ExitCode } from '../codes.js';
import { Code, SecretStoreError } from '../errors.js';
import { SECRET_SERVICE, type SecretStore } from './store.js';

/** The part of keytar we use; tests inject a fake. */
export interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export interface KeychainStoreOptions {
  /** Upper bound for each call, loading keytar included. */
  timeoutMs?: number;
  loadKeytar?: () => Promise<KeytarLike>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const FILE_STORE = 'or run with `--store file` to use the file store instead';

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

export function createKeychainStore(options: KeychainStoreOptions = {}): SecretStore {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const load = options.loadKeytar ?? loadKeytarModule;
  let keytar: Promise<KeytarLike> | undefined;

  async function call<T>(operation: (k: KeytarLike) => Promise<T>, secret?: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    // A locked keyring waiting on a prompt, or a hung D-Bus, must not hang a pipeline.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SecretStoreError(Code.SECRET_STORE_TIMEOUT, `The OS keychain did not answer within ${timeoutMs / 1000} s.`, {
              hint: `It is usually locked and waiting for an unlock prompt nobody can see, or its D-Bus session is hung. Unlock it, ${FILE_STORE}.`,
            }),
          ),
        timeoutMs,
      );
    });
    try {
      keytar ??= load().catch((error: unknown) => {
        throw diagnoseKeychainFailure(error, process.platform, process.env, 'load');
      });
      return await Promise.race([keytar.then(operation), timeout]);
    } catch (error) {
      if (error instanceof SecretStoreError) throw error;
      throw diagnoseKeychainFailure(withoutSecret(error, secret), process.platform, process.env);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    backend: keychainBackendName(process.platform),
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
  stage: 'load' | 'call' = 'call',
): SecretStoreError {
  const raw = error instanceof Error ? error.message : String(error);
  // Only the first line: module errors append a long require stack.
  const detail = (raw.split('\n')[0] ?? '').slice(0, 300);
  const errno = (error as { code?: unknown } | null)?.code;
  const linux = platform === 'linux';
  const fail = (code: CodeWithExit<typeof ExitCode.secretStore>, message: string, hint: string) => new SecretStoreError(code, message, { hint, cause: error });

  if (
    stage === 'load' ||
    errno === 'MODULE_NOT_FOUND' ||
    errno === 'ERR_DLOPEN_FAILED' ||
    /Cannot find module 'keytar'|cannot open shared object file|NODE_MODULE_VERSION|did not self-register/i.test(raw)
  ) {
    return fail(
      Code.SECRET_STORE_UNAVAILABLE,
      `The OS keychain cannot be used: the keytar module failed to load (${detail}).`,
      linux
        ? `Install libsecret (Debian/Ubuntu: \`sudo apt-get install libsecret-1-0\`; Fedora: \`sudo dnf install libsecret\`) and reinstall tokenctl so keytar is installed (building it from source also needs libsecret-1-dev), ${FILE_STORE}.`
        : `Reinstall tokenctl (\`npm install -g tokenctl\`) so keytar is installed for this Node.js version, ${FILE_STORE}.`,
    );
  }

  if (/org\.freedesktop\.secrets was not provided|ServiceUnknown/i.test(raw)) {
    return fail(
      Code.SECRET_STORE_NO_SERVICE,
      `No Secret Service provider is running on the D-Bus session (${detail}).`,
      `Install and start one: gnome-keyring (\`sudo apt-get install gnome-keyring\`) or KeePassXC with its Secret Service integration enabled; ${FILE_STORE}.`,
    );
  }

  // "Object does not exist at path …/collection/login": no default keyring, and no prompt could create one.
  if (/locked|dismissed|User interaction is not allowed|user canceled|Object does not exist at path .*\/collection\//i.test(raw)) {
    return fail(
      Code.SECRET_STORE_LOCKED,
      `The OS keychain is locked (or has no default keyring yet) and no unlock prompt could be shown (${detail}).`,
      platform === 'darwin'
        ? `Unlock it with \`security unlock-keychain\` (over SSH the login keychain stays locked), ${FILE_STORE}.`
        : `Unlock the keyring (e.g. log in to the desktop, or open Seahorse). On a headless box, start the daemon unlocked before first use: \`printf '%s' "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets\` (the password must not be empty); ${FILE_STORE}.`,
    );
  }

  const noBus = /autolaunch D-Bus|Could not connect|Cannot spawn a message bus|DBUS_SESSION_BUS_ADDRESS|org\.freedesktop\.DBus\.Error\.(NoServer|Disconnected)/i.test(raw);
  if (noBus || (linux && !env.DBUS_SESSION_BUS_ADDRESS)) {
    return fail(
      Code.SECRET_STORE_NO_DBUS,
      `No D-Bus session bus to reach the OS keychain${env.DBUS_SESSION_BUS_ADDRESS ? '' : ' (DBUS_SESSION_BUS_ADDRESS is not set)'}: ${detail}.`,
      `This is usual on headless Linux (SSH, containers, CI). Run tokenctl inside a session with an unlocked keyring: \`dbus-run-session -- sh -c 'printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null; tokenctl …'\`, ${FILE_STORE}.`,
    );
  }

  return fail(Code.SECRET_STORE_ERROR, `The OS keychain failed: ${detail}`, `Check that the keychain is unlocked and reachable, ${FILE_STORE}.`);
}
