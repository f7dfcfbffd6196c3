# Completes a command line in a real interactive zsh and prints what zsh offers, one match a line.
#   zsh -f test/support/zsh-complete.zsh COMPLETION 'tokenctl token --auth-method c'
# COMPLETION is a directory to put on fpath, or a script to source (see zsh-capture.zsh).
# ZLE runs only on a terminal, so the interactive zsh runs in a pseudo-terminal (zsh/zpty, the
# standard way to drive zsh completion without a person); zsh-capture.zsh makes it report each
# match instead of inserting it, then exit.
zmodload zsh/zpty || exit 2
zpty completion 'zsh -f -i'
capture=${0:A:h}/zsh-capture.zsh
zpty -w completion "source ${(q)capture} ${(q)1}"
zpty -w -n completion "$2"$'\t'
# Everything the terminal shows up to the end marker; the markers make the matches easy to find.
zpty -r completion output '*<<end>>*' || exit 3
zpty -d completion
# A match may share its line with what the terminal showed before it.
print -r -- ${(F)${${(M)${(f)output//$'\r'/}:#*<<match>>*}##*<<match>>}}
