/**
 * Every file tokenctl reads from a path that a user, a profile or the environment names goes through
 * here: only a regular file, and only up to a size that fits what it holds. A FIFO nobody writes to
 * would block the open forever, and /dev/zero would be read until memory runs out.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from './fs-async.js';
import { Code, UsageError } from './errors.js';

/** The most each kind of file may hold: far above any real one, far below what hurts. */
export const FILE_LIMITS = {
  /** A client secret or a password kept in a file. */
  secret: 64 * 1024,
  /** A certificate, a private key, a keystore, a JWKS or a verification key. */
  certificate: 1024 * 1024,
  /** A CA bundle (a whole system bundle is about 200 KiB). */
  caBundle: 4 * 1024 * 1024,
  /** A token, or a token response, to decode. */
  token: 1024 * 1024,
  /** A profile, a cache entry or an encrypted secret file in the config dir. */
  config: 1024 * 1024,
} as const;

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer that may never come.
const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

function notRegular(path: string, stats: Stats): UsageError {
  const kind = stats.isFIFO() ? 'a FIFO (named pipe)' : stats.isDirectory() ? 'a directory' : stats.isCharacterDevice() || stats.isBlockDevice() ? 'a device' : stats.isSocket() ? 'a socket' : 'not a regular file';
  return new UsageError(Code.FILE_NOT_REGULAR, `${path} is ${kind}: tokenctl reads only regular files`, {
    hint: 'Point it at a regular file. To pass a secret through a pipe, use --client-secret-stdin.',
  });
}

function tooLarge(path: string, limit: number): UsageError {
  return new UsageError(Code.FILE_TOO_LARGE, `${path} is larger than ${limit / 1024} KiB, more than such a file ever holds`, {
    hint: 'Check that the path names the right file.',
  });
}

/** Reads `handle` until `capacity` bytes or the end, whichever comes first. */
async function readUpTo(handle: Awaited<ReturnType<typeof open>>, capacity: number): Promise<Buffer> {
  const buffer = Buffer.alloc(capacity);
  let size = 0;
  while (size < capacity) {
    const { bytesRead } = await handle.read(buffer, size, capacity - size, null);
    if (bytesRead === 0) break;
    size += bytesRead;
  }
  return buffer.subarray(0, size);
}

/**
 * The file's bytes: a regular file of at most `limit` bytes, else a UsageError naming the path.
 * Errors of the open itself (ENOENT, EACCES) are thrown as they are, for the caller to word.
 */
export async function readInputFile(path: string, limit: number): Promise<Buffer> {
  const handle = await open(path, READ_FLAGS);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw notRegular(path, stats);
    if (stats.size > limit) throw tooLarge(path, limit);
    // The file may grow between the stat and the read: one byte more than the limit tells.
    const data = await readUpTo(handle, limit + 1);
    if (data.length > limit) throw tooLarge(path, limit);
    return data;
  } finally {
    await handle.close();
  }
}

/**
 * The text of a regular file, cut after `limit` bytes and one more: for a caller that tells an
 * oversized file by its length and says so in its own words (the federated token file).
 */
export async function readInputText(path: string, limit: number): Promise<string> {
  const handle = await open(path, READ_FLAGS);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw notRegular(path, stats);
    return (await readUpTo(handle, limit + 1)).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** readInputFile for the few synchronous checks (doctor). */
export function readInputFileSync(path: string, limit: number): Buffer {
  const fd = openSync(path, READ_FLAGS);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw notRegular(path, stats);
    if (stats.size > limit) throw tooLarge(path, limit);
    const buffer = Buffer.alloc(limit + 1);
    let size = 0;
    for (let read = -1; read !== 0 && size < buffer.length; size += read) read = readSync(fd, buffer, size, buffer.length - size, null);
    if (size > limit) throw tooLarge(path, limit);
    return buffer.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}
