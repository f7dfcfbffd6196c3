import type { ChalkInstance } from 'chalk';
import { colorLevel, makeColor } from './color.js';

export interface OutputStream {
  write(text: string): void;
  readonly isTTY: boolean;
  readonly color: ChalkInstance;
}

export interface InputStream {
  readonly isTTY: boolean;
  /** Reads all of stdin, failing once more than `limit` bytes arrive. */
  readAll(limit: number): Promise<Buffer | 'too-large'>;
}

/** The process edges a command may touch, passed in so commands can be run in-process by tests. */
export interface Io {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: InputStream;
  env: Record<string, string | undefined>;
  now(): Date;
}

export interface GlobalOptions {
  json: boolean;
  verbose: boolean;
  color: boolean;
}

/** A warning on stderr: something may be wrong, but the command goes on. */
export function warn(io: Io, message: string): void {
  io.stderr.write(`${io.stderr.color.yellow('warning')} ${message}\n`);
}

export function processIo(colorFlag: boolean): Io {
  const env = process.env;
  const stream = (s: NodeJS.WriteStream): OutputStream => ({
    isTTY: Boolean(s.isTTY),
    color: makeColor(colorLevel({ isTTY: Boolean(s.isTTY), env, colorFlag })),
    write: (text) => void s.write(text),
  });
  return {
    stdout: stream(process.stdout),
    stderr: stream(process.stderr),
    stdin: { isTTY: Boolean(process.stdin.isTTY), readAll: (limit) => readStream(process.stdin, limit) },
    env,
    now: () => new Date(),
  };
}

export async function readStream(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limit) return 'too-large';
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
