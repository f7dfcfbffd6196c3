import { optionNames, type CompletionModel, type OptionModel, type ValueCompletion } from './model.js';

const SAFE_WORD = /^[\w@%+=:,./-]+$/;

/** A word bash reads back as itself. */
const quote = (word: string): string => (SAFE_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/** A value the shell can offer something for: free text has nothing to offer. */
type OfferedValue = Exclude<ValueCompletion, { kind: 'text' }>;

/** The bash command that fills COMPREPLY with what `value` offers for the word "$cur". */
function valueCommand(name: string, value: OfferedValue): string {
  switch (value.kind) {
    case 'file':
      return `_${name}_files "$cur"`;
    case 'profile':
      return `_${name}_profiles "$cur"`;
    case 'choice':
      return `_${name}_words "$cur" ${value.choices.map(quote).join(' ')}`;
  }
}

/** Before the command name (key ''), or after one: its options and what its operands complete to. */
interface Position {
  key: string;
  options: OptionModel[];
  operands: ValueCompletion[];
}

function positions(model: CompletionModel): Position[] {
  const commandNames: ValueCompletion = { kind: 'choice', choices: model.commands.map((command) => command.name) };
  return [
    { key: '', options: model.options, operands: [commandNames] },
    ...model.commands.map((command) => ({ key: command.name, options: command.options, operands: command.arguments.map((argument) => argument.value) })),
  ];
}

function takesValueCase(position: Position): string {
  const names = position.options.filter((option) => option.value !== undefined).flatMap(optionNames);
  return names.length === 0 ? '' : `\n    ${quote(position.key)}) case $2 in ${names.map(quote).join('|')}) return 0 ;; esac ;;`;
}

/** One `case` branch per way of completing a value; free text has none, so nothing is offered. */
function valueBranches(name: string, options: OptionModel[]): string[] {
  const namesByCommand = new Map<string, string[]>();
  for (const option of options) {
    if (!option.value || option.value.kind === 'text') continue;
    const command = valueCommand(name, option.value);
    namesByCommand.set(command, [...(namesByCommand.get(command) ?? []), ...optionNames(option).map(quote)]);
  }
  return [...namesByCommand].map(([command, names]) => `\n        ${names.join('|')}) ${command} ;;`);
}

function completeCase(name: string, position: Position): string {
  const allOptions = `_${name}_words "$cur" ${position.options.flatMap(optionNames).map(quote).join(' ')}`;
  // An operand that is free text (a token) has nothing to offer: the options are offered instead.
  const operands = position.operands.flatMap((operand, index) =>
    operand.kind === 'text' ? [] : [`[[ $cur != -* && $3 == ${index} ]]; then ${valueCommand(name, operand)}`],
  );
  const words = operands.length === 0 ? allOptions : `if ${operands.join('\n          elif ')}\n          else ${allOptions}\n          fi`;
  return `    ${quote(position.key)})
      case $2 in
        '') ${words} ;;${valueBranches(name, position.options).join('')}
      esac ;;`;
}

/** The bash completion script: self-contained (no bash-completion package needed), bash 3.2 and later. */
export function bashScript(model: CompletionModel): string {
  const name = model.name;
  const all = positions(model);
  return `# bash completion for ${name}, generated from its commander program: do not edit.
# Install: ${name} completion bash > ~/.local/share/bash-completion/completions/${name}

# Offers the words $2... that start with $1.
_${name}_words() {
  local cur=$1 word
  shift
  for word; do [[ $word == "$cur"* ]] && COMPREPLY+=("$word"); done
}

# File names; -o filenames makes readline quote them and mark directories (compopt needs bash 4).
_${name}_files() {
  compopt -o filenames 2>/dev/null
  local file
  while IFS= read -r file; do COMPREPLY+=("$file"); done < <(compgen -f -- "$1")
}

# The saved profiles: profiles/*.json in the config dir, found as ${name} finds it.
_${name}_profiles() {
  local root file profile
  if [[ -n $TOKENCTL_CONFIG_DIR ]]; then root=$TOKENCTL_CONFIG_DIR
  elif [[ $OSTYPE == darwin* ]]; then root="$HOME/Library/Application Support/${name}"
  elif [[ $XDG_CONFIG_HOME == /* ]]; then root=$XDG_CONFIG_HOME/${name}
  else root=$HOME/.config/${name}
  fi
  for file in "$root"/profiles/*.json; do
    profile=\${file##*/}
    profile=\${profile%.json}
    [[ -f $file && $profile == "$1"* ]] && COMPREPLY+=("$profile")
  done
}

# Succeeds when option $2 of command $1 ('' before the command) takes a value.
_${name}_takes_value() {
  case $1 in${all.map(takesValueCase).join('')}
  esac
  return 1
}

# Completes the word $4 for command $1 ('' before the command): the value of option $2, or with
# no option, operand number $3 or an option.
_${name}_complete() {
  local cur=$4
  case $1 in
${all.map((position) => completeCase(name, position)).join('\n')}
  esac
}

_${name}() {
  COMPREPLY=()
  local cur=\${COMP_WORDS[COMP_CWORD]} command= option= operands=0 word i
  # readline splits --option=value at the '=': the '=' is a word of its own.
  [[ $cur == = ]] && cur=
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    if _${name}_takes_value "$command" "$word"; then
      [[ \${COMP_WORDS[i + 1]} == = ]] && ((i++))
      # The option's value is the word being completed.
      ((++i == COMP_CWORD)) && option=$word
    elif [[ $word != -* && $word != = ]]; then
      if [[ -z $command ]]; then command=$word; else ((operands++)); fi
    fi
  done
  _${name}_complete "$command" "$option" "$operands" "$cur"
}

complete -F _${name} ${name}
`;
}
