import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A byte-for-byte relay between libsecret and the session bus, so a keychain call that hangs can be
 * ended. libsecret blocks one of libuv's worker threads, and Node joins those threads before it
 * exits: a call stuck on a bus that stopped answering, or on a prompt nobody answers, would keep
 * the process alive forever. Cutting the relay closes libsecret's connection; GLib then fails the
 * call (a vanished bus, a vanished prompt) and the thread, and the process, can end.
 */
export interface BusRelay {
  /** The D-Bus address libsecret is to connect to. */
  readonly address: string;
  /** Closes every relayed connection; libsecret sees its bus vanish. */
  cut(): void;
}

export function startBusRelay(upstreamPath: string, runtimeDir: string | undefined): Promise<BusRelay> {
  // A private directory (0700): only this user can reach the socket, and the socket's path is gone
  // as soon as libsecret has connected.
  const dir = mkdtempSync(join(runtimeDir || tmpdir(), 'tokenctl-bus-'));
  const path = join(dir, 'socket');
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.unref();
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => cut());
  };
  let cutDone = false;
  const server = createServer((downstream) => {
    server.close();
    removeDir();
    const upstream = connect({ path: upstreamPath });
    track(downstream);
    track(upstream);
    if (cutDone) return cut();
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    // Either side ending ends both: libsecret must see a bus that went away as gone.
    downstream.on('close', () => upstream.destroy());
    upstream.on('close', () => downstream.destroy());
  });
  const removeDir = () => {
    process.off('exit', removeDir);
    rmSync(dir, { recursive: true, force: true });
  };
  // A relay libsecret never connected to leaves nothing behind either.
  process.on('exit', removeDir);
  function cut(): void {
    cutDone = true;
    server.close();
    removeDir();
    for (const socket of sockets) socket.destroy();
  }
  return new Promise((resolve, reject) => {
    server.once('error', (error) => {
      removeDir();
      reject(error);
    });
    server.listen(path, () => {
      server.unref();
      resolve({ address: `unix:path=${path}`, cut });
    });
  });
}
