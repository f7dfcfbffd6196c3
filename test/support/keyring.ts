// Starts a real, private gnome-keyring on a private D-Bus session, so the keychain store is tested
// against the actual Secret Service on a headless Linux box, without touching the user's keyring.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface TestKeyring {
  /** DBUS_SESSION_BUS_ADDRESS, XDG_DATA_HOME, XDG_RUNTIME_DIR, HOME of the private session. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const REQUIRED = ['bash', 'dbus-run-session', 'dbus-daemon', 'gnome-keyring-daemon'] as const;
const APT_HINT = 'apt-get install -y dbus gnome-keyring libsecret-1-0';
const START_TIMEOUT_MS = 15_000;

export function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function keyringAvailable(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `needs Linux (this is ${process.platform})` };
  const missing = REQUIRED.filter((name) => !findExecutable(name));
  if (missing.length > 0) return { ok: false, reason: `${missing.join(', ')} not on PATH (${APT_HINT})` };
  return { ok: true };
}

// Runs inside dbus-run-session, in its own process group. $1 is the temp dir. It blocks on stdin;
// when stop() closes it, or the test process dies, it signals the whole group (gnome-keyring-daemon
// daemonises itself and does NOT exit when its bus goes away) and removes the temp dir.
const SCRIPT = String.raw`
set -eu
dir=$1
trap 'trap "" TERM; kill -TERM 0; rm -rf "$dir"' EXIT
mkdir -p "$dir/data" "$dir/run" "$dir/home"
chmod 700 "$dir/run"
export XDG_DATA_HOME="$dir/data" XDG_RUNTIME_DIR="$dir/run" HOME="$dir/home"
# An empty password makes gnome-keyring ask a GUI prompter, which fails without a display.
printf '%s' tokenctl-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
# The daemon takes its bus name a moment after --unlock returns. A Secret Service call before that
# makes D-Bus start a second daemon from its service file, in the real HOME, with no login keyring
# ("no default keyring yet"). So wait, without activating anything, until the name has an owner.
for _ in $(seq 100); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true' && break
  sleep 0.1
done
echo "DBUS_SESSION_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS"
cat >/dev/null
`;

export async function startKeyring(): Promise<TestKeyring> {
  const availability = keyringAvailable();
  if (!availability.ok) throw new Error(`Cannot start a test keyring: ${availability.reason}`);

  const dir = await mkdtemp(join(tmpdir(), 'tokenctl-keyring-'));
  const env = { ...process.env };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.DISPLAY;
  // detached: its own process group, so stop() can signal the bus and the daemon it forked.
  const child = spawn('dbus-run-session', ['--', 'bash', '-c', SCRIPT, 'tokenctl-keyring', dir], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
  });
  child.stdin.on('error', () => {}); // EPIPE when the session already ended
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 10_000) stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve()); // could not spawn: there is nothing to wait for
  });

  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const shutdown = async (): Promise<void> => {
    child.stdin.end(); // the script then stops its whole process group and removes the temp dir
    const timer = setTimeout(() => killGroup('SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
    killGroup('SIGTERM'); // backstop: the daemon signalled by the script may not have exited yet
    await rm(dir, { recursive: true, force: true });
  };
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= shutdown());

  try {
    const address = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new Error(`gnome-keyring did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const match = /^DBUS_SESSION_BUS_ADDRESS=(.+)\n/m.exec(stdout);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`dbus-run-session exited early (${signal ?? `code ${code}`})`));
      });
    });
    return {
      env: {
        DBUS_SESSION_BUS_ADDRESS: address,
        XDG_DATA_HOME: join(dir, 'data'),
        XDG_RUNTIME_DIR: join(dir, 'run'),
        HOME: join(dir, 'home'),
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`Cannot start a test keyring: ${(error as Error).message}\n${stderr}`.trim(), { cause: error });
  }
}
