import type { ChalkInstance } from 'chalk';
import { fstatSync, statSync, writeSync } from 'node:fs';
import { takeEnvironment } from '../environment.js';
import { escapeControl, guardTerminalText } from '../escape.js';
import { createScrubber, type Scrubber } from '../scrub.js';
import { colorLevel, colorMaker } from './color.js';

export interface OutputStream {
  write(text: string): void;
  readonly isTTY: boolean;
  readonly color: ChalkInstance;
}

export interface InputStream {
  readonly isTTY: boolean;
  /**
   * Reads stdin to its end, or to where `bounds.end` says the input is complete, failing once more
   * than `limit` bytes arrive or, with `bounds.timeoutMs`, once that long has passed.
   */
  readAll(limit: number, bounds?: ReadBounds): Promise<Buffer | 'too-large' | 'timed-out'>;
}

export interface ReadBounds {
  /** The length of the complete input within what has arrived so far; undefined to read on. */
  end?: (data: Buffer) => number | undefined;
  timeoutMs?: number;
}

/** The process edges a command may touch, passed in so commands can be run in-process by tests. */
export interface Io {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: InputStream;
  env: Record<string, string | undefined>;
  now(): Date;
  /** Secrets read on this run; whatever is written to stdout or stderr is scrubbed of them. */
  scrubber: Scrubber;
}

export interface GlobalOptions {
  json: boolean;
  verbose: boolean;
  color: boolean;
}

/** A warning on stderr: something may be wrong, but the command goes on. */
export function warn(io: Io, message: string): void {
  // Warnings quote profile files and servers: one line, control characters shown, never obeyed.
  io.stderr.write(`${io.stderr.color.yellow('warning')} ${escapeControl(message)}\n`);
}

const STANDARD_STREAMS = { 0: () => process.stdin, 1: () => process.stdout, 2: () => process.stderr } as const;

/**
 * Whether a standard stream is a terminal. Only a character device can be one, and asking fstat
 * first spares scripts and pipelines building Node's stream (and loading net or tty) just to learn no.
 */
function isTerminal(fd: 0 | 1 | 2): boolean {
  try {
    const stat = fstatSync(fd);
    if (!stat.isCharacterDevice()) return false;
    // /dev/null is a character device too, and where a pipeline's stdin usually points (`< /dev/null`).
    if (stat.rdev === devNull()) return false;
  } catch {
    return false;
  }
  return Boolean(STANDARD_STREAMS[fd]().isTTY);
}

let nullDevice: number | undefined;
function devNull(): number {
  try {
    return (nullDevice ??= statSync('/dev/null').rdev);
  } catch {
    return (nullDevice = -1);
  }
}

/**
 * Writes to stdout or stderr synchronously, the way Node's stream does on Linux for files, pipes and
 * terminals, but without building the stream, which costs a fifth of a bare Node start. Nothing is
 * lost when the process exits right after. A non-blocking descriptor (EAGAIN) hands the rest, and
 * every later write, to Node's stream; a closed pipe (EPIPE) is the reader's choice, not an error.
 */
export function descriptorWriter(fd: 1 | 2, stream: () => NodeJS.WritableStream = STANDARD_STREAMS[fd], write: typeof writeSync = writeSync): (text: string) => void {
  let closed = false;
  let fallback: NodeJS.WritableStream | undefined;
  return (text) => {
    if (closed) return;
    if (fallback) return void fallback.write(text);
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    try {
      while (offset < bytes.length) offset += write(fd, bytes, offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return void (closed = true);
      if (code !== 'EAGAIN') throw error;
      fallback = stream();
      fallback.on('error', (streamError: NodeJS.ErrnoException) => {
        if (streamError.code !== 'EPIPE') throw streamError;
      });
      fallback.write(bytes.subarray(offset));
    }
  };
}

/** The real process's edges; call once: it takes the secret variables out of the process environment. */
export async function processIo(colorFlag: boolean): Promise<Io> {
  const env = takeEnvironment(process.env);
  const scrubber = createScrubber();
  const streams = ([1, 2] as const).map((fd) => {
    const isTTY = isTerminal(fd);
    return { fd, isTTY, level: colorLevel({ isTTY, env, colorFlag }) };
  });
  const makeColor = await colorMaker(streams.map((s) => s.level));
  // Every byte a command writes passes here: known secrets are scrubbed by value, and no control
  // sequence but our own colours and spinner reaches the terminal or a log.
  const [stdout, stderr] = streams.map(({ fd, isTTY, level }): OutputStream => {
    const guard = { sgr: level > 0, cursor: isTTY };
    const write = descriptorWriter(fd);
    return { isTTY, color: makeColor(level), write: (text) => write(guardTerminalText(scrubber.scrub(text), guard)) };
  }) as [OutputStream, OutputStream];
  return {
    stdout,
    stderr,
    stdin: {
      // Asked only by what may prompt or read stdin: most runs never need it.
      get isTTY() {
        return isTerminal(0);
      },
      readAll: (limit, bounds) => readStream(process.stdin, limit, bounds),
    },
    env,
    now: () => new Date(),
    scrubber,
  };
}

export async function readStream(stream: NodeJS.ReadableStream, limit: number, bounds: ReadBounds = {}): Promise<Buffer | 'too-large' | 'timed-out'> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timed-out'>((resolve) => {
    if (bounds.timeoutMs !== undefined) timer = setTimeout(() => resolve('timed-out'), bounds.timeoutMs);
  });
  const read = async (): Promise<Buffer | 'too-large'> => {
    let data = Buffer.alloc(0);
    for await (const chunk of stream) {
      data = Buffer.concat([data, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
      const end = bounds.end?.(data);
      if (end !== undefined) return data.subarray(0, end);
      if (data.length > limit) return 'too-large';
    }
    return data;
  };
  try {
    const result = await Promise.race([read(), timedOut]);
    // A writer that never closes must not keep the process alive.
    if (result === 'timed-out') (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    return result;
  } finally {
    clearTimeout(timer);
  }
}
