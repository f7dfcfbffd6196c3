import * as fs from 'node:fs';
import type { MakeDirectoryOptions, RmOptions, Stats } from 'node:fs';

/**
 * The asynchronous file operations tokenctl uses, on node:fs's callbacks. node:fs/promises costs
 * every start that loads it about 1.6 ms (its FileHandle class loads streams and readline), and a
 * cache hit needs a handful of calls: a profile, a cache file and their directories.
 */

type Callback<T> = (error: NodeJS.ErrnoException | null, value: T) => void;

/**
 * A callback's error has no JavaScript frames: the caller's (async ones included) are added, so
 * that --verbose still shows where an unexpected one came from, as node:fs/promises' errors do.
 */
function settle<T>(start: (callback: Callback<T>) => void): Promise<T> {
  const site: { stack?: string } = {};
  Error.captureStackTrace(site, settle);
  return new Promise((resolve, reject) =>
    start((error, value) => {
      if (!error) return resolve(value);
      error.stack = `${error.stack ?? `${error.name}: ${error.message}`}${site.stack?.slice(site.stack.indexOf('\n')) ?? ''}`;
      reject(error);
    }),
  );
}

export const stat = (path: string) => settle<Stats>((done) => fs.stat(path, done));
export const lstat = (path: string) => settle<Stats>((done) => fs.lstat(path, done));
export const readdir = (path: string) => settle<string[]>((done) => fs.readdir(path, done));
export const readFile = (path: string, encoding: BufferEncoding) => settle<string>((done) => fs.readFile(path, encoding, done));
export const unlink = (path: string) => settle<void>((done) => fs.unlink(path, (error) => done(error, undefined)));
export const rename = (from: string, to: string) => settle<void>((done) => fs.rename(from, to, (error) => done(error, undefined)));
export const rm = (path: string, options: RmOptions) => settle<void>((done) => fs.rm(path, options, (error) => done(error, undefined)));
export const mkdir = (path: string, options: MakeDirectoryOptions) => settle<string | undefined>((done) => fs.mkdir(path, options, done));

/** An open file: the part of node:fs/promises' FileHandle that tokenctl uses. */
export interface FileHandle {
  readonly fd: number;
  read(buffer: Buffer, offset: number, length: number, position: number | null): Promise<{ bytesRead: number; buffer: Buffer }>;
  stat(): Promise<Stats>;
  readFile(encoding: BufferEncoding): Promise<string>;
  writeFile(data: string | Uint8Array, encoding?: BufferEncoding): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export async function open(path: string, flags: string | number, mode?: number): Promise<FileHandle> {
  const fd = await settle<number>((done) => fs.open(path, flags, mode, done));
  let closed = false;
  const read = (buffer: Buffer, offset: number, length: number, position: number | null) =>
    settle<{ bytesRead: number; buffer: Buffer }>((done) => fs.read(fd, buffer, offset, length, position, (error, bytesRead) => done(error, { bytesRead, buffer })));
  return {
    fd,
    read,
    stat: () => settle<Stats>((done) => fs.fstat(fd, done)),
    // Read by read(2) to the end, as FileHandle does: fs.readFile of a directory's descriptor
    // would answer "" where read(2) fails with EISDIR.
    readFile: async (encoding) => {
      const chunks: Buffer[] = [];
      for (;;) {
        const { bytesRead, buffer } = await read(Buffer.allocUnsafe(16 * 1024), 0, 16 * 1024, null);
        if (bytesRead === 0) return Buffer.concat(chunks).toString(encoding);
        chunks.push(buffer.subarray(0, bytesRead));
      }
    },
    writeFile: (data, encoding = 'utf8') => settle<void>((done) => fs.writeFile(fd, data, typeof data === 'string' ? encoding : {}, (error) => done(error, undefined))),
    sync: () => settle<void>((done) => fs.fsync(fd, (error) => done(error, undefined))),
    close: () => {
      // As FileHandle: a second close is a no-op, never the close of a descriptor reused since.
      if (closed) return Promise.resolve();
      closed = true;
      return settle<void>((done) => fs.close(fd, (error) => done(error, undefined)));
    },
  };
}
