import { bashScript } from './bash.js';
import { fishScript } from './fish.js';
import type { CompletionModel } from './model.js';
import { powershellScript } from './powershell.js';
import { SHELLS, type Shell } from '../choices.js';
import { zshScript } from './zsh.js';

const GENERATORS: Record<Shell, (model: CompletionModel) => string> = {
  bash: bashScript,
  zsh: zshScript,
  fish: fishScript,
  powershell: powershellScript,
};

/** The name each shell looks for: zsh autoloads `_tokenctl` from fpath for the command `tokenctl`. */
const FILE_NAMES: Record<Shell, (program: string) => string> = {
  bash: (program) => `${program}.bash`,
  zsh: (program) => `_${program}`,
  fish: (program) => `${program}.fish`,
  powershell: (program) => `${program}.ps1`,
};

/** The completion script for `shell`. Pure: the same model always gives the same text. */
export function completionScript(shell: Shell, model: CompletionModel): string {
  return GENERATORS[shell](model);
}

/** The scripts shipped in completions/: [file name, contents] for each shell. */
export function completionFiles(model: CompletionModel): Array<[string, string]> {
  return SHELLS.map((shell) => [FILE_NAMES[shell](model.name), completionScript(shell, model)]);
}
