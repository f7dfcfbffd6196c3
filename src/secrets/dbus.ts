import { connect, type Socket } from 'node:net';

/**
 * Just enough of the D-Bus wire protocol to ask a session bus short questions asynchronously, with
 * a deadline: libsecret's own calls block a thread that nothing can interrupt, so tokenctl asks
 * first. Little-endian messages, EXTERNAL authentication over a unix socket, the basic types plus
 * arrays, structs, dict entries and variants. (The npm D-Bus clients load far more code than a
 * cache hit can afford, for a handful of method calls.)
 */

/** A value in a message body: strings for s/o/g, numbers for integers, arrays for a/()/{}; a variant is [signature, value]. */
export type DbusValue = string | number | boolean | DbusValue[] | Variant;
export interface Variant {
  signature: string;
  value: DbusValue;
}

export interface MethodCall {
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: DbusValue[];
}

/** An error reply: `name` is the D-Bus error name, e.g. org.freedesktop.DBus.Error.AccessDenied. */
export class DbusError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

const MESSAGE = { call: 1, reply: 2, error: 3, signal: 4 } as const;
const FIELD = { path: 1, interface: 2, member: 3, errorName: 4, replySerial: 5, destination: 6, sender: 7, signature: 8 } as const;
const MAX_MESSAGE = 1 << 20;

/** Splits a signature into its complete types: "a{ss}ob" → ["a{ss}", "o", "b"]. */
export function splitSignature(signature: string): string[] {
  const types: string[] = [];
  let i = 0;
  while (i < signature.length) {
    const end = completeTypeEnd(signature, i);
    types.push(signature.slice(i, end));
    i = end;
  }
  return types;
}

function completeTypeEnd(signature: string, start: number): number {
  const c = signature[start];
  if (c === 'a') return completeTypeEnd(signature, start + 1);
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    let i = start + 1;
    while (signature[i] !== close) {
      if (i >= signature.length) throw new Error(`unbalanced D-Bus signature ${signature}`);
      i = completeTypeEnd(signature, i);
    }
    return i + 1;
  }
  if (c === undefined || !'ybnqiuxtdsogvh'.includes(c)) throw new Error(`unsupported D-Bus type in signature ${signature}`);
  return start + 1;
}

const alignmentOf = (type: string): number => {
  switch (type[0]) {
    case 'y':
    case 'g':
    case 'v':
      return 1;
    case 'n':
    case 'q':
      return 2;
    case 'x':
    case 't':
    case 'd':
    case '(':
    case '{':
      return 8;
    default:
      return 4;
  }
};

class Writer {
  private chunks: Buffer[] = [];
  length = 0;

  private push(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }

  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    if (pad) this.push(Buffer.alloc(pad));
  }

  uint32(value: number): void {
    this.align(4);
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0);
    this.push(b);
  }

  write(type: string, value: DbusValue): void {
    switch (type[0]) {
      case 'y':
        this.push(Buffer.from([Number(value) & 0xff]));
        return;
      case 'b':
        this.uint32(value ? 1 : 0);
        return;
      case 'u':
      case 'i':
        this.uint32(Number(value));
        return;
      case 's':
      case 'o': {
        const bytes = Buffer.from(String(value), 'utf8');
        this.uint32(bytes.length);
        this.push(Buffer.concat([bytes, Buffer.alloc(1)]));
        return;
      }
      case 'g': {
        const bytes = Buffer.from(String(value), 'ascii');
        this.push(Buffer.concat([Buffer.from([bytes.length]), bytes, Buffer.alloc(1)]));
        return;
      }
      case 'v': {
        const variant = value as Variant;
        this.write('g', variant.signature);
        this.write(variant.signature, variant.value);
        return;
      }
      case 'a': {
        const element = type.slice(1);
        this.uint32(0);
        const lengthAt = this.length - 4;
        this.align(alignmentOf(element));
        const start = this.length;
        for (const item of value as DbusValue[]) this.write(element, item);
        this.patchUint32(lengthAt, this.length - start);
        return;
      }
      case '(':
      case '{': {
        this.align(8);
        const members = splitSignature(type.slice(1, -1));
        members.forEach((member, i) => this.write(member, (value as DbusValue[])[i] as DbusValue));
        return;
      }
      default:
        throw new Error(`cannot write D-Bus type ${type}`);
    }
  }

  private patchUint32(offset: number, value: number): void {
    const all = this.toBuffer();
    all.writeUInt32LE(value, offset);
    this.chunks = [all];
  }

  toBuffer(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] as Buffer;
  }
}

class Reader {
  offset = 0;
  constructor(private readonly buffer: Buffer) {}

  align(n: number): void {
    this.offset += (n - (this.offset % n)) % n;
  }

  private need(n: number): void {
    if (this.offset + n > this.buffer.length) throw new Error('truncated D-Bus message');
  }

  uint32(): number {
    this.align(4);
    this.need(4);
    const value = this.buffer.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }

  read(type: string): DbusValue {
    switch (type[0]) {
      case 'y':
        this.need(1);
        return this.buffer[this.offset++] as number;
      case 'b':
        return this.uint32() !== 0;
      case 'u':
        return this.uint32();
      case 'i':
        return this.uint32() | 0;
      case 'n':
      case 'q': {
        this.align(2);
        this.need(2);
        const value = type === 'n' ? this.buffer.readInt16LE(this.offset) : this.buffer.readUInt16LE(this.offset);
        this.offset += 2;
        return value;
      }
      case 'x':
      case 't':
      case 'd': {
        this.align(8);
        this.need(8);
        const value = type === 'd' ? this.buffer.readDoubleLE(this.offset) : Number(type === 'x' ? this.buffer.readBigInt64LE(this.offset) : this.buffer.readBigUInt64LE(this.offset));
        this.offset += 8;
        return value;
      }
      case 'h':
        return this.uint32();
      case 's':
      case 'o': {
        const length = this.uint32();
        this.need(length + 1);
        const value = this.buffer.toString('utf8', this.offset, this.offset + length);
        this.offset += length + 1;
        return value;
      }
      case 'g': {
        this.need(1);
        const length = this.buffer[this.offset++] as number;
        this.need(length + 1);
        const value = this.buffer.toString('ascii', this.offset, this.offset + length);
        this.offset += length + 1;
        return value;
      }
      case 'v': {
        const signature = this.read('g') as string;
        return { signature, value: this.read(signature) };
      }
      case 'a': {
        const element = type.slice(1);
        const length = this.uint32();
        this.align(alignmentOf(element));
        const end = this.offset + length;
        this.need(length);
        const items: DbusValue[] = [];
        while (this.offset < end) items.push(this.read(element));
        return items;
      }
      case '(':
      case '{': {
        this.align(8);
        return splitSignature(type.slice(1, -1)).map((member) => this.read(member));
      }
      default:
        throw new Error(`cannot read D-Bus type ${type}`);
    }
  }
}

export function marshalBody(signature: string, body: DbusValue[]): Buffer {
  const writer = new Writer();
  splitSignature(signature).forEach((type, i) => writer.write(type, body[i] as DbusValue));
  return writer.toBuffer();
}

export function unmarshalBody(signature: string, buffer: Buffer): DbusValue[] {
  const reader = new Reader(buffer);
  return splitSignature(signature).map((type) => reader.read(type));
}

export interface Message {
  type: number;
  serial: number;
  path?: string;
  interface?: string;
  member?: string;
  replySerial?: number;
  errorName?: string;
  signature: string;
  body: DbusValue[];
}

/** One method call as bytes; `serial` must be unique on its connection. */
export function encodeCall(call: MethodCall, serial: number): Buffer {
  const signature = call.signature ?? '';
  const body = signature ? marshalBody(signature, call.body ?? []) : Buffer.alloc(0);
  const fields: DbusValue[] = [
    [FIELD.path, { signature: 'o', value: call.path }],
    [FIELD.interface, { signature: 's', value: call.interface }],
    [FIELD.member, { signature: 's', value: call.member }],
    [FIELD.destination, { signature: 's', value: call.destination }],
    ...(signature ? [[FIELD.signature, { signature: 'g', value: signature }]] : []),
  ];
  const header = new Writer();
  header.write('y', 'l'.charCodeAt(0));
  header.write('y', MESSAGE.call);
  header.write('y', 0);
  header.write('y', 1);
  header.write('u', body.length);
  header.write('u', serial);
  header.write('a(yv)', fields);
  header.align(8);
  return Buffer.concat([header.toBuffer(), body]);
}

/** The length of the first complete message in `buffer`, or undefined when more bytes are needed. */
function messageLength(buffer: Buffer): number | undefined {
  if (buffer.length < 16) return undefined;
  if (buffer[0] !== 'l'.charCodeAt(0)) throw new Error('the bus sent a big-endian message');
  const bodyLength = buffer.readUInt32LE(4);
  const fieldsLength = buffer.readUInt32LE(12);
  const total = 16 + fieldsLength + ((8 - (fieldsLength % 8)) % 8) + bodyLength;
  if (total > MAX_MESSAGE) throw new Error('the bus sent an oversized message');
  return buffer.length >= total ? total : undefined;
}

export function decodeMessage(buffer: Buffer): Message {
  const reader = new Reader(buffer);
  reader.read('y');
  const type = reader.read('y') as number;
  reader.read('y');
  reader.read('y');
  const bodyLength = reader.uint32();
  const serial = reader.uint32();
  const fields = new Map((reader.read('a(yv)') as [number, Variant][]).map(([code, variant]) => [code, variant.value]));
  reader.align(8);
  const signature = (fields.get(FIELD.signature) as string | undefined) ?? '';
  const body = signature ? unmarshalBody(signature, buffer.subarray(reader.offset, reader.offset + bodyLength)) : [];
  const optional = (code: number) => fields.get(code) as never;
  const message: Message = { type, serial, signature, body };
  for (const [name, code] of [['replySerial', FIELD.replySerial], ['errorName', FIELD.errorName], ['path', FIELD.path], ['interface', FIELD.interface], ['member', FIELD.member]] as const) {
    if (fields.has(code)) message[name] = optional(code);
  }
  return message;
}

/** One entry of a D-Bus address, `transport:key=value,…`, its values unescaped. */
export interface BusAddressEntry {
  transport: string;
  params: Map<string, string>;
}

/** A value's %XX escapes undone; undefined when one is malformed (the entry is then unusable). */
function unescapeValue(value: string): string | undefined {
  if (!/^(?:[^%]|%[0-9A-Fa-f]{2})*$/.test(value)) return undefined;
  // Escapes are bytes, of UTF-8 text: undone as bytes, then read as text.
  const bytes = value.split(/(%[0-9A-Fa-f]{2})/).map((part) => (part.startsWith('%') ? Buffer.from([Number.parseInt(part.slice(1), 16)]) : Buffer.from(part, 'utf8')));
  return Buffer.concat(bytes).toString('utf8');
}

/** The entries of a D-Bus address list (separated by ";"), in order; malformed entries are left out. */
export function parseBusAddress(address: string): BusAddressEntry[] {
  return address.split(';').flatMap((entry): BusAddressEntry[] => {
    const colon = entry.indexOf(':');
    if (colon <= 0) return [];
    const params = new Map<string, string>();
    for (const pair of entry.slice(colon + 1).split(',')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const value = eq > 0 ? unescapeValue(pair.slice(eq + 1)) : undefined;
      if (value === undefined) return [];
      params.set(pair.slice(0, eq), value);
    }
    return [{ transport: entry.slice(0, colon), params }];
  });
}

/**
 * Whether this Node.js connects to a Linux abstract socket by its exact name. An abstract name is
 * every byte of sun_path within the address length given to connect(2), NULs included; libuv before
 * 1.48 (Node.js 20) always gives the whole sockaddr_un, so it asks for the name padded with NULs to
 * 107 bytes: a different name from the one dbus-daemon bound, and ECONNREFUSED. libuv 1.48 gives
 * the name's own length (libuv pull request 4266; Node.js 22).
 */
export function connectsAbstractSockets(libuvVersion: string = process.versions.uv ?? '0'): boolean {
  const [major = 0, minor = 0] = libuvVersion.split('.').map(Number);
  return major > 1 || (major === 1 && minor >= 48);
}

/**
 * How a bus address can be reached: by tokenctl's own connection (a unix socket it can connect to),
 * only by a D-Bus library (libdbus, GLib: an abstract socket this Node.js cannot name, tcp,
 * nonce-tcp, unixexec), or not at all (autolaunch, which tokenctl never does, and the listen-only
 * forms: the specification gives clients only unix:path= or unix:abstract=). The first entry
 * tokenctl can connect to wins; entries are alternatives for the same bus.
 */
export type BusEndpoint = { kind: 'socket'; path: string } | { kind: 'library'; why: string } | { kind: 'none'; why: string };

export function busEndpoint(address: string, abstractSockets: boolean = connectsAbstractSockets()): BusEndpoint {
  const entries = parseBusAddress(address);
  let library: string | undefined;
  const unusable: string[] = [];
  for (const { transport, params } of entries) {
    if (transport === 'unix') {
      const path = params.get('path');
      const name = params.get('abstract');
      if (path) return { kind: 'socket', path };
      if (name && abstractSockets) return { kind: 'socket', path: `\0${name}` };
      if (name) library ??= `Node.js ${process.version} cannot connect to an abstract unix socket by its exact name (its libuv is older than 1.48)`;
      else if (['dir', 'tmpdir', 'runtime'].some((key) => params.has(key))) unusable.push('unix:dir=, unix:tmpdir= and unix:runtime= are addresses a bus listens on, not ones a client connects to');
      else unusable.push('a unix: entry without path= or abstract=');
    } else if (transport === 'tcp' || transport === 'nonce-tcp' || transport === 'unixexec') {
      library ??= `tokenctl's own D-Bus client speaks only to unix sockets, not ${transport}:`;
    } else if (transport === 'autolaunch') {
      unusable.push('autolaunch: would start a bus of its own, which tokenctl never does');
    } else {
      unusable.push(`${transport}: is not a transport tokenctl can use here`);
    }
  }
  if (library) return { kind: 'library', why: library };
  return { kind: 'none', why: unusable.length ? [...new Set(unusable)].join('; ') : 'it is not a D-Bus address' };
}

export interface BusConnection {
  /** The reply's body; when `signal` aborts first, the connection is closed (a bus that missed one deadline is not trusted with another). */
  call(call: MethodCall, signal: AbortSignal): Promise<DbusValue[]>;
  /** Calls `listener` with every signal the bus routes here (see AddMatch); returns the unsubscribe. */
  onSignal(listener: (message: Message) => void): () => void;
  close(): void;
}

/**
 * Opens a connection to the bus at `socketPath` and returns at once: the handshake, Hello and the
 * first calls are pipelined, so a live bus answers them all in one round trip. `ready` settles when
 * Hello is answered. Nothing waits forever: every call takes a signal. The socket does not keep the
 * process alive.
 */
export function openBus(socketPath: string): BusConnection & { ready: Promise<void> } {
  const socket: Socket = connect({ path: socketPath });
  socket.unref();
  const pending = new Map<number, { resolve: (body: DbusValue[]) => void; reject: (error: Error) => void }>();
  const signalListeners = new Set<(message: Message) => void>();
  let serial = 0;
  let authenticated = false;
  let buffer = Buffer.alloc(0);
  let failure: Error | undefined;

  const fail = (error: Error) => {
    if (failure) return;
    failure = error;
    socket.destroy();
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };

  const send = (call: MethodCall): Promise<DbusValue[]> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      const id = ++serial;
      pending.set(id, { resolve, reject });
      socket.write(encodeCall(call, id));
    });

  socket.on('error', (error) => fail(error));
  socket.on('close', () => fail(new Error('the bus closed the connection')));
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    try {
      if (!authenticated) {
        const end = buffer.indexOf('\r\n');
        if (end < 0) {
          if (buffer.length > 512) throw new Error('the bus sent an overlong authentication line');
          return;
        }
        const line = buffer.toString('ascii', 0, end);
        buffer = buffer.subarray(end + 2);
        if (!line.startsWith('OK ')) throw new Error(`the bus refused authentication (${line.slice(0, 80)})`);
        authenticated = true;
      }
      for (let length = messageLength(buffer); length !== undefined; length = messageLength(buffer)) {
        const message = decodeMessage(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        if (message.type === MESSAGE.signal) for (const listener of signalListeners) listener(message);
        const waiter = message.replySerial === undefined ? undefined : pending.get(message.replySerial);
        if (!waiter) continue;
        pending.delete(message.replySerial as number);
        if (message.type === MESSAGE.error) waiter.reject(new DbusError(message.errorName ?? 'org.freedesktop.DBus.Error.Failed', typeof message.body[0] === 'string' ? message.body[0] : ''));
        else waiter.resolve(message.body);
      }
    } catch (error) {
      fail(error as Error);
    }
  });

  const uid = process.getuid?.() ?? 0;
  socket.write(Buffer.concat([Buffer.from([0]), Buffer.from(`AUTH EXTERNAL ${Buffer.from(String(uid)).toString('hex')}\r\nBEGIN\r\n`, 'ascii')]));
  const ready = send({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' }).then(() => undefined);
  ready.catch(() => {}); // also reported to every call

  return {
    ready,
    call: (call, signal) => {
      const abort = () => fail(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      if (signal.aborted) abort();
      signal.addEventListener('abort', abort, { once: true });
      return send(call).finally(() => signal.removeEventListener('abort', abort));
    },
    onSignal: (listener) => {
      signalListeners.add(listener);
      return () => signalListeners.delete(listener);
    },
    close: () => fail(new Error('connection closed')),
  };
}

/** openBus, once Hello is answered; fails (never hangs) when `signal` aborts first. */
export async function connectBus(socketPath: string, signal: AbortSignal): Promise<BusConnection> {
  const bus = openBus(socketPath);
  const aborted = new Promise<never>((_, reject) => {
    const abort = () => {
      bus.close();
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    if (signal.aborted) abort();
    signal.addEventListener('abort', abort, { once: true });
    void bus.ready.finally(() => signal.removeEventListener('abort', abort)).catch(() => {});
  });
  aborted.catch(() => {});
  await Promise.race([bus.ready, aborted]);
  return bus;
}
