import { statSync } from 'node:fs';
import { join } from 'node:path';
import { busEndpoint, DbusError, openBus, type DbusValue, type MethodCall } from './dbus.js';

/**
 * Questions to the Secret Service (freedesktop.org's keyring API) that need no secret and no prompt:
 * is anybody there, is the keyring locked, which items exist. They run over tokenctl's own
 * asynchronous D-Bus connection before libsecret is given a call that could block forever.
 */

const SERVICE = 'org.freedesktop.secrets';
const SERVICE_PATH = '/org/freedesktop/secrets';
const PROPERTIES = 'org.freedesktop.DBus.Properties';
/** keytar's libsecret schema; libsecret adds it to every search as the attribute xdg:schema. */
export const KEYTAR_SCHEMA = 'org.freedesktop.Secret.Generic';

/** Why the Secret Service cannot be used; each has its own message and fix. */
export type ServiceProblem =
  | { kind: 'no-bus'; detail: string }
  | { kind: 'no-service'; detail: string }
  /** `objects`: what an unlock prompt would unlock. */
  | { kind: 'locked'; detail: string; objects?: string[] }
  | { kind: 'no-default-keyring' }
  | { kind: 'access-denied'; detail: string }
  | { kind: 'failed'; detail: string };

export class ServiceProblemError extends Error {
  constructor(
    readonly problem: ServiceProblem,
    options?: { cause?: unknown },
  ) {
    super('detail' in problem ? problem.detail : problem.kind, options);
  }
}

/**
 * An error reply saying the item asked about no longer exists (deleted since it was found: a
 * configure replacing the secret deletes the old item and creates a new one). gnome-keyring says so
 * through GDBus in two ways, depending on how far the deletion has gone: "Object does not exist at
 * path …", or "No such interface “org.freedesktop.Secret.Item” on object at path …".
 */
export function isVanishedObject(error: unknown): boolean {
  const reply = error instanceof ServiceProblemError ? error.cause : error;
  if (!(reply instanceof DbusError)) return false;
  if (reply.name === 'org.freedesktop.Secret.Error.NoSuchObject' || reply.name === 'org.freedesktop.DBus.Error.UnknownObject') return true;
  const unknown = reply.name === 'org.freedesktop.DBus.Error.UnknownMethod' || reply.name === 'org.freedesktop.DBus.Error.UnknownInterface';
  return unknown && (/does not exist/i.test(reply.message) || /no such interface\W+org\.freedesktop\.Secret\.Item\b/i.test(reply.message));
}

/**
 * The session bus libsecret would use: DBUS_SESSION_BUS_ADDRESS, else the systemd user bus at
 * $XDG_RUNTIME_DIR/bus, as GLib does. Never autolaunch: GLib would spawn `dbus-launch` with this
 * process's whole environment.
 */
export function sessionBusAddress(env: Record<string, string | undefined>, isSocket: (path: string) => boolean = socketExists): string | undefined {
  const address = env.DBUS_SESSION_BUS_ADDRESS;
  if (address) return address;
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && isSocket(join(runtime, 'bus'))) return `unix:path=${join(runtime, 'bus')}`;
  return undefined;
}

function socketExists(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/** Maps a D-Bus error reply to what it means for the keyring. */
export function problemOf(error: unknown): ServiceProblem {
  if (error instanceof ServiceProblemError) return error.problem;
  const detail = error instanceof DbusError ? `${error.name}: ${error.message}` : (error as Error).message;
  const name = error instanceof DbusError ? error.name : '';
  if (name === 'org.freedesktop.DBus.Error.ServiceUnknown' || name === 'org.freedesktop.DBus.Error.NameHasNoOwner' || name === 'org.freedesktop.DBus.Error.Spawn.ChildExited') {
    return { kind: 'no-service', detail };
  }
  if (name === 'org.freedesktop.DBus.Error.AccessDenied' || name === 'org.freedesktop.DBus.Error.AuthFailed' || name === 'org.freedesktop.Secret.Error.AccessDenied') {
    return { kind: 'access-denied', detail };
  }
  if (name === 'org.freedesktop.Secret.Error.IsLocked') return { kind: 'locked', detail };
  if (name.startsWith('org.freedesktop.DBus.Error.') && /NoServer|Disconnected|NoNetwork|FileNotFound/.test(name)) return { kind: 'no-bus', detail };
  if (!name) return { kind: 'no-bus', detail };
  return { kind: 'failed', detail };
}

export interface ItemSearch {
  unlocked: string[];
  locked: string[];
}

/** One connection to the Secret Service's bus; every question takes the caller's deadline. */
export interface SecretService {
  /** The bus address libsecret is to use (the same bus this connection reached). */
  readonly address: string;
  /** Settles when the bus has answered Hello; questions may be asked before. */
  readonly ready: Promise<void>;
  search(attributes: Record<string, string>, signal: AbortSignal): Promise<ItemSearch>;
  /**
   * The value of an unlocked item, read on this connection: two small calls instead of loading
   * libsecret and opening a second connection, which is what a cache hit would otherwise pay for.
   * A plain (unencrypted) session: the bus is this user's own socket, as libsecret also allows.
   * Null when the item was deleted since it was found (a configure rotating the secret). Absent
   * without a connection of tokenctl's own (dbus-send asks each question on a new one, and a Secret
   * Service session belongs to its connection): libsecret reads the value then.
   */
  secret?(item: string, signal: AbortSignal): Promise<string | null>;
  /** Starts what `secret` needs (a session) now, so that it goes to the bus with the search before it. */
  prepareSecret?(signal: AbortSignal): void;
  /** The default collection (where keytar stores), or a problem: none yet, or locked. */
  defaultCollectionProblem(signal: AbortSignal): Promise<ServiceProblem | undefined>;
  /**
   * Asks the Secret Service to unlock `objects`, showing its own unlock prompt when it needs one
   * (on the desktop, not in this terminal), and waits for the person's answer within `signal`.
   * True when unlocked; false when the prompt was dismissed. Absent where tokenctl cannot wait for
   * the answer itself: libsecret then shows the prompt, within the same deadline.
   */
  unlock?(objects: string[], signal: AbortSignal): Promise<boolean>;
  close(): void;
}

/** A bus tokenctl connects to itself. */
export interface SocketBus {
  kind: 'socket';
  address: string;
  socketPath: string;
}

/** A bus only a D-Bus library reaches (`why` says why tokenctl cannot). */
export interface LibraryBus {
  kind: 'library';
  address: string;
  why: string;
}

/** The session bus and how it can be reached, or a no-bus problem. */
export function sessionBus(env: Record<string, string | undefined>, abstractSockets?: boolean): SocketBus | LibraryBus {
  const address = sessionBusAddress(env);
  if (!address) {
    throw new ServiceProblemError({ kind: 'no-bus', detail: `DBUS_SESSION_BUS_ADDRESS is not set${env.XDG_RUNTIME_DIR ? ` and ${join(env.XDG_RUNTIME_DIR, 'bus')} is not a socket` : ''}` });
  }
  const endpoint = busEndpoint(address, abstractSockets);
  if (endpoint.kind === 'socket') return { kind: 'socket', address, socketPath: endpoint.path };
  if (endpoint.kind === 'library') return { kind: 'library', address, why: `${endpoint.why} (${address.slice(0, 120)})` };
  throw new ServiceProblemError({ kind: 'no-bus', detail: `DBUS_SESSION_BUS_ADDRESS names no bus tokenctl can connect to (${address.slice(0, 120)}): ${endpoint.why}` });
}

/** Opens tokenctl's own connection and returns at once; a bus that cannot be reached fails the first question. */
export function openSecretService(target: SocketBus): SecretService {
  const { address } = target;
  const bus = openBus(target.socketPath);
  const unreachable = (error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    return new ServiceProblemError({ kind: 'no-bus', detail: `cannot connect to ${address.slice(0, 120)}${code ? ` (${code})` : `: ${(error as Error).message}`}` });
  };
  const ready = bus.ready.catch((error: unknown) => {
    throw unreachable(error);
  });
  ready.catch(() => {});
  const ask = async (call: Omit<MethodCall, 'destination'>, callSignal: AbortSignal): Promise<DbusValue[]> => {
    try {
      return await bus.call({ destination: SERVICE, ...call }, callSignal);
    } catch (error) {
      if (callSignal.aborted) throw error;
      // A connection that never came up is "no bus", not whatever the first question ran into.
      await ready;
      throw new ServiceProblemError(problemOf(error), { cause: error });
    }
  };
  const property = async (path: string, iface: string, name: string, callSignal: AbortSignal) => {
    const [variant] = await ask({ path, interface: PROPERTIES, member: 'Get', signature: 'ss', body: [iface, name] }, callSignal);
    return (variant as { value: DbusValue }).value;
  };
  let session: Promise<string> | undefined;
  const openSession = (callSignal: AbortSignal) =>
    (session ??= ask({ path: SERVICE_PATH, interface: 'org.freedesktop.Secret.Service', member: 'OpenSession', signature: 'sv', body: ['plain', { signature: 's', value: '' }] }, callSignal).then(
      ([, path]) => path as string,
    ));
  return {
    address,
    ready,
    async search(attributes, callSignal) {
      const body = [Object.entries(attributes)];
      const [unlocked, locked] = await ask({ path: SERVICE_PATH, interface: 'org.freedesktop.Secret.Service', member: 'SearchItems', signature: 'a{ss}', body }, callSignal);
      return { unlocked: unlocked as string[], locked: locked as string[] };
    },
    prepareSecret(callSignal) {
      openSession(callSignal).catch(() => {}); // reported by secret(), if it is asked for
    },
    async secret(item, callSignal) {
      const opened = await openSession(callSignal).catch((error: unknown) => {
        session = undefined;
        throw error;
      });
      let secret: DbusValue | undefined;
      try {
        [secret] = await ask({ path: item, interface: 'org.freedesktop.Secret.Item', member: 'GetSecret', signature: 'o', body: [opened] }, callSignal);
      } catch (error) {
        if (isVanishedObject(error)) return null;
        throw error;
      }
      // (session, parameters, value, content type): keytar stores UTF-8 text.
      const value = (secret as DbusValue[])[2] as number[];
      return Buffer.from(value).toString('utf8');
    },
    async defaultCollectionProblem(callSignal) {
      const [path] = await ask({ path: SERVICE_PATH, interface: 'org.freedesktop.Secret.Service', member: 'ReadAlias', signature: 's', body: ['default'] }, callSignal);
      if (path === '/') return { kind: 'no-default-keyring' };
      const locked = await property(path as string, 'org.freedesktop.Secret.Collection', 'Locked', callSignal);
      return locked ? { kind: 'locked', detail: `the default keyring ${String(path)} is locked`, objects: [path as string] } : undefined;
    },
    async unlock(objects, callSignal) {
      const [, prompt] = await ask({ path: SERVICE_PATH, interface: 'org.freedesktop.Secret.Service', member: 'Unlock', signature: 'ao', body: [objects] }, callSignal);
      if (prompt === '/') return true;
      const rule = `type='signal',interface='org.freedesktop.Secret.Prompt',member='Completed',path='${String(prompt)}'`;
      await bus.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'AddMatch', signature: 's', body: [rule] }, callSignal);
      let unsubscribe = () => {};
      const completed = new Promise<boolean>((resolve) => {
        unsubscribe = bus.onSignal((message) => {
          if (message.path === prompt && message.member === 'Completed') resolve(message.body[0] !== true);
        });
      });
      try {
        await ask({ path: prompt as string, interface: 'org.freedesktop.Secret.Prompt', member: 'Prompt', signature: 's', body: [''] }, callSignal);
        const aborted = new Promise<never>((_, reject) => callSignal.addEventListener('abort', () => reject(callSignal.reason), { once: true }));
        return await Promise.race([completed, aborted]);
      } finally {
        unsubscribe();
      }
    },
    close: () => bus.close(),
  };
}
