// A private dbus-daemon with a real gnome-keyring on it, and the ways a Secret Service fails in the
// field: paused (SIGSTOP), locked, refusing access by bus policy, a socket that only listens, a bus
// that answers at first and then goes silent, a prompter that never answers. Every process here is
// a child of the test, started with its own pid so it can be paused and stopped without touching
// anybody else's session.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectBus, type BusConnection } from '../../src/secrets/dbus.js';

export const KEYRING_PASSWORD = 'tokenctl-test-keyring';
const START_TIMEOUT_MS = 15_000;

export interface PrivateBus {
  /** DBUS_SESSION_BUS_ADDRESS */
  address: string;
  /** A path socket of the same bus, for the test's own calls. */
  socketPath: string;
  /** A directory of this bus's own, for XDG_RUNTIME_DIR. */
  dir: string;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

function waitForExit(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  return waitForExit(child, 3_000);
}

/**
 * A session dbus-daemon on a socket in a new temp dir; `denySecretService` makes its policy refuse
 * every call to org.freedesktop.secrets. With `abstract` it also listens on an abstract socket (no
 * file: what dbus-launch and dbus-run-session hand out on many Ubuntu releases), and `address`
 * names only that one.
 */
export async function startBus(options: { denySecretService?: boolean; abstract?: boolean } = {}): Promise<PrivateBus> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenctl-bus-'));
  const socketPath = join(dir, 'bus');
  const config = join(dir, 'session.conf');
  const abstractName = `/tmp/tokenctl-test-${randomUUID()}`;
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socketPath}</listen>${options.abstract ? `\n  <listen>unix:abstract=${abstractName}</listen>` : ''}
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
    ${options.denySecretService ? '<deny send_destination="org.freedesktop.secrets"/>' : ''}
  </policy>
</busconfig>
`,
  );
  const child = spawn('dbus-daemon', [`--config-file=${config}`, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`dbus-daemon did not start: ${err}`)), START_TIMEOUT_MS);
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      // One line; with two listen addresses, both separated by ";".
      const line = /^(unix:[^\n]+)\n/m.exec(out)?.[1];
      const address = options.abstract ? line?.split(';').find((entry) => entry.startsWith('unix:abstract=')) : line;
      if (address) {
        clearTimeout(timer);
        resolve(address);
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code}): ${err}`)));
  });
  return {
    address,
    socketPath,
    dir,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One method call on a short-lived connection of the test's own. */
export async function busCall(bus: { socketPath: string }, call: Parameters<BusConnection['call']>[0]) {
  const signal = AbortSignal.timeout(5_000);
  const connection = await connectBus(bus.socketPath, signal);
  try {
    return await connection.call(call, signal);
  } finally {
    connection.close();
  }
}

/** The Secret Service items keytar stored for a tokenctl account: [unlocked, locked] object paths. */
export async function searchItems(bus: { socketPath: string }, account: string): Promise<[string[], string[]]> {
  const search = { destination: 'org.freedesktop.secrets', path: '/org/freedesktop/secrets', interface: 'org.freedesktop.Secret.Service', member: 'SearchItems', signature: 'a{ss}' };
  return (await busCall(bus, { ...search, body: [[['service', 'tokenctl'], ['account', account]]] })) as [string[], string[]];
}

const nameHasOwner = async (bus: PrivateBus, name: string) =>
  (await busCall(bus, { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'NameHasOwner', signature: 's', body: [name] }))[0] === true;

export interface PrivateKeyring {
  bus: PrivateBus;
  /** What tokenctl needs to use this keyring. */
  env: Record<string, string>;
  /** Locks the login keyring, as a screen lock or `secret-tool lock` would. */
  lock(): Promise<void>;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** gnome-keyring-daemon in the foreground on `bus`, with an unlocked login keyring. */
export async function startGnomeKeyring(bus: PrivateBus): Promise<PrivateKeyring> {
  const home = join(bus.dir, 'home');
  const env = { DBUS_SESSION_BUS_ADDRESS: bus.address, XDG_RUNTIME_DIR: bus.dir, HOME: home, XDG_DATA_HOME: join(home, 'data') };
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.DISPLAY;
  const child = spawn('gnome-keyring-daemon', ['--foreground', '--components=secrets', '--unlock'], { stdio: ['pipe', 'ignore', 'pipe'], env: childEnv });
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  // An empty password would make gnome-keyring wait for a graphical prompt.
  child.stdin?.end(KEYRING_PASSWORD);
  const started = Date.now();
  while (!(await nameHasOwner(bus, 'org.freedesktop.secrets'))) {
    if (child.exitCode !== null || Date.now() - started > START_TIMEOUT_MS) throw new Error(`gnome-keyring-daemon did not start: ${err}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    bus,
    env,
    lock: async () => {
      await busCall(bus, {
        destination: 'org.freedesktop.secrets',
        path: '/org/freedesktop/secrets',
        interface: 'org.freedesktop.Secret.Service',
        member: 'Lock',
        signature: 'ao',
        body: [['/org/freedesktop/secrets/collection/login']],
      });
    },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop: () => stopChild(child),
  };
}

export interface FakeEndpoint {
  address: string;
  stop(): Promise<void>;
}

function closeAll(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A unix socket that accepts connections and never says a word: a bus that never answers. */
export async function startSilentSocket(): Promise<FakeEndpoint> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenctl-silent-'));
  const path = join(dir, 'bus');
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    address: `unix:path=${path}`,
    stop: async () => {
      await closeAll(server, sockets);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A relay to `bus` that answers tokenctl's own questions and lets libsecret connect, then passes
 * nothing more to libsecret: the Secret Service stops answering between tokenctl's check and
 * libsecret's call. (GLib's handshake is told apart by its NEGOTIATE_UNIX_FD; tokenctl's own does
 * not negotiate file descriptors.)
 */
export async function startFreezingRelay(bus: PrivateBus): Promise<FakeEndpoint> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenctl-freeze-'));
  const path = join(dir, 'bus');
  const sockets = new Set<Socket>();
  const server = createServer((downstream) => {
    const upstream = connect({ path: bus.socketPath });
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
    }
    let sent = '';
    let glib = false;
    downstream.on('data', (chunk: Buffer) => {
      if (sent.length < 4096) sent += chunk.toString('latin1');
      glib ||= sent.includes('NEGOTIATE_UNIX_FD');
      upstream.write(chunk);
    });
    // For GLib: the handshake's lines and the first message (Hello's reply) pass, then nothing.
    let answered = Buffer.alloc(0);
    let frozen = false;
    upstream.on('data', (chunk: Buffer) => {
      if (frozen) return;
      if (!glib) return void downstream.write(chunk);
      answered = Buffer.concat([answered, chunk]);
      const agreed = answered.indexOf('AGREE_UNIX_FD\r\n');
      if (agreed < 0) return void downstream.write(chunk);
      const start = agreed + 'AGREE_UNIX_FD\r\n'.length;
      if (answered.length < start + 16) return void downstream.write(chunk);
      const fields = answered.readUInt32LE(start + 12);
      const end = start + 16 + fields + ((8 - (fields % 8)) % 8) + answered.readUInt32LE(start + 4);
      const before = answered.length - chunk.length;
      if (answered.length >= end) {
        frozen = true;
        downstream.write(chunk.subarray(0, Math.max(0, end - before)));
      } else downstream.write(chunk);
    });
    downstream.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    address: `unix:path=${path}`,
    stop: async () => {
      await closeAll(server, sockets);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Owns gnome-keyring's prompter name and answers nothing: an unlock prompt nobody answers. */
export async function startSilentPrompter(bus: PrivateBus): Promise<{ stop(): void }> {
  const connection = await connectBus(bus.socketPath, AbortSignal.timeout(5_000));
  const signal = new AbortController().signal;
  await connection.call(
    { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'RequestName', signature: 'su', body: ['org.gnome.keyring.SystemPrompter', 4] },
    signal,
  );
  return { stop: () => connection.close() };
}
