import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FILE_LIMITS, readInputFile, readInputFileSync, readInputText } from '../../src/input-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tokenctl-input-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the bounded reader', () => {
  it('reads a regular file within its limit', async () => {
    writeFileSync(join(dir, 'secret'), 'value\n');
    expect((await readInputFile(join(dir, 'secret'), FILE_LIMITS.secret)).toString()).toBe('value\n');
    expect(readInputFileSync(join(dir, 'secret'), FILE_LIMITS.secret).toString()).toBe('value\n');
  });

  it('refuses a file larger than its limit without reading it whole (a sparse 600 MB file)', async () => {
    const big = join(dir, 'big');
    writeFileSync(big, '');
    truncateSync(big, 600 * 1024 * 1024);
    await expect(readInputFile(big, FILE_LIMITS.secret)).rejects.toMatchObject({ code: 'FILE_TOO_LARGE', exitCode: 2 });
    expect(() => readInputFileSync(big, FILE_LIMITS.caBundle)).toThrow(/larger than 4096 KiB/);
    expect((await readInputText(big, 16)).length).toBe(17);
  });

  it('refuses a FIFO without waiting for a writer, and a device, naming the path', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(readInputFile(fifo, FILE_LIMITS.secret)).rejects.toMatchObject({ code: 'FILE_NOT_REGULAR', message: expect.stringContaining(fifo) as unknown });
    await expect(readInputText(fifo, 16)).rejects.toMatchObject({ code: 'FILE_NOT_REGULAR' });
    await expect(readInputFile('/dev/zero', FILE_LIMITS.secret)).rejects.toMatchObject({ code: 'FILE_NOT_REGULAR' });
    expect(() => readInputFileSync(dir, FILE_LIMITS.secret)).toThrow(/a directory/);
  });

  it('passes the errors of the open through for the caller to word', async () => {
    await expect(readInputFile(join(dir, 'missing'), FILE_LIMITS.secret)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
