import type { CompletionModel, OptionModel, ValueCompletion } from './model.js';

/** A single-quoted fish word. */
const quote = (text: string): string => `'${text.replace(/[\\']/g, (char) => `\\${char}`)}'`;

/** A word as fish reads it inside a `complete -a` list, which fish expands like a command line. */
const listWord = (word: string): string => word.replace(/[^\w@%+=:,./-]/g, (char) => `\\${char}`);

/** The `complete` flags for an option's value: -x (a value, no files), -r -F (a file path). */
function valueFlags(name: string, value: ValueCompletion | undefined): string {
  if (!value) return '';
  switch (value.kind) {
    case 'text':
      return ' -x';
    case 'file':
      return ' -r -F';
    case 'profile':
      return ` -x -a '(__${name}_profiles)'`;
    case 'choice':
      return ` -x -a ${quote(value.choices.map(listWord).join(' '))}`;
  }
}

function optionLine(name: string, condition: string, option: OptionModel): string {
  const short = option.short ? ` -s ${option.short.slice(1)}` : '';
  const long = option.long ? ` -l ${option.long.slice(2)}` : '';
  return `complete -c ${name} -n ${quote(condition)}${short}${long}${valueFlags(name, option.value)} -d ${quote(option.description)}`;
}

function operandLine(name: string, condition: string, value: ValueCompletion): string[] {
  switch (value.kind) {
    case 'text':
      return [];
    case 'file':
      return [`complete -c ${name} -n ${quote(condition)} -F`];
    case 'profile':
      return [`complete -c ${name} -n ${quote(condition)} -a '(__${name}_profiles)'`];
    case 'choice':
      return [`complete -c ${name} -n ${quote(condition)} -a ${quote(value.choices.map(listWord).join(' '))}`];
  }
}

/** The fish completion script: `complete` rules, one per option and command. */
export function fishScript(model: CompletionModel): string {
  const name = model.name;
  const beforeCommand = '__fish_use_subcommand';
  const lines = [
    ...model.options.map((option) => optionLine(name, beforeCommand, option)),
    ...model.commands.map((command) => `complete -c ${name} -n ${quote(beforeCommand)} -a ${command.name} -d ${quote(command.description)}`),
    ...model.commands.flatMap((command) => {
      const after = `__fish_seen_subcommand_from ${command.name}`;
      // __fish_is_nth_token counts the words that are not options, the program and command included.
      const operands = command.arguments.flatMap((argument, index) => operandLine(name, `${after}; and __fish_is_nth_token ${index + 2}`, argument.value));
      return [...command.options.map((option) => optionLine(name, after, option)), ...operands];
    }),
  ];
  return `# fish completion for ${name}, generated from its commander program: do not edit.
# Install: ${name} completion fish > ~/.config/fish/completions/${name}.fish

# The saved profiles: profiles/*.json in the config dir, found as ${name} finds it.
function __${name}_profiles
    set -l root ~/.config/${name}
    if test -n "$TOKENCTL_CONFIG_DIR"
        set root $TOKENCTL_CONFIG_DIR
    else if test (uname) = Darwin
        set root ~/Library/Application\\ Support/${name}
    else if string match -q '/*' -- "$XDG_CONFIG_HOME"
        set root $XDG_CONFIG_HOME/${name}
    end
    for file in $root/profiles/*.json
        test -f $file; and string replace -r '^.*/(.*)\\.json$' '$1' -- $file
    end
end

# No file names unless an option takes a path.
complete -c ${name} -f
${lines.join('\n')}
`;
}
