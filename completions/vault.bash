#!/bin/bash

__vault_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__vault_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__vault_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__vault_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_vault() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __vault_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    init|set|get|list|rm|cp|mv|exec|proxy|import|export|lock|status|identity|members|env|trust|git|doctor|project|log|scan|history|rollback|openai|help)
        # Offer subcommand argument completions
        "_vault_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'init set get list rm cp mv exec proxy import export lock status identity members env trust git doctor project log scan history rollback openai help' -- "${cur}"))
        ;;
    esac
}

_vault_init() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --no-passphrase --here --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --passphrase-file --cache-ttl --name)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--name')
        return
        ;;
    esac
}

_vault_set() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --allow-reserved --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl)
    __vault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    esac
}

_vault_get() {
    repeating_flags=()
    non_repeating_flags=(--no-cache -n --no-newline --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl --at-version)
    __vault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--at-version')
        return
        ;;
    esac
}

_vault_list() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --json --redacted --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --passphrase-file --cache-ttl --project --env)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    esac
}

_vault_rm() {
    repeating_flags=()
    non_repeating_flags=(--no-cache -y --yes --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl)
    __vault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    esac
}

_vault_cp() {
    repeating_flags=()
    non_repeating_flags=(--force --no-cache --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env --to-env --to-project --passphrase-file --cache-ttl --from-vault)
    __vault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--to-env')
        return
        ;;
    '--to-project')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--from-vault')
        return
        ;;
    esac
}

_vault_mv() {
    repeating_flags=()
    non_repeating_flags=(--force --no-cache --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env --to-env --to-project --passphrase-file --cache-ttl)
    __vault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--to-env')
        return
        ;;
    '--to-project')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    esac
}

_vault_exec() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --allow-admin-key --redact --proxy --version -h --help)
    repeating_options=(--only --map --allow-reserved --allow-path)
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl --upstream --upstream-ca --max-requests --max-tokens --key-var --base-url-var)
    __vault_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--only')
        return
        ;;
    '--map')
        return
        ;;
    '--allow-reserved')
        return
        ;;
    '--upstream')
        return
        ;;
    '--upstream-ca')
        return
        ;;
    '--allow-path')
        return
        ;;
    '--max-requests')
        return
        ;;
    '--max-tokens')
        return
        ;;
    '--key-var')
        return
        ;;
    '--base-url-var')
        return
        ;;
    esac
}

_vault_proxy() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --version -h --help)
    repeating_options=(--allow-path)
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl --upstream --upstream-ca --max-requests --max-tokens --key-var --base-url-var --listen)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--upstream')
        return
        ;;
    '--upstream-ca')
        return
        ;;
    '--allow-path')
        return
        ;;
    '--max-requests')
        return
        ;;
    '--max-tokens')
        return
        ;;
    '--key-var')
        return
        ;;
    '--base-url-var')
        return
        ;;
    '--listen')
        return
        ;;
    esac
}

_vault_import() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --allow-reserved --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl)
    __vault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    esac
}

_vault_export() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --force --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl --format)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--format')
        __vault_add_completions -W 'dotenv'$'\n''json'$'\n''docker'
        return
        ;;
    esac
}

_vault_lock() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options 0
}

_vault_status() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --values --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl --max-age --unused-days)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--max-age')
        return
        ;;
    '--unused-days')
        return
        ;;
    esac
}

_vault_identity() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    show|new|passwd)
        # Offer subcommand argument completions
        "_vault_identity_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'show new passwd' -- "${cur}"))
        ;;
    esac
}

_vault_identity_show() {
    repeating_flags=()
    non_repeating_flags=(--fingerprint --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options 0
}

_vault_identity_new() {
    repeating_flags=()
    non_repeating_flags=(--no-passphrase --version -h --help)
    repeating_options=()
    non_repeating_options=(--output --passphrase-file)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--output')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    esac
}

_vault_identity_passwd() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--passphrase-file --new-passphrase-file)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--passphrase-file')
        return
        ;;
    '--new-passphrase-file')
        return
        ;;
    esac
}

_vault_members() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    list|add|set|rm)
        # Offer subcommand argument completions
        "_vault_members_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'list add set rm' -- "${cur}"))
        ;;
    esac
}

_vault_members_list() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    esac
}

_vault_members_add() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --owner --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --passphrase-file --cache-ttl --read --write)
    __vault_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--read')
        return
        ;;
    '--write')
        return
        ;;
    esac
}

_vault_members_set() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --owner --no-owner --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --passphrase-file --cache-ttl --read --write --rename)
    __vault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--read')
        return
        ;;
    '--write')
        return
        ;;
    '--rename')
        return
        ;;
    esac
}

_vault_members_rm() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --passphrase-file --cache-ttl)
    __vault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    esac
}

_vault_env() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    list|add|recipient)
        # Offer subcommand argument completions
        "_vault_env_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'list add recipient' -- "${cur}"))
        ;;
    esac
}

_vault_env_list() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--vault)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    esac
}

_vault_env_add() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --passphrase-file --cache-ttl)
    __vault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    esac
}

_vault_env_recipient() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    add|rm|list)
        # Offer subcommand argument completions
        "_vault_env_recipient_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'add rm list' -- "${cur}"))
        ;;
    esac
}

_vault_env_recipient_add() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --passphrase-file --cache-ttl --addr --transit-key --mount)
    __vault_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--addr')
        return
        ;;
    '--transit-key')
        return
        ;;
    '--mount')
        return
        ;;
    esac
}

_vault_env_recipient_rm() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --passphrase-file --cache-ttl)
    __vault_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    esac
}

_vault_env_recipient_list() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--vault)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    esac
}

_vault_trust() {
    repeating_flags=()
    non_repeating_flags=(--accept-rollback --pin --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    esac
}

_vault_git() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    setup|merge|resolve|diff|hook)
        # Offer subcommand argument completions
        "_vault_git_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'setup merge resolve diff hook' -- "${cur}"))
        ;;
    esac
}

_vault_git_setup() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options 0
}

_vault_git_merge() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --virtual-base --version -h --help)
    repeating_options=()
    non_repeating_options=(--passphrase-file --cache-ttl)
    __vault_offer_flags_options 4

    # Offer option value completions
    case "${prev}" in
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    esac
}

_vault_git_resolve() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl --take)
    __vault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--take')
        __vault_add_completions -W 'ours'$'\n''theirs'
        return
        ;;
    esac
}

_vault_git_diff() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options 1
}

_vault_git_hook() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    install)
        # Offer subcommand argument completions
        "_vault_git_hook_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'install' -- "${cur}"))
        ;;
    esac
}

_vault_git_hook_install() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options 0
}

_vault_doctor() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --yes --version -h --help)
    repeating_options=(--drop)
    non_repeating_options=(--vault --passphrase-file --cache-ttl)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--drop')
        return
        ;;
    esac
}

_vault_project() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    pin|unpin|show)
        # Offer subcommand argument completions
        "_vault_project_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'pin unpin show' -- "${cur}"))
        ;;
    esac
}

_vault_project_pin() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options 1
}

_vault_project_unpin() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options 0
}

_vault_project_show() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    esac
}

_vault_log() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--project --env)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    esac
}

_vault_scan() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --history --staged --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --passphrase-file --cache-ttl)
    __vault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    esac
}

_vault_history() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --no-redacted --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl --keep)
    __vault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--keep')
        return
        ;;
    esac
}

_vault_rollback() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl --to)
    __vault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--to')
        return
        ;;
    esac
}

_vault_openai() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    link|check|create-key|rotate|exposure)
        # Offer subcommand argument completions
        "_vault_openai_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'link check create-key rotate exposure' -- "${cur}"))
        ;;
    esac
}

_vault_openai_link() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl --base-url --admin-env --timeout --openai-project --key-id --name)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--base-url')
        return
        ;;
    '--admin-env')
        return
        ;;
    '--timeout')
        return
        ;;
    '--openai-project')
        return
        ;;
    '--key-id')
        return
        ;;
    '--name')
        return
        ;;
    esac
}

_vault_openai_check() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --json --version -h --help)
    repeating_options=(--openai-project)
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl --base-url --admin-env --timeout --unused-days)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--base-url')
        return
        ;;
    '--admin-env')
        return
        ;;
    '--timeout')
        return
        ;;
    '--openai-project')
        return
        ;;
    '--unused-days')
        return
        ;;
    esac
}

_vault_openai_create-key() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl --base-url --admin-env --timeout --openai-project --service-account --scopes --name)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--base-url')
        return
        ;;
    '--admin-env')
        return
        ;;
    '--timeout')
        return
        ;;
    '--openai-project')
        return
        ;;
    '--service-account')
        return
        ;;
    '--scopes')
        return
        ;;
    '--name')
        return
        ;;
    esac
}

_vault_openai_rotate() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl --base-url --admin-env --timeout --scopes --name)
    __vault_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--base-url')
        return
        ;;
    '--admin-env')
        return
        ;;
    '--timeout')
        return
        ;;
    '--scopes')
        return
        ;;
    '--name')
        return
        ;;
    esac
}

_vault_openai_exposure() {
    repeating_flags=()
    non_repeating_flags=(--no-cache --version -h --help)
    repeating_options=()
    non_repeating_options=(--vault --project --env --passphrase-file --cache-ttl --base-url --admin-env --timeout)
    __vault_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--vault')
        return
        ;;
    '--project')
        return
        ;;
    '--env')
        return
        ;;
    '--passphrase-file')
        return
        ;;
    '--cache-ttl')
        return
        ;;
    '--base-url')
        return
        ;;
    '--admin-env')
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_vault_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __vault_offer_flags_options -1
}

complete -o filenames -F _vault vault
