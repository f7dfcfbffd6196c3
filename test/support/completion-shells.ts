// Runs a generated completion script in the real shell and returns what the shell offers for a
// command line, as a person pressing Tab would get it.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findExecutable } from './keyring.js';

const run = promisify(execFile);

export interface ShellRun {
  cwd: string;
  env: Record<string, string>;
}

const matches = (stdout: string): string[] => stdout.split('\n').filter(Boolean);

// Loads the script, sets the variables bash sets before it calls a completion function (COMP_WORDS
// as readline split the line), and calls the function the script registered with `complete`.
const BASH_DRIVER = `
source "$1"
# bash sets OSTYPE itself: this lets a test take the macOS branch on Linux.
[[ -n $TOKENCTL_TEST_OSTYPE ]] && OSTYPE=$TOKENCTL_TEST_OSTYPE
COMP_LINE=$2
COMP_POINT=\${#2}
shift 2
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
spec=$(complete -p tokenctl)
function=\${spec##*-F }
function=\${function%% *}
"$function" tokenctl "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "\${COMPREPLY[@]}"
`;

/** The words readline makes of a line (COMP_WORDBREAKS splits at '=' too); the last is the one being completed. */
export function readlineWords(line: string): string[] {
  return line.split(' ').flatMap((word) => (word === '' ? [''] : word.split(/(=)/).filter(Boolean)));
}

export async function bashComplete(script: string, line: string, { cwd, env }: ShellRun): Promise<string[]> {
  const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', BASH_DRIVER, 'bash', script, line, ...readlineWords(line)], { cwd, env, timeout: 10_000 });
  return matches(stdout);
}

const ZSH_DRIVER = fileURLToPath(new URL('./zsh-complete.zsh', import.meta.url));

/** `completion` is a directory to put on fpath (holding _tokenctl), or a script to source. */
export async function zshComplete(completion: string, line: string, { cwd, env }: ShellRun): Promise<string[]> {
  const { stdout } = await run('zsh', ['-f', ZSH_DRIVER, completion, line], { cwd, env, timeout: 10_000 });
  return matches(stdout);
}

export async function fishComplete(script: string, line: string, { cwd, env }: ShellRun): Promise<string[]> {
  const { stdout } = await run('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', script, line], { cwd, env, timeout: 10_000 });
  // fish prints "match<TAB>description".
  return matches(stdout).map((entry) => entry.split('\t')[0]!);
}

/** Why a shell's tests cannot run here, or undefined when they can. */
export function missingShell(shell: 'bash' | 'zsh' | 'fish'): string | undefined {
  return findExecutable(shell) ? undefined : `${shell} not on PATH (apt-get install ${shell})`;
}
