// One competing tokenctl, for test/integration/profile-lock.test.ts:
//   node lock-child.mjs BUNDLE MODE LOCK_PATH DATA_DIR HOLD_MS TIMEOUT_MS [STALE_MS]
// BUNDLE is src/cache/lock.ts built to .mjs; STALE_MS is the child's own bound (the lock module's
// default when not given). MODE is
//   critical: take the lock, log "enter PID" and "exit PID" around HOLD_MS of work;
//   cache:    the token command's pattern: read the cache, on a miss take the lock, read it again,
//             and only on a second miss "request" a token (log the pid) and write the cache;
//   hold:     take the lock, print "locked", and keep it until killed.
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setInterval } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const [bundle, mode, lockPath, dataDir, holdMs, timeoutMs, staleMs] = process.argv.slice(2);
const { withProfileLock } = await import(pathToFileURL(bundle).href);
const options = { timeoutMs: Number(timeoutMs), profile: 'erp', ...(staleMs ? { staleMs: Number(staleMs) } : {}) };
const cachePath = join(dataDir, 'cache.json');

const readCache = () => {
  try {
    return readFileSync(cachePath, 'utf8');
  } catch {
    return undefined;
  }
};

try {
  if (mode === 'critical') {
    await withProfileLock(lockPath, options, async () => {
      appendFileSync(join(dataDir, 'log'), `enter ${process.pid}\n`);
      await sleep(Number(holdMs));
      appendFileSync(join(dataDir, 'log'), `exit ${process.pid}\n`);
    });
  } else if (mode === 'cache') {
    let token = readCache();
    if (token === undefined) {
      token = await withProfileLock(lockPath, options, async () => {
        const again = readCache();
        if (again !== undefined) return again;
        appendFileSync(join(dataDir, 'requests'), `${process.pid}\n`);
        await sleep(Number(holdMs));
        const temp = `${cachePath}.${process.pid}`;
        writeFileSync(temp, `token-from-${process.pid}`);
        renameSync(temp, cachePath);
        return `token-from-${process.pid}`;
      });
    }
    process.stdout.write(`${token}\n`);
  } else if (mode === 'hold') {
    await withProfileLock(lockPath, options, async () => {
      process.stdout.write('locked\n');
      await new Promise(() => setInterval(() => undefined, 60_000));
    });
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (error) {
  process.stderr.write(`${error.code ?? 'ERROR'}: ${error.message}\n`);
  process.exitCode = error.exitCode ?? 1;
}
