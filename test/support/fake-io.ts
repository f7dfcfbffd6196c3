import { makeColor } from '../../src/output/color.js';
import type { Io } from '../../src/output/io.js';

export interface FakeIo extends Io {
  out: string[];
  err: string[];
}

/** An in-memory Io for running commands in-process (fuzzing, unit tests). */
export function fakeIo(options: { stdin?: string; stdinIsTTY?: boolean; now?: Date; env?: Record<string, string> } = {}): FakeIo {
  const out: string[] = [];
  const err: string[] = [];
  const color = makeColor(0);
  return {
    out,
    err,
    stdout: { isTTY: false, color, write: (t) => void out.push(t) },
    stderr: { isTTY: false, color, write: (t) => void err.push(t) },
    stdin: {
      isTTY: options.stdinIsTTY ?? false,
      readAll: async (limit) => {
        const buf = Buffer.from(options.stdin ?? '');
        return buf.length > limit ? 'too-large' : buf;
      },
    },
    env: options.env ?? {},
    now: () => options.now ?? new Date('2026-01-01T00:00:00Z'),
  };
}
