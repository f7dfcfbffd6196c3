import { PLAIN } from '../../src/output/color.js';
import type { Io } from '../../src/output/io.js';
import { createScrubber } from '../../src/scrub.js';
import { guardTerminalText } from '../../src/escape.js';

export interface FakeIo extends Io {
  out: string[];
  err: string[];
}

/** An in-memory Io for running commands in-process (fuzzing, unit tests). */
export function fakeIo(options: { stdin?: string; stdinIsTTY?: boolean; now?: Date; env?: Record<string, string> } = {}): FakeIo {
  const out: string[] = [];
  const err: string[] = [];
  const color = PLAIN;
  const scrubber = createScrubber();
  // The same edge as the real process: secrets scrubbed, control characters escaped.
  const edge = (t: string) => guardTerminalText(scrubber.scrub(t), { sgr: false, cursor: false });
  return {
    out,
    err,
    stdout: { isTTY: false, color, write: (t) => void out.push(edge(t)) },
    stderr: { isTTY: false, color, write: (t) => void err.push(edge(t)) },
    stdin: {
      isTTY: options.stdinIsTTY ?? false,
      readAll: async (limit) => {
        const buf = Buffer.from(options.stdin ?? '');
        return buf.length > limit ? 'too-large' : buf;
      },
    },
    env: options.env ?? {},
    now: () => options.now ?? new Date('2026-01-01T00:00:00Z'),
    scrubber,
  };
}
