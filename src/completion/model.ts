import type { Argument, CommandUnknownOpts as Command, Option } from '@commander-js/extra-typings';

/** What the shell offers for an option's value or a positional argument. */
export type ValueCompletion =
  | { kind: 'text' } // free text (a URL, an id): nothing to offer
  | { kind: 'file' }
  | { kind: 'profile' } // the names of the saved profiles, read by the shell itself
  | { kind: 'choice'; choices: string[] };

export interface OptionModel {
  short?: string;
  long?: string;
  description: string;
  /** Absent for a flag that takes no value. */
  value?: ValueCompletion;
}

export interface ArgumentModel {
  name: string;
  value: ValueCompletion;
}

export interface CommandModel {
  name: string;
  description: string;
  /** Everything accepted after the command name: its own options, then the program's. */
  options: OptionModel[];
  /** The positional arguments, in order. */
  arguments: ArgumentModel[];
}

/** The commander program as plain data: everything a completion script needs, nothing more. */
export interface CompletionModel {
  name: string;
  /** Accepted before a command name: the global options, --version and --help. */
  options: OptionModel[];
  commands: CommandModel[];
}

// Options whose value names a file say so in their placeholder: <path>, <file>, <pem>, <url-or-file>.
const FILE_PLACEHOLDER = /<(?:path|file|pem|[\w-]+-file)>/;

function optionValue(option: Option): ValueCompletion | undefined {
  if (!option.required && !option.optional) return undefined;
  if (option.argChoices) return { kind: 'choice', choices: [...option.argChoices] };
  if (option.long === '--profile') return { kind: 'profile' };
  if (FILE_PLACEHOLDER.test(option.flags)) return { kind: 'file' };
  return { kind: 'text' };
}

const optionModel = (option: Option): OptionModel => ({
  short: option.short,
  long: option.long,
  description: option.description,
  value: optionValue(option),
});

const argumentModel = (argument: Argument): ArgumentModel => ({
  name: argument.name(),
  value: argument.argChoices ? { kind: 'choice', choices: [...argument.argChoices] } : { kind: 'text' },
});

/** Extracts the completion model from the program, through commander's own view of what is visible. */
export function completionModel(program: Command): CompletionModel {
  const help = program.createHelp();
  // Commander accepts the program's options after a command name too; the command has its own --help.
  const programOptions = program.options.filter((option) => !option.hidden).map(optionModel);
  // Hidden commands stay hidden, and commander's implicit `help` command is left out.
  const visibleCommands = help.visibleCommands(program);
  return {
    name: program.name(),
    options: help.visibleOptions(program).map(optionModel),
    commands: program.commands
      .filter((command) => visibleCommands.includes(command))
      .map((command) => ({
        name: command.name(),
        description: command.summary() || command.description(),
        options: [...help.visibleOptions(command).map(optionModel), ...programOptions],
        arguments: command.registeredArguments.map(argumentModel),
      })),
  };
}

/** The option's names as typed: the short one first. */
export const optionNames = (option: OptionModel): string[] => [option.short, option.long].filter((name) => name !== undefined);
