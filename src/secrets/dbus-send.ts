import { spawn } from 'node:child_process';
import { DbusError } from './dbus.js';
import type { ItemSearch, LibraryBus, SecretService } from './secret-service.js';

/**
 * The Secret Service's questions asked through `dbus-send` (libdbus, installed with D-Bus itself),
 * for a bus tokenctl's own connection cannot reach: an abstract socket on Node.js 20, tcp:,
 * unixexec:. Each question is one short-lived process, killed when the caller's deadline passes.
 */

const SERVICE = 'org.freedesktop.secrets';
const SERVICE_PATH = '/org/freedesktop/secrets';

/** The body of a `dbus-send --print-reply` answer: its object paths, arrays and booleans, in order. */
export interface PrintedReply {
  /** The object paths of each top-level array, in order (SearchItems: unlocked, then locked). */
  arrays: string[][];
  /** Every object path outside an array. */
  paths: string[];
  booleans: boolean[];
}

/** Reads what `dbus-send --print-reply` prints; only the types these questions return. */
export function parsePrintedReply(text: string): PrintedReply {
  const reply: PrintedReply = { arrays: [], paths: [], booleans: [] };
  let array: string[] | undefined;
  for (const line of text.split('\n').slice(1)) {
    if (/^\s*array \[\s*$/.test(line)) reply.arrays.push((array = []));
    else if (/^\s*\]\s*$/.test(line)) array = undefined;
    const path = /^\s*object path "([^"]*)"\s*$/.exec(line)?.[1];
    if (path !== undefined) (array ?? reply.paths).push(path);
    const flag = /boolean (true|false)\s*$/.exec(line)?.[1];
    if (flag !== undefined) reply.booleans.push(flag === 'true');
  }
  return reply;
}

/** A failed dbus-send as the error the bus gave (mapped like tokenctl's own connection's), or a plain one: no bus. */
export function dbusSendFailure(stderr: string, address: string): Error {
  const reply = /^Error ([\w.]+): (.*)$/m.exec(stderr);
  if (reply) return new DbusError(reply[1] as string, reply[2] as string);
  const line = stderr.trim().split('\n')[0]?.slice(0, 200) ?? '';
  return new Error(`cannot connect to ${address.slice(0, 120)}${line ? ` (${line})` : ''}`);
}

/**
 * A dbus-send argument for a dict of strings: dbus-send splits it on commas, so a value with a comma
 * cannot be passed (tokenctl's accounts have none: profile names cannot hold one).
 */
function stringDict(entries: Record<string, string>): string {
  const flat = Object.entries(entries).flat();
  if (flat.some((item) => item.includes(','))) throw new Error('a Secret Service attribute with a comma cannot be asked through dbus-send');
  return `dict:string:string:${flat.join(',')}`;
}

export function openDbusSendSecretService(bus: LibraryBus, env: Record<string, string>): SecretService {
  const ask = (path: string, member: string, args: string[], signal: AbortSignal): Promise<PrintedReply> =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const child = spawn('dbus-send', ['--session', '--print-reply', `--dest=${SERVICE}`, path, member, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
      let stdout = '';
      let stderr = '';
      const abort = () => {
        child.kill('SIGKILL');
        reject(signal.reason);
      };
      signal.addEventListener('abort', abort, { once: true });
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', (error: NodeJS.ErrnoException) => {
        signal.removeEventListener('abort', abort);
        reject(
          error.code === 'ENOENT'
            ? new Error(`${bus.why}, so tokenctl asks the Secret Service through dbus-send, which is not installed (Debian, Ubuntu: apt-get install dbus-bin, or dbus on older releases; or run tokenctl on Node.js 22 or later)`)
            : error,
        );
      });
      child.on('close', (code) => {
        signal.removeEventListener('abort', abort);
        if (code === 0) resolve(parsePrintedReply(stdout));
        else reject(dbusSendFailure(stderr, bus.address));
      });
    });

  return {
    address: bus.address,
    ready: Promise.resolve(),
    async search(attributes, signal): Promise<ItemSearch> {
      const { arrays } = await ask(SERVICE_PATH, 'org.freedesktop.Secret.Service.SearchItems', [stringDict(attributes)], signal);
      return { unlocked: arrays[0] ?? [], locked: arrays[1] ?? [] };
    },
    async defaultCollectionProblem(signal) {
      const [path] = (await ask(SERVICE_PATH, 'org.freedesktop.Secret.Service.ReadAlias', ['string:default'], signal)).paths;
      if (path === undefined || path === '/') return { kind: 'no-default-keyring' };
      const [locked] = (await ask(path, 'org.freedesktop.DBus.Properties.Get', ['string:org.freedesktop.Secret.Collection', 'string:Locked'], signal)).booleans;
      return locked ? { kind: 'locked', detail: `the default keyring ${path} is locked`, objects: [path] } : undefined;
    },
    close: () => {},
  };
}
