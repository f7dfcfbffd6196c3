import { optionNames, type ArgumentModel, type CommandModel, type CompletionModel, type OptionModel, type ValueCompletion } from './model.js';

/** A single-quoted zsh word. */
const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/** Text inside an _arguments `[explanation]` or a `name:description` pair. */
const escape = (text: string, special: RegExp): string => text.replace(special, (char) => `\\${char}`);

/** The _arguments action for a value: its matches, or ' ' for free text (a message, no matches). */
function action(name: string, value: ValueCompletion): string {
  switch (value.kind) {
    case 'text':
      return ' ';
    case 'file':
      return '_files';
    case 'profile':
      return `_${name}_profiles`;
    case 'choice':
      return `(${value.choices.map((choice) => escape(choice, /[\\\s():'"]/g)).join(' ')})`;
  }
}

/**
 * One _arguments spec: `(-p --profile)`{-p+,--profile=}`[description]:profile:action`. `-p+` and
 * `--profile=` accept the value attached or as the next word, as commander does; the exclusion list
 * stops a used option from being offered again under its other name.
 */
function optionSpec(name: string, option: OptionModel): string {
  const names = optionNames(option);
  const value = option.value && `:${(option.long ?? option.short ?? '').replace(/^-+/, '')}:${action(name, option.value)}`;
  const exclusions = names.length > 1 ? quote(`(${names.join(' ')})`) : '';
  const spelled = names.map((flag) => (option.value ? `${flag}${flag.startsWith('--') ? '=' : '+'}` : flag));
  const flags = spelled.length > 1 ? `{${spelled.join(',')}}` : spelled.join('');
  return `${exclusions}${flags}${quote(`[${escape(option.description, /[\\\]]/g)}]${value ?? ''}`)}`;
}

const argumentSpec = (name: string, argument: ArgumentModel, index: number): string =>
  quote(`${index + 1}:${argument.name}:${action(name, argument.value)}`);

/** The specs as continuation lines of an _arguments call. */
const specLines = (indent: string, name: string, options: OptionModel[], args: ArgumentModel[] = []): string =>
  [...options.map((option) => optionSpec(name, option)), ...args.map((argument, index) => argumentSpec(name, argument, index))]
    .map((spec) => ` \\\n${indent}${spec}`)
    .join('');

const commandCase = (name: string, command: CommandModel): string =>
  `        ${command.name})\n          _arguments${specLines('            ', name, command.options, command.arguments)} && ret=0 ;;`;

/** The zsh completion script, for fpath (`#compdef`) or for `source`. */
export function zshScript(model: CompletionModel): string {
  const name = model.name;
  const commands = model.commands.map((command) => `        ${quote(`${escape(command.name, /:/g)}:${command.description}`)}`);
  return `#compdef ${name}
# zsh completion for ${name}, generated from its commander program: do not edit.
# Install: ${name} completion zsh > "\${fpath[1]}/_${name}"

# The saved profiles: profiles/*.json in the config dir, found as ${name} finds it.
_${name}_profiles() {
  local root
  if [[ -n $TOKENCTL_CONFIG_DIR ]]; then root=$TOKENCTL_CONFIG_DIR
  elif [[ $OSTYPE == darwin* ]]; then root="$HOME/Library/Application Support/${name}"
  elif [[ $XDG_CONFIG_HOME == /* ]]; then root=$XDG_CONFIG_HOME/${name}
  else root=$HOME/.config/${name}
  fi
  local -a profiles=("$root"/profiles/*.json(N-.:t:r))
  _wanted profiles expl profile compadd -a profiles
}

_${name}() {
  local curcontext=$curcontext state state_descr line ret=1
  typeset -A opt_args
  _arguments -C${specLines('    ', name, model.options)} \\
    '1: :->command' \\
    '*:: :->argument' && ret=0
  case $state in
    command)
      local -a commands=(
${commands.join('\n')}
      )
      _describe -t commands '${name} command' commands && ret=0 ;;
    argument)
      curcontext=\${curcontext%:*:*}:${name}-$line[1]:
      case $line[1] in
${model.commands.map((command) => commandCase(name, command)).join('\n')}
      esac ;;
  esac
  return ret
}

# Autoloaded from fpath, the file is the body of _${name}; sourced, it registers the function.
if [[ $funcstack[1] == _${name} ]]; then _${name} "$@"; else compdef _${name} ${name}; fi
`;
}
