# Prints what zsh's completion offers for a command line, one candidate a line: an interactive
# zsh in a pseudo-terminal (zpty) with compinit and the functions of FUNCTIONS_DIR types the line
# and a TAB; compadd is wrapped to print each candidate it is given. Used by InstallTest.
#
#   zsh -f zsh-completions.zsh FUNCTIONS_DIR 'reflink cp --re'    # --recursive, --reflink
zmodload zsh/zpty || exit 1
zpty completing zsh -f -i
zpty -w completing "PS1= ; fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w completing 'compadd() {
    if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
    local -a hits; builtin compadd -A hits "$@"; local result=$?
    (( $#hits )) && print -rl -- "<candidate>"${^hits}
    builtin compadd "$@"; return result
}'
zpty -w completing 'print READY'
zpty -r completing line '*READY*'  # the echo of the command
zpty -r completing line '*READY*'  # its output
zpty -w completing "$2"$'\t'
zpty -w completing $'\C-u print DONE'
zpty -r completing output '*DONE*'
print -r -- "$output" | grep -a '<candidate>' | sed 's/.*<candidate>//; s/\r$//' | sort -u
zpty -d completing
