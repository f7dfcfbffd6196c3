import { constants, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from '../../src/fs-async.js';

const dir = mkdtempSync(join(tmpdir(), 'tokenctl-fs-async-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fs-async: the file operations tokenctl uses, without node:fs/promises', () => {
  it('opens exclusively with a mode, writes, syncs, reads back, and closes once', async () => {
    const path = join(dir, 'lock');
    const handle = await open(path, 'wx', 0o600);
    await handle.writeFile('holder 1\n', 'utf8');
    await handle.sync();
    expect((await handle.stat()).size).toBe(9);
    await handle.close();
    await handle.close(); // a second close is a no-op, not the close of a reused descriptor
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await expect(open(path, 'wx', 0o600)).rejects.toMatchObject({ code: 'EEXIST' });
    const again = await open(path, 'r');
    expect(await again.readFile('utf8')).toBe('holder 1\n');
    await again.close();
  });

  it('reads into a buffer at an offset, and refuses to follow a link with O_NOFOLLOW', async () => {
    const path = join(dir, 'data');
    writeFileSync(path, 'abcdef');
    const handle = await open(path, constants.O_RDONLY);
    const buffer = Buffer.alloc(8, '.');
    const { bytesRead } = await handle.read(buffer, 2, 6, null);
    expect([bytesRead, buffer.toString()]).toEqual([6, '..abcdef']);
    expect((await handle.read(buffer, 0, 8, null)).bytesRead).toBe(0);
    await handle.close();
    const { symlinkSync } = await import('node:fs');
    symlinkSync(path, join(dir, 'link'));
    await expect(open(join(dir, 'link'), constants.O_RDONLY | constants.O_NOFOLLOW)).rejects.toMatchObject({ code: 'ELOOP' });
    expect((await lstat(join(dir, 'link'))).isSymbolicLink()).toBe(true);
    expect((await stat(join(dir, 'link'))).isFile()).toBe(true);
  });

  it('makes, lists, renames and removes, with the errors node:fs gives', async () => {
    const sub = join(dir, 'a/b');
    await mkdir(sub, { recursive: true, mode: 0o700 });
    expect(statSync(sub).mode & 0o777).toBe(0o700);
    writeFileSync(join(sub, 'x.tmp'), 'x');
    await rename(join(sub, 'x.tmp'), join(sub, 'x'));
    expect(await readdir(sub)).toEqual(['x']);
    expect(await readFile(join(sub, 'x'), 'utf8')).toBe('x');
    await unlink(join(sub, 'x'));
    await expect(unlink(join(sub, 'x'))).rejects.toMatchObject({ code: 'ENOENT' });
    await rm(join(sub, 'gone'), { force: true });
    await rm(join(dir, 'a'), { recursive: true });
    await expect(stat(sub)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(() => readFileSync(sub)).toThrow();
  });
});

describe('fs-async, where node:fs would differ from node:fs/promises', () => {
  it("a directory's handle does not read as empty: EISDIR, as FileHandle gives", async () => {
    const handle = await open(dir, constants.O_RDONLY);
    await expect(handle.readFile('utf8')).rejects.toMatchObject({ code: 'EISDIR' });
    await handle.close();
  });

  it("an error's stack names the code that asked, for --verbose", async () => {
    async function readRemovalRecordLike() {
      return readFile(join(dir, 'missing'), 'utf8');
    }
    const error = (await readRemovalRecordLike().catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ code: 'ENOENT' });
    expect(error.stack).toContain('readRemovalRecordLike');
  });
});
