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
export function secretReader(io: Io): (label: string) => Promise<string> {
  return async (label) => {
    if (io.stdin.isTTY) {
      return ask((p) => p.password({ message: `${label}:`, mask: '*' }, { output: process.stderr }));
    }
    const input = await io.stdin.readAll(64 * 1024);
    if (input === 'too-large') throw new UsageError(Code.SECRET_TOO_LARGE, `the ${label.toLowerCase()} on stdin is larger than 64 KiB`, { hint: 'Pipe in only the secret.' });
    return input.toString('utf8');
  };
}
