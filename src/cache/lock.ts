import { randomUUID } from 'node:crypto';
import { constants, watch, type FSWatcher } from 'node:fs';
import { open, unlink } from '../fs-async.js';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { CliError, Code, LockError } from '../errors.js';
import { ensurePrivateDir, refuseOpenDirectory } from '../profiles/atomic-file.js';

export interface ProfileLockOptions<T = unknown> {
  /**
   * How long past a holder's own bound this waiter still waits for the lock to be released or taken
   * over before it gives up: LOCK_TIMEOUT (exit 8). A live holder within its bound is always waited
   * for, however short this is.
   */
  timeoutMs: number;
  /**
   * This process's own bound as a holder, recorded in its lock file: the longest its work can take.
   * Past it, others take the lock over even when this process still runs (hung, or its pid reused).
   * Also the bound of a holder that recorded none (an older tokenctl).
   */
  staleMs?: number;
  /** The first interval between looks at the lock; it grows to MAX_POLL_MS while the wait goes on. */
  pollMs?: number;
  /** Named in the timeout message. */
  profile?: string;
  /**
   * Checked between polls while another process holds the lock: a result ends the wait without the
   * lock. Waiters then read the holder's fresh token in parallel instead of queueing for the lock.
   */
  whileWaiting?: () => Promise<T | undefined>;
}

/** What a lock file holds. */
export interface LockHolder {
  pid: number;
  hostname: string;
  createdAt: string;
  /** Tells two locks apart even when a pid and a clock tick repeat. */
  nonce: string;
  /** The holder's own bound (its staleMs): waiters honour it, so a live holder within it is never taken over. */
  staleMs?: number;
}

/** A lock file as read through one open handle, so content and identity match. */
interface Snapshot {
  ino: number;
  mtimeMs: number;
  content: string;
}

const DEFAULT_STALE_MS = 30_000;
/**
 * The most a recorded bound is honoured: the longest any tokenctl may work under a lock (a request
 * timeout of one hour and a keychain timeout of ten minutes, with margin). A larger number in a lock
 * file is a broken file, not a reason to wait for ever.
 */
export const MAX_STALE_MS = 75 * 60_000;
const DEFAULT_POLL_MS = 25;
/**
 * Waiting costs next to no CPU: looks at the lock back off to this interval, and a release wakes
 * waiters at once through a file-system watch where one is available.
 */
const MAX_POLL_MS = 250;
/** An empty or unreadable lock file this old was left by a crash between create and write. */
const UNWRITTEN_GRACE_MS = 2_000;

function parseLockHolder(content: string): LockHolder | undefined {
  try {
    const value = JSON.parse(content) as Partial<LockHolder> | null;
    if (Number.isSafeInteger(value?.pid) && (value?.pid as number) > 0 && typeof value?.hostname === 'string' && typeof value.createdAt === 'string' && !Number.isNaN(Date.parse(value.createdAt))) {
      const { staleMs, ...holder } = value as LockHolder;
      return typeof staleMs === 'number' && staleMs > 0 ? { ...holder, staleMs } : holder;
    }
  } catch {
    // unreadable: judged by the file's age below
  }
  return undefined;
}

/** Whether a pid runs on this machine; EPERM means it runs as another user. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How long `holder` may keep the lock: its own recorded bound (at most MAX_STALE_MS), else `staleMs`. */
export function holderBoundMs(holder: LockHolder | undefined, staleMs: number): number {
  if (!holder) return Math.min(UNWRITTEN_GRACE_MS, staleMs);
  return holder.staleMs === undefined ? staleMs : Math.min(holder.staleMs, MAX_STALE_MS);
}

/**
 * Whether a lock may be taken over. Pure: the caller supplies the clock, this host's name and the
 * liveness check. A holder on another host (a shared home directory) is judged by age alone; a
 * holder is old when it is past its own bound (holderBoundMs), not the waiter's.
 */
export function isStale(
  holder: LockHolder | undefined,
  fileMtimeMs: number,
  context: { now: number; hostname: string; staleMs: number; isAlive: (pid: number) => boolean },
): boolean {
  const bound = holderBoundMs(holder, context.staleMs);
  if (!holder) return context.now - fileMtimeMs > bound;
  if (context.now - Date.parse(holder.createdAt) > bound) return true;
  return holder.hostname === context.hostname && !context.isAlive(holder.pid);
}

/** A lock file holds one small JSON object: anything larger was not written by tokenctl. */
const MAX_LOCK_BYTES = 64 * 1024;

async function snapshot(path: string): Promise<Snapshot> {
  // Non-blocking and not through a link: a FIFO or a device put in a lock's place must not hang a
  // waiter, nor a directory or a huge file be taken for a holder.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`${path} is not a regular file`);
    if (stat.size > MAX_LOCK_BYTES) throw new Error(`${path} is larger than a lock file can be (${stat.size} bytes)`);
    return { ino: stat.ino, mtimeMs: stat.mtimeMs, content: await handle.readFile('utf8') };
  } finally {
    await handle.close();
  }
}

const sameLock = (a: Snapshot, b: Snapshot) => a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.content === b.content;

/** A takeover guard left by a process that died inside one is cleared after this long. */
const GUARD_STALE_MS = 5_000;

async function snapshotIfPresent(path: string): Promise<Snapshot | undefined> {
  try {
    return await snapshot(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Removes a stale lock, one remover at a time: takeovers pass through an exclusively created guard
 * file, and under it the lock is removed only if it is still the one judged stale. Without the
 * guard, two waiters taking over the same dead holder's lock could each remove the other's new one.
 * False when another process holds the guard.
 */
async function takeOver(path: string, observed: Snapshot): Promise<boolean> {
  const guard = `${path}.takeover`;
  try {
    await (await open(guard, 'wx', 0o600)).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const guardState = await snapshotIfPresent(guard);
    if (guardState && Date.now() - guardState.mtimeMs > GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    return false; // another process is taking over; poll again
  }
  try {
    const current = await snapshotIfPresent(path);
    // A stale lock that cannot be removed is a failure, not a takeover to try again at once.
    if (current && sameLock(current, observed)) await unlink(path).catch(ignoreMissing);
    return true;
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

const ignoreMissing = (error: NodeJS.ErrnoException) => {
  if (error.code !== 'ENOENT') throw error;
};

/** Releases our own lock, and only ours: it may have been taken over if this process was judged stale. */
async function release(path: string, ours: Snapshot): Promise<void> {
  const current = await snapshotIfPresent(path);
  if (current && sameLock(current, ours)) await unlink(path);
}

async function tryCreate(path: string, staleMs: number): Promise<Snapshot | undefined> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  const holder: LockHolder = { pid: process.pid, hostname: hostname(), createdAt: new Date().toISOString(), nonce: randomUUID(), staleMs };
  const content = JSON.stringify(holder);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
    const { ino, mtimeMs } = await handle.stat();
    return { ino, mtimeMs, content };
  } catch (error) {
    // An unwritten lock would hold everyone up for the grace period.
    await unlink(path).catch(() => undefined);
    throw error;
  } finally {
    await handle.close();
  }
}

function describeHolder(holder: LockHolder | undefined, now: number, staleMs: number): string {
  if (!holder) return 'its holder has not written it yet';
  return `held by pid ${holder.pid} on ${holder.hostname} for ${Math.round((now - Date.parse(holder.createdAt)) / 1000)} s (its bound: ${Math.round(holderBoundMs(holder, staleMs) / 1000)} s)`;
}

/**
 * Runs `fn` while holding the lock file at `lockPath`, so that of many tokenctl processes asking for
 * one profile's token at once, one requests it and the others then find it in the cache. The lock is
 * an exclusively created file naming its holder; a holder that died, or one older than staleMs, is
 * taken over.
 */
export async function withProfileLock<T>(lockPath: string, options: ProfileLockOptions<T>, fn: () => Promise<T>): Promise<T> {
  const acquired = await acquire(lockPath, options);
  if ('early' in acquired) return acquired.early;
  const ours = acquired;
  try {
    return await fn();
  } finally {
    // Never mask fn's outcome: a lock left behind is taken over once this process has exited.
    await release(lockPath, ours).catch(() => undefined);
  }
}

/**
 * Wakes a waiter when the lock file is released or replaced, or when its interval is up. A watch is
 * a convenience: where none can be had (no inotify instances left with hundreds of waiters, a
 * network file system) the interval alone still bounds the wait for the next look.
 */
function lockWatcher(lockPath: string): { next(ms: number): Promise<void>; close(): void } {
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(lockPath), { persistent: false }, (_event, file) => {
      if (file === null || file === basename(lockPath)) wake?.();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined;
  }
  return {
    next: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      }),
    close: () => watcher?.close(),
  };
}

async function acquire<T>(lockPath: string, options: ProfileLockOptions<T>): Promise<Snapshot | { early: T }> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  let pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  // The bound is on one holder: each new holder (200 parallel calls pass the lock along) is waited
  // for until its own bound has passed (then it is taken over), and timeoutMs more: a waiter never
  // gives up on holders that are alive and taking their turns, whatever its own timeout.
  let deadline = Date.now() + options.timeoutMs;
  let holderSeen: string | undefined;
  let watcher: ReturnType<typeof lockWatcher> | undefined;
  try {
    await refuseOpenDirectory(dirname(lockPath));
    await ensurePrivateDir(dirname(lockPath));
    for (;;) {
      const ours = await tryCreate(lockPath, staleMs);
      if (ours) return ours;
      let theirs: Snapshot;
      try {
        theirs = await snapshot(lockPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
        throw error;
      }
      const holder = parseLockHolder(theirs.content);
      const now = Date.now();
      if (theirs.content !== holderSeen) {
        holderSeen = theirs.content;
        const age = holder ? now - Date.parse(holder.createdAt) : now - theirs.mtimeMs;
        const remaining = holderBoundMs(holder, staleMs) - Math.max(0, age);
        deadline = Math.max(deadline, now + Math.max(0, remaining) + options.timeoutMs);
      }
      if (isStale(holder, theirs.mtimeMs, { now, hostname: hostname(), staleMs, isAlive: processAlive })) {
        if (await takeOver(lockPath, theirs)) continue;
      }
      if (now >= deadline) {
        const what = options.profile === undefined ? 'holds this lock' : `is working on profile "${options.profile}"`;
        throw new LockError(Code.LOCK_TIMEOUT, `another tokenctl ${what}: the lock file ${lockPath} is ${describeHolder(holder, now, staleMs)}, and could not be taken over; gave up ${options.timeoutMs / 1000} s after its bound`, {
          hint: `Wait and try again. If no tokenctl is running, remove ${lockPath}.`,
        });
      }
      const early = await options.whileWaiting?.();
      if (early !== undefined) return { early };
      watcher ??= lockWatcher(lockPath);
      // Jitter, so waiters that woke together do not look again in lockstep.
      await watcher.next(Math.min(pollMs * (0.5 + Math.random()), Math.max(deadline - now, 1)));
      pollMs = Math.min(pollMs * 1.5, MAX_POLL_MS);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new LockError(Code.LOCK_FAILED, `cannot take the lock file ${lockPath}: ${(error as Error).message}`, {
      hint: `Check that ${dirname(lockPath)} belongs to you and is writable.`,
      cause: error,
    });
  } finally {
    watcher?.close();
  }
}
