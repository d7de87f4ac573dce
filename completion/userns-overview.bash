# bash completion for userns-overview. Generated from src/options.ts by src/manual.ts (npm run manual): do not edit.
_userns_overview() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  # --option=value: bash splits the word at '=' (COMP_WORDBREAKS).
  if [[ $cur == = ]]; then
    cur=
  elif [[ $prev == = ]]; then
    prev=${COMP_WORDS[COMP_CWORD-2]}
  fi
  case $prev in
    --format) COMPREPLY=($(compgen -W 'compat tree json dot' -- "$cur")); return ;;
    --pid) COMPREPLY=($(compgen -W "$(cd /proc && printf '%s ' [0-9]*)" -- "$cur")); return ;;
    --container) return ;;
    --width) return ;;
    --color) COMPREPLY=($(compgen -W 'auto always never' -- "$cur")); return ;;
    --type)
      compopt -o nospace 2>/dev/null
      COMPREPLY=($(compgen -P "${cur%"${cur##*,}"}" -W 'cgroup ipc mnt net pid time uts' -- "${cur##*,}")); return ;;
    --ffi) COMPREPLY=($(compgen -W 'koffi ffi-napi' -- "$cur")); return ;;
  esac
  COMPREPLY=($(compgen -W '--format --json --pid --container --width --color --ascii --processes-only --owned --type --ffi -q --quiet -V --version -h --help' -- "$cur"))
}
complete -F _userns_overview userns-overview
