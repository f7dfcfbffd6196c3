import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { completionScript } from '../completion/generate.js';
import { completionModel } from '../completion/model.js';
import type { Shell } from '../choices.js';
import type { Io } from '../output/io.js';

/** Prints the completion script for `shell`, made from the program that is running now. */
export function completionCommand(shell: Shell, program: Command, io: Io): void {
  io.stdout.write(completionScript(shell, completionModel(program)));
}
