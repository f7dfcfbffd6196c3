import { describe, expect, it, vi } from 'vitest';
import { PassThrough } from 'node:stream';
import { buildProgram, commandToBuild } from '../../src/cli.js';
import { descriptorWriter } from '../../src/output/io.js';
import { fakeIo } from '../support/fake-io.js';

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('commandToBuild', () => {
  it('builds only the command the argv runs', () => {
    expect(commandToBuild(['decode', '--json', 'eyJ'])).toBe('decode');
    expect(commandToBuild(['--json', '-v', 'token', '-p', 'erp'])).toBe('token');
    const program = buildProgram(fakeIo(), 'token');
    expect(program.commands.map((c) => c.name())).toEqual(['token']);
  });

  it('builds everything for the program help, completion and unknown words', () => {
    expect(commandToBuild(['--help', 'token'])).toBeUndefined();
    expect(commandToBuild(['-h'])).toBeUndefined();
    expect(commandToBuild([])).toBeUndefined();
    expect(commandToBuild(['completion', 'bash'])).toBeUndefined();
    expect(commandToBuild(['tokn'])).toBeUndefined();
    expect(commandToBuild(['help', 'token'])).toBeUndefined();
  });
});

describe('descriptorWriter', () => {
  it('writes all bytes even when the descriptor takes them in parts', () => {
    const written: string[] = [];
    const write = vi.fn((_fd: number, bytes: Uint8Array, offset?: number | null) => {
      const start = offset ?? 0;
      const part = Buffer.from(bytes).subarray(start, start + 3);
      written.push(part.toString());
      return part.length;
    });
    descriptorWriter(1, () => new PassThrough(), write as never)('hello wörld');
    expect(written.join('')).toBe('hello wörld');
  });

  it('hands the rest and every later write to the stream on EAGAIN, in order', () => {
    const stream = new PassThrough();
    let calls = 0;
    const write = vi.fn((_fd: number, bytes: Uint8Array, offset?: number | null) => {
      if (++calls === 2) throw errno('EAGAIN');
      return Math.min(4, bytes.length - (offset ?? 0));
    });
    const out = descriptorWriter(1, () => stream, write as never);
    out('abcdefgh');
    out('ijk');
    expect(stream.read().toString()).toBe('efghijk');
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('drops output silently once the reader has closed the pipe, and throws anything else', () => {
    const write = vi.fn(() => {
      throw errno('EPIPE');
    });
    const out = descriptorWriter(1, () => new PassThrough(), write as never);
    expect(() => out('a')).not.toThrow();
    out('b');
    expect(write).toHaveBeenCalledTimes(1);
    const broken = descriptorWriter(2, () => new PassThrough(), (() => {
      throw errno('EBADF');
    }) as never);
    expect(() => broken('x')).toThrow('EBADF');
  });
});
