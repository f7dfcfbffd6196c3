# Sourced by zsh-complete.zsh in the interactive zsh under test. $1 is the completion to load: a
# directory for fpath (how `#compdef` files are installed) or a file to source after compinit.
[[ -d $1 ]] && fpath=($1 $fpath)
autoload -Uz compinit
# -u: trust the test's temporary directories; -D: no dump file in $HOME.
compinit -u -D
[[ -f $1 ]] && source $1
# zsh sets OSTYPE itself: this lets a test take the macOS branch on Linux.
[[ -n $TOKENCTL_TEST_OSTYPE ]] && OSTYPE=$TOKENCTL_TEST_OSTYPE
PROMPT=''
bindkey '^I' complete-word

# Every match added for display is printed; queries (-O, -A, -D) from _arguments pass through.
compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
    builtin compadd "$@"
    return
  fi
  local -a matches
  builtin compadd -O matches "$@"
  local match
  for match in $matches; do print -r -- "<<match>>$match"; done
  builtin compadd "$@"
}

_report_end() { print -r -- '<<end>>'; exit }
comppostfuncs=(_report_end)
