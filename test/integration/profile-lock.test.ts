import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { holderBoundMs, isStale, MAX_STALE_MS, withProfileLock, type LockHolder } from '../../src/cache/lock.js';
import { CliError, LockError } from '../../src/errors.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const childScript = fileURLToPath(new URL('../support/lock-child.mjs', import.meta.url));

let buildDir: string;
let bundle: string;
let dir: string;
let lockPath: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // The children are plain node processes: give them the lock module built to one .mjs file.
  buildDir = await mkdtemp(join(tmpdir(), 'tokenctl-lock-build-'));
  bundle = join(buildDir, 'lock.mjs');
  await build({ entryPoints: [join(repo, 'src/cache/lock.ts')], outfile: bundle, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
});
afterAll(async () => {
  await rm(buildDir, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tokenctl-lock-'));
  lockPath = join(dir, 'locks', 'erp.lock');
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

interface Finished {
  pid: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

function startChild(mode: 'critical' | 'cache' | 'hold', options: { holdMs?: number; timeoutMs?: number; staleMs?: number } = {}) {
  const child = spawn(process.execPath, [childScript, bundle, mode, lockPath, dir, String(options.holdMs ?? 0), String(options.timeoutMs ?? 20_000), ...(options.staleMs ? [String(options.staleMs)] : [])]);
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const finished = new Promise<Finished>((resolve) => child.on('close', (code) => resolve({ pid: child.pid ?? -1, code, stdout, stderr })));
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => stdout.includes('locked') && resolve());
    void finished.then((f) => reject(new Error(`child exited (${f.code}) before locking: ${f.stderr}`)));
  });
  locked.catch(() => undefined); // awaited only by the tests that need it
  return { child, finished, locked };
}

const writeHolder = (holder: Partial<LockHolder>) =>
  writeFile(lockPath, JSON.stringify({ pid: process.pid, hostname: hostname(), createdAt: new Date().toISOString(), nonce: 'n', ...holder }));

async function rejection(promise: Promise<unknown>): Promise<CliError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

describe('withProfileLock across processes', () => {
  it('lets exactly one of 20 parallel processes in at a time, and all finish', async () => {
    const runs = Array.from({ length: 20 }, () => startChild('critical', { holdMs: 10 }).finished);
    const results = await Promise.all(runs);
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });

    const lines = (await readFile(join(dir, 'log'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(40);
    for (let i = 0; i < lines.length; i += 2) {
      const pid = lines[i]?.split(' ')[1];
      expect([lines[i], lines[i + 1]]).toEqual([`enter ${pid}`, `exit ${pid}`]);
    }
    expect(new Set(lines.map((line) => line.split(' ')[1]))).toEqual(new Set(results.map((r) => String(r.pid))));
    expect(await readdir(join(dir, 'locks'))).toEqual([]);
  });

  it('when 12 processes race to take over a stale lock, they still enter one at a time', async () => {
    await withProfileLock(lockPath, { timeoutMs: 0 }, async () => undefined); // creates the directory
    await writeHolder({ createdAt: new Date(Date.now() - 3_600_000).toISOString() });
    const results = await Promise.all(Array.from({ length: 12 }, () => startChild('critical', { holdMs: 5 }).finished));
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    const lines = (await readFile(join(dir, 'log'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(24);
    for (let i = 0; i < lines.length; i += 2) expect(lines[i + 1]).toBe(lines[i]?.replace('enter', 'exit'));
  });

  it('on an empty cache, 30 parallel token commands make exactly one request and all get its token', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, () => startChild('cache', { holdMs: 150 }).finished));
    const requests = (await readFile(join(dir, 'requests'), 'utf8')).trim().split('\n');
    expect(requests).toHaveLength(1);
    for (const result of results) {
      expect(result, result.stderr).toMatchObject({ code: 0 });
      expect(result.stdout).toBe(`token-from-${requests[0]}\n`);
    }
  });

  it('takes over the lock of a process killed while holding it', async () => {
    const holder = startChild('hold');
    await holder.locked;
    const { pid } = JSON.parse(await readFile(lockPath, 'utf8')) as LockHolder;
    expect(pid).toBe(holder.child.pid);
    holder.child.kill('SIGKILL');
    await holder.finished; // reaped: a zombie would still answer kill(pid, 0)

    const started = Date.now();
    // staleMs is long: the dead pid alone must be enough.
    expect(await withProfileLock(lockPath, { timeoutMs: 5_000, staleMs: 600_000 }, async () => 'ran')).toBe('ran');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await readdir(join(dir, 'locks'))).toEqual([]);
  });

  it("a waiter whose own bound is shorter waits for a live holder within the holder's bound, then takes over", async () => {
    // The holder records its bound (1.5 s); the waiter's own is 100 ms. It used to take the lock over
    // after its own 100 ms: a second request while the first was still being answered.
    const holder = startChild('hold', { staleMs: 1_500 });
    await holder.locked;
    const lockedAt = Date.now();
    expect(JSON.parse(await readFile(lockPath, 'utf8'))).toMatchObject({ pid: holder.child.pid, staleMs: 1_500 });
    const enteredAfter = await withProfileLock(lockPath, { timeoutMs: 100, staleMs: 100 }, async () => Date.now() - lockedAt);
    expect(enteredAfter).toBeGreaterThanOrEqual(1_400);
    expect(enteredAfter).toBeLessThan(10_000);
  });

  it('on an empty cache, waiters with a shorter own bound than the holder make no request of their own', async () => {
    // The holder "requests" for 3 s within its bound of 6 s; each waiter's own bound is 150 ms.
    const holder = startChild('cache', { holdMs: 3_000, staleMs: 6_000 });
    while (!(await readFile(join(dir, 'requests'), 'utf8').catch(() => ''))) await new Promise((resolve) => setTimeout(resolve, 10));
    const waiters = await Promise.all(Array.from({ length: 5 }, () => startChild('cache', { staleMs: 150, timeoutMs: 150 }).finished));
    const first = await holder.finished;
    expect(first, first.stderr).toMatchObject({ code: 0 });
    const requests = (await readFile(join(dir, 'requests'), 'utf8')).trim().split('\n');
    expect(requests).toEqual([String(first.pid)]);
    for (const waiter of waiters) expect(waiter, waiter.stderr).toMatchObject({ code: 0, stdout: first.stdout });
  });

  it('a recorded bound is honoured only up to MAX_STALE_MS', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const holder = (staleMs: number, ageMs: number): LockHolder => ({ pid: 1, hostname: 'here', createdAt: new Date(now - ageMs).toISOString(), nonce: 'n', staleMs });
    const context = { now, hostname: 'here', staleMs: 1_000, isAlive: () => true };
    expect(holderBoundMs(holder(5_000, 0), 1_000)).toBe(5_000);
    expect(isStale(holder(5_000, 4_000), now, context)).toBe(false);
    expect(isStale(holder(5_000, 5_001), now, context)).toBe(true);
    expect(holderBoundMs(holder(Number.MAX_SAFE_INTEGER, 0), 1_000)).toBe(MAX_STALE_MS);
    expect(isStale(holder(Number.MAX_SAFE_INTEGER, MAX_STALE_MS + 1), now, context)).toBe(true);
    // An older tokenctl records none: the waiter's own bound applies.
    expect(holderBoundMs({ pid: 1, hostname: 'here', createdAt: new Date(now).toISOString(), nonce: 'n' }, 1_000)).toBe(1_000);
  });

  it('times out with LOCK_TIMEOUT (exit 8, not a network error) when a lock cannot be taken over', async () => {
    await withProfileLock(lockPath, { timeoutMs: 0 }, async () => undefined); // creates the directory
    // A holder on another machine (a shared home directory) whose clock runs an hour ahead: by its
    // own clock its lock is new, so its bound is an hour away here.
    await writeHolder({ hostname: 'some-other-host', pid: 4242, createdAt: new Date(Date.now() + 3_600_000).toISOString(), staleMs: 300 });
    let ran = false;
    const started = Date.now();
    const error = await rejection(
      withProfileLock(lockPath, { timeoutMs: 400, profile: 'erp' }, async () => {
        ran = true;
      }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(LockError);
    expect(error).toMatchObject({ code: 'LOCK_TIMEOUT', exitCode: 8 });
    expect(error.message).toContain('another tokenctl is working on profile "erp"');
    expect(error.message).toContain(lockPath);
    expect(error.message).toContain('pid 4242 on some-other-host');
    expect(error.hint).toContain(`remove ${lockPath}`);

    // The child's own timeout, end to end: exit status 8 from a second process.
    const waiter = await startChild('critical', { timeoutMs: 200 }).finished;
    expect(waiter.code).toBe(8);
    expect(waiter.stderr).toContain('LOCK_TIMEOUT');
  });
});

describe('withProfileLock and lock files left behind', () => {
  beforeEach(async () => {
    await withProfileLock(lockPath, { timeoutMs: 0 }, async () => undefined); // creates the directory
  });

  it('creates a missing lock directory 0700 and leaves nothing behind', async () => {
    if (process.platform !== 'win32') expect((await stat(join(dir, 'locks'))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(dir, 'locks'))).toEqual([]);
  });

  it('an empty lock file (a crash between create and write) is waited for briefly, then taken over', async () => {
    await writeFile(lockPath, '');
    const started = Date.now();
    expect(await withProfileLock(lockPath, { timeoutMs: 200 }, async () => 'ran')).toBe('ran');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);

    await writeFile(lockPath, '');
    const past = new Date(Date.now() - 10_000);
    await utimes(lockPath, past, past);
    const again = Date.now();
    expect(await withProfileLock(lockPath, { timeoutMs: 200 }, async () => 'ran')).toBe('ran');
    expect(Date.now() - again).toBeLessThan(1_000);
  });

  it('a lock older than staleMs is taken over even when its holder runs (hung, or a reused pid)', async () => {
    await writeHolder({ createdAt: new Date(Date.now() - 60_000).toISOString() });
    expect(await withProfileLock(lockPath, { timeoutMs: 200, staleMs: 30_000 }, async () => 'ran')).toBe('ran');
  });

  it('a lock from another host is judged by age alone', async () => {
    // Its pid means nothing here: a live-looking one is waited for within its bound, then taken over.
    await writeHolder({ hostname: 'some-other-host', pid: 999_999_999, staleMs: 600 });
    const started = Date.now();
    expect(await withProfileLock(lockPath, { timeoutMs: 150 }, async () => 'ran')).toBe('ran');
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    await writeHolder({ hostname: 'some-other-host', createdAt: new Date(Date.now() - 60_000).toISOString() });
    expect(await withProfileLock(lockPath, { timeoutMs: 150 }, async () => 'ran')).toBe('ran');
  });

  it('a directory, a FIFO or a link in the lock\'s place fails at once with LOCK_FAILED (exit 8), never spinning or hanging', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdir, symlink } = await import('node:fs/promises');
    const places: [string, () => Promise<unknown>][] = [
      ['directory', () => mkdir(lockPath)],
      ['fifo', async () => execFileSync('mkfifo', [lockPath])],
      ['link', () => symlink(join(dir, 'elsewhere'), lockPath).then(() => writeFile(join(dir, 'elsewhere'), '{}'))],
    ];
    for (const [kind, place] of places) {
      await place();
      const started = Date.now();
      const error = await withProfileLock(lockPath, { timeoutMs: 1_000 }, async () => 'ran').catch((caught: unknown) => caught);
      expect(error, kind).toBeInstanceOf(LockError);
      expect((error as LockError).code, kind).toBe('LOCK_FAILED');
      expect(Date.now() - started, kind).toBeLessThan(1_000);
      await rm(lockPath, { recursive: true, force: true });
      await rm(`${lockPath}.takeover`, { force: true });
    }
  });

  it('releases on failure, passing the error through', async () => {
    const failure = new Error('request failed');
    await expect(withProfileLock(lockPath, { timeoutMs: 200 }, () => Promise.reject(failure))).rejects.toBe(failure);
    expect(await readdir(join(dir, 'locks'))).toEqual([]);
  });

  it('does not remove a lock that is no longer its own', async () => {
    // Our lock was taken over (we ran past staleMs) and replaced by another holder's.
    await withProfileLock(lockPath, { timeoutMs: 200 }, async () => {
      await rm(lockPath);
      await writeHolder({ nonce: 'theirs' });
    });
    expect(JSON.parse(await readFile(lockPath, 'utf8'))).toMatchObject({ nonce: 'theirs' });
    expect(await readdir(join(dir, 'locks'))).toEqual(['erp.lock']);
  });

  it('LOCK_FAILED when the lock directory cannot be made', async () => {
    await writeFile(join(dir, 'not-a-dir'), '');
    const error = await rejection(withProfileLock(join(dir, 'not-a-dir', 'erp.lock'), { timeoutMs: 100 }, async () => undefined));
    expect(error).toMatchObject({ code: 'LOCK_FAILED', exitCode: 8 });
  });
});

describe('isStale', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const context = { now, hostname: 'here', staleMs: 30_000, isAlive: (pid: number) => pid === 1 };
  const holder = (pid: number, host: string, ageMs: number): LockHolder => ({ pid, hostname: host, createdAt: new Date(now - ageMs).toISOString(), nonce: 'n' });

  it.each([
    ['a live holder here', holder(1, 'here', 1_000), false],
    ['a dead holder here', holder(2, 'here', 1_000), true],
    ['a live holder past staleMs', holder(1, 'here', 30_001), true],
    ['a holder on another host whose pid happens to be dead here', holder(2, 'there', 1_000), false],
    ['a holder on another host past staleMs', holder(2, 'there', 30_001), true],
  ])('%s: %s', (_name, h, expected) => {
    expect(isStale(h, now, context)).toBe(expected);
  });

  it('an unwritten lock is stale after a short grace period, by the file time', () => {
    expect(isStale(undefined, now - 1_000, context)).toBe(false);
    expect(isStale(undefined, now - 2_001, context)).toBe(true);
  });
});
