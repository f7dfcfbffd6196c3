# bash completion for tokenctl, generated from its commander program: do not edit.
# Install: tokenctl completion bash > ~/.local/share/bash-completion/completions/tokenctl

# Offers the words $2... that start with $1.
_tokenctl_words() {
  local cur=$1 word
  shift
  for word; do [[ $word == "$cur"* ]] && COMPREPLY+=("$word"); done
}

# File names; -o filenames makes readline quote them and mark directories (compopt needs bash 4).
_tokenctl_files() {
  compopt -o filenames 2>/dev/null
  local file
  while IFS= read -r file; do COMPREPLY+=("$file"); done < <(compgen -f -- "$1")
}

# The saved profiles: profiles/*.json in the config dir, found as tokenctl finds it.
_tokenctl_profiles() {
  local root file profile
  if [[ -n $TOKENCTL_CONFIG_DIR ]]; then root=$TOKENCTL_CONFIG_DIR
  elif [[ $OSTYPE == darwin* ]]; then root="$HOME/Library/Application Support/tokenctl"
  elif [[ $XDG_CONFIG_HOME == /* ]]; then root=$XDG_CONFIG_HOME/tokenctl
  else root=$HOME/.config/tokenctl
  fi
  for file in "$root"/profiles/*.json; do
    profile=${file##*/}
    profile=${profile%.json}
    [[ -f $file && $profile == "$1"* ]] && COMPREPLY+=("$profile")
  done
}

# Succeeds when option $2 of command $1 ('' before the command) takes a value.
_tokenctl_takes_value() {
  case $1 in
    decode) case $2 in --file|--claim|--leeway|--jwks|--key|--expect-aud|--expect-iss|--expect-role|--expect-scope|--ca-file|-p|--profile) return 0 ;; esac ;;
    token) case $2 in --tenant|--cloud|--authority-host|--token-url|--issuer|--client-id|--client-secret-file|--client-secret-command|--certificate|--private-key|--certificate-password-command|--certificate-alias|--thumbprint|--assertion-alg|--assertion-lifetime|--assertion-audience|--client-assertion-file|--auth-method|--scope|--resource|--audience|--param|--timeout|--proxy|--ca-file|-p|--profile|--min-validity|-o|--output) return 0 ;; esac ;;
    exec) case $2 in --tenant|--cloud|--authority-host|--token-url|--issuer|--client-id|--client-secret-file|--client-secret-command|--certificate|--private-key|--certificate-password-command|--certificate-alias|--thumbprint|--assertion-alg|--assertion-lifetime|--assertion-audience|--client-assertion-file|--auth-method|--scope|--resource|--audience|--param|--timeout|--proxy|--ca-file|-p|--profile|--env|--min-validity) return 0 ;; esac ;;
    git-credential) case $2 in -p|--profile|--host|--username|--min-validity) return 0 ;; esac ;;
    configure) case $2 in -p|--profile|--tenant|--cloud|--authority-host|--token-url|--issuer|--client-id|--client-secret-file|--client-secret-command|--certificate|--private-key|--certificate-password-command|--certificate-alias|--thumbprint|--assertion-alg|--assertion-lifetime|--assertion-audience|--client-assertion-file|--auth-method|--scope|--resource|--audience|--param|--timeout|--proxy|--ca-file|--expect-aud|--expect-iss|--expect-role|--expect-scope|--grant|--redirect-port|--redirect-host|--authorize-url|--device-authorization-url|--revocation-url|--introspection-url|--userinfo-url|--store|--secret-expires) return 0 ;; esac ;;
    validate) case $2 in -p|--profile|--expect-aud|--expect-iss|--expect-role|--expect-scope) return 0 ;; esac ;;
    remove) case $2 in -p|--profile) return 0 ;; esac ;;
    show) case $2 in -p|--profile) return 0 ;; esac ;;
    doctor) case $2 in -p|--profile) return 0 ;; esac ;;
    discover) case $2 in --issuer|--tenant|--cloud|--authority-host|-p|--profile|--timeout|--proxy|--ca-file) return 0 ;; esac ;;
    login) case $2 in -p|--profile|--prompt|--login-hint|--param|--timeout) return 0 ;; esac ;;
    logout) case $2 in -p|--profile) return 0 ;; esac ;;
    userinfo) case $2 in -p|--profile|--issuer|--tenant|--cloud|--client-id|--client-secret-file|--client-secret-command|--auth-method|--timeout|--proxy|--ca-file|--revocation-url|--introspection-url|--userinfo-url|--token-type-hint) return 0 ;; esac ;;
    introspect) case $2 in -p|--profile|--issuer|--tenant|--cloud|--client-id|--client-secret-file|--client-secret-command|--auth-method|--timeout|--proxy|--ca-file|--revocation-url|--introspection-url|--userinfo-url|--token-type-hint) return 0 ;; esac ;;
    revoke) case $2 in -p|--profile|--issuer|--tenant|--cloud|--client-id|--client-secret-file|--client-secret-command|--auth-method|--timeout|--proxy|--ca-file|--revocation-url|--introspection-url|--userinfo-url|--token-type-hint) return 0 ;; esac ;;
  esac
  return 1
}

# Completes the word $4 for command $1 ('' before the command): the value of option $2, or with
# no option, operand number $3 or an option.
_tokenctl_complete() {
  local cur=$4
  case $1 in
    '')
      case $2 in
        '') if [[ $cur != -* && $3 == 0 ]]; then _tokenctl_words "$cur" decode token exec git-credential configure validate remove list show doctor discover login logout userinfo introspect revoke completion
          else _tokenctl_words "$cur" -V --version --json --no-color -v --verbose -h --help
          fi ;;
      esac ;;
    decode)
      case $2 in
        '') _tokenctl_words "$cur" --file --claim --require-valid --leeway --verify --jwks --key --expect-aud --expect-iss --expect-role --expect-scope --ca-file -p --profile --id-token -h --help -V --version --json --no-color -v --verbose ;;
        --file|--jwks|--key|--ca-file) _tokenctl_files "$cur" ;;
        -p|--profile) _tokenctl_profiles "$cur" ;;
      esac ;;
    token)
      case $2 in
        '') _tokenctl_words "$cur" --tenant --cloud --authority-host --token-url --issuer --client-id --client-secret-stdin --client-secret-file --client-secret-command --certificate --private-key --certificate-password-stdin --certificate-password-command --certificate-alias --thumbprint --assertion-alg --send-x5c --assertion-lifetime --assertion-audience --client-assertion-file --auth-method --scope --resource --audience --param --timeout --proxy --ca-file -p --profile --min-validity --refresh --no-cache -o --output -h --help -V --version --json --no-color -v --verbose ;;
        --cloud) _tokenctl_words "$cur" public usgov china ;;
        --client-secret-file|--certificate|--private-key|--client-assertion-file|--ca-file) _tokenctl_files "$cur" ;;
        --assertion-alg) _tokenctl_words "$cur" PS256 RS256 ;;
        --auth-method) _tokenctl_words "$cur" client_secret_basic client_secret_post private_key_jwt none ;;
        -p|--profile) _tokenctl_profiles "$cur" ;;
        -o|--output) _tokenctl_words "$cur" raw json header env kubectl ;;
      esac ;;
    exec)
      case $2 in
        '') _tokenctl_words "$cur" --tenant --cloud --authority-host --token-url --issuer --client-id --client-secret-stdin --client-secret-file --client-secret-command --certificate --private-key --certificate-password-stdin --certificate-password-command --certificate-alias --thumbprint --assertion-alg --send-x5c --assertion-lifetime --assertion-audience --client-assertion-file --auth-method --scope --resource --audience --param --timeout --proxy --ca-file -p --profile --env --min-validity --refresh --no-cache -h --help -V --version --json --no-color -v --verbose ;;
        --cloud) _tokenctl_words "$cur" public usgov china ;;
        --client-secret-file|--certificate|--private-key|--client-assertion-file|--ca-file) _tokenctl_files "$cur" ;;
        --assertion-alg) _tokenctl_words "$cur" PS256 RS256 ;;
        --auth-method) _tokenctl_words "$cur" client_secret_basic client_secret_post private_key_jwt none ;;
        -p|--profile) _tokenctl_profiles "$cur" ;;
      esac ;;
    git-credential)
      case $2 in
        '') _tokenctl_words "$cur" -p --profile --host --username --min-validity -h --help -V --version --json --no-color -v --verbose ;;
        -p|--profile) _tokenctl_profiles "$cur" ;;
      esac ;;
    configure)
      case $2 in
        '') _tokenctl_words "$cur" -p --profile --tenant --cloud --authority-host --token-url --issuer --client-id --client-secret-stdin --client-secret-file --client-secret-command --certificate --private-key --certificate-password-stdin --certificate-password-command --certificate-alias --thumbprint --assertion-alg --send-x5c --assertion-lifetime --assertion-audience --client-assertion-file --auth-method --scope --resource --audience --param --timeout --proxy --ca-file --expect-aud --expect-iss --expect-role --expect-scope --grant --redirect-port --redirect-host --authorize-url --device-authorization-url --public-client --revocation-url --introspection-url --userinfo-url --store --no-validate --secret-expires -h --help -V --version --json --no-color -v --verbose ;;
        -p|--profile) _tokenctl_profiles "$cur" ;;
        --cloud) _tokenctl_words "$cur" public usgov china ;;
        --client-secret-file|--certificate|--private-key|--client-assertion-file|--ca-file) _tokenctl_files "$cur" ;;
        --assertion-alg) _tokenctl_words "$cur" PS256 RS256 ;;
        --auth-method) _tokenctl_words "$cur" client_secret_basic client_secret_post private_key_jwt none ;;
        --grant) _tokenctl_words "$cur" client_credentials authorization_code device_code ;;
        --redirect-host) _tokenctl_words "$cur" 127.0.0.1 localhost ;;
        --store) _tokenctl_words "$cur" keychain file ;;
      esac ;;
    validate)
      case $2 in
        '') _tokenctl_words "$cur" -p --profile --curl --expect-aud --expect-iss --expect-role --expect-scope -h --help -V --version --json --no-color -v --verbose ;;
        -p|--profile) _tokenctl_profiles "$cur" ;;
      esac ;;
    remove)
      case $2 in
        '') _tokenctl_words "$cur" -p --profile --all -y --yes -h --help -V --version --json --no-color -v --verbose ;;
        -p|--profile) _tokenctl_profiles "$cur" ;;
      esac ;;
    list)
      case $2 in
        '') _tokenctl_words "$cur" -h --help -V --version --json --no-color -v --verbose ;;
      esac ;;
    show)
      case $2 in
        '') _tokenctl_words "$cur" -p --profile -h --help -V --version --json --no-color -v --verbose ;;
        -p|--profile) _tokenctl_profiles "$cur" ;;
      esac ;;
    doctor)
      case $2 in
        '') _tokenctl_words "$cur" -p --profile --online -h --help -V --version --json --no-color -v --verbose ;;
        -p|--profile) _tokenctl_profiles "$cur" ;;
      esac ;;
    discover)
      case $2 in
        '') _tokenctl_words "$cur" --issuer --tenant --cloud --authority-host -p --profile --timeout --proxy --ca-file -h --help -V --version --json --no-color -v --verbose ;;
        --cloud) _tokenctl_words "$cur" public usgov china ;;
        -p|--profile) _tokenctl_profiles "$cur" ;;
        --ca-file) _tokenctl_files "$cur" ;;
      esac ;;
    login)
      case $2 in
        '') _tokenctl_words "$cur" -p --profile --device --no-browser --prompt --login-hint --param --timeout --client-secret-stdin -h --help -V --version --json --no-color -v --verbose ;;
        -p|--profile) _tokenctl_profiles "$cur" ;;
      esac ;;
    logout)
      case $2 in
        '') _tokenctl_words "$cur" -p --profile --client-secret-stdin -h --help -V --version --json --no-color -v --verbose ;;
        -p|--profile) _tokenctl_profiles "$cur" ;;
      esac ;;
    userinfo)
      case $2 in
        '') _tokenctl_words "$cur" -p --profile --issuer --tenant --cloud --client-id --client-secret-stdin --client-secret-file --client-secret-command --auth-method --timeout --proxy --ca-file --revocation-url --introspection-url --userinfo-url --token-type-hint -h --help -V --version --json --no-color -v --verbose ;;
        -p|--profile) _tokenctl_profiles "$cur" ;;
        --cloud) _tokenctl_words "$cur" public usgov china ;;
        --client-secret-file|--ca-file) _tokenctl_files "$cur" ;;
        --auth-method) _tokenctl_words "$cur" client_secret_basic client_secret_post none ;;
        --token-type-hint) _tokenctl_words "$cur" access_token refresh_token ;;
      esac ;;
    introspect)
      case $2 in
        '') _tokenctl_words "$cur" -p --profile --issuer --tenant --cloud --client-id --client-secret-stdin --client-secret-file --client-secret-command --auth-method --timeout --proxy --ca-file --revocation-url --introspection-url --userinfo-url --token-type-hint -h --help -V --version --json --no-color -v --verbose ;;
        -p|--profile) _tokenctl_profiles "$cur" ;;
        --cloud) _tokenctl_words "$cur" public usgov china ;;
        --client-secret-file|--ca-file) _tokenctl_files "$cur" ;;
        --auth-method) _tokenctl_words "$cur" client_secret_basic client_secret_post none ;;
        --token-type-hint) _tokenctl_words "$cur" access_token refresh_token ;;
      esac ;;
    revoke)
      case $2 in
        '') _tokenctl_words "$cur" -p --profile --issuer --tenant --cloud --client-id --client-secret-stdin --client-secret-file --client-secret-command --auth-method --timeout --proxy --ca-file --revocation-url --introspection-url --userinfo-url --token-type-hint -h --help -V --version --json --no-color -v --verbose ;;
        -p|--profile) _tokenctl_profiles "$cur" ;;
        --cloud) _tokenctl_words "$cur" public usgov china ;;
        --client-secret-file|--ca-file) _tokenctl_files "$cur" ;;
        --auth-method) _tokenctl_words "$cur" client_secret_basic client_secret_post none ;;
        --token-type-hint) _tokenctl_words "$cur" access_token refresh_token ;;
      esac ;;
    completion)
      case $2 in
        '') if [[ $cur != -* && $3 == 0 ]]; then _tokenctl_words "$cur" bash zsh fish powershell
          else _tokenctl_words "$cur" -h --help -V --version --json --no-color -v --verbose
          fi ;;
      esac ;;
  esac
}

_tokenctl() {
  COMPREPLY=()
  local cur=${COMP_WORDS[COMP_CWORD]} command= option= operands=0 word i
  # readline splits --option=value at the '=': the '=' is a word of its own.
  [[ $cur == = ]] && cur=
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if _tokenctl_takes_value "$command" "$word"; then
      [[ ${COMP_WORDS[i + 1]} == = ]] && ((i++))
      # The option's value is the word being completed.
      ((++i == COMP_CWORD)) && option=$word
    elif [[ $word != -* && $word != = ]]; then
      if [[ -z $command ]]; then command=$word; else ((operands++)); fi
    fi
  done
  _tokenctl_complete "$command" "$option" "$operands" "$cur"
}

complete -F _tokenctl tokenctl
