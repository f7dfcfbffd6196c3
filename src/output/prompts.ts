import { Code, InterruptedError, UsageError } from '../errors.js';
import type { Io } from './io.js';

import type * as InquirerPrompts from '@inquirer/prompts';

/** The prompt library, loaded only when someone is actually asked something. */
export type Prompts = typeof InquirerPrompts;

/** Whether the user can be asked: both ends are a terminal. Scripts and CI never see a prompt. */
export const canPrompt = (io: Io): boolean => io.stdin.isTTY && io.stdout.isTTY;

/** Runs prompts; Ctrl-C becomes exit 130 with nothing written. */
export async function ask<T>(question: (prompts: Prompts) => Promise<T>): Promise<T> {
  const prompts = await import('@inquirer/prompts');
  try {
    return await question(prompts);
  } catch (error) {
    if ((error as Error).name === 'ExitPromptError') throw new InterruptedError(Code.INTERRUPTED, 'interrupted: nothing was written');
    throw error;
  }
}

/** A masked prompt on a terminal; otherwise all of stdin (a pipe or a file). */
/**
 * A secret from stdin is its first line, as `read -r` takes it: up to the first newline (or the end
 * of input, so a secret piped without one works), so a writer that keeps stdin open does not hold
 * the command; the wait is bounded by the command's timeout.
 */
/** Up to and including the first newline, when one has arrived. */
const firstLine = (data: Buffer): number | undefined => {
  const newline = data.indexOf(0x0a);
  return newline < 0 ? undefined : newline + 1;
};

export function secretReader(io: Io, timeoutMs: number): (label: string) => Promise<string> {
  return async (label) => {
    if (io.stdin.isTTY) {
      return ask((p) => p.password({ message: `${label}:`, mask: '*' }, { output: process.stderr }));
    }
    const input = await io.stdin.readAll(64 * 1024, { end: firstLine, timeoutMs });
    if (input === 'timed-out') {
      throw new UsageError(Code.STDIN_TIMEOUT, `no ${label.toLowerCase()} arrived on stdin within ${timeoutMs / 1000} s`, {
        hint: 'Pipe in the secret followed by a newline (or close stdin after it), or raise --timeout.',
      });
    }
    if (input === 'too-large') throw new UsageError(Code.SECRET_TOO_LARGE, `the ${label.toLowerCase()} on stdin is larger than 64 KiB`, { hint: 'Pipe in only the secret.' });
    return input.toString('utf8');
  };
}
