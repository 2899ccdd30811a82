function __vault_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vault_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __vault_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __vault_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __vault_parse_tokens -S
    set -l unparsed_tokens (__vault_tokens -pc)
    switch $unparsed_tokens[1]
    case 'vault'
        __vault_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'init'
            __vault_parse_subcommand 0 'vault=' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'no-passphrase' 'here' 'name=' 'version' 'h/help'
        case 'set'
            __vault_parse_subcommand 1 'vault=' 'project=' 'env=' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'allow-reserved' 'version' 'h/help'
        case 'get'
            __vault_parse_subcommand 1 'vault=' 'project=' 'env=' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'n/no-newline' 'version' 'h/help'
        case 'list'
            __vault_parse_subcommand 0 'vault=' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'project=' 'env=' 'json' 'redacted' 'version' 'h/help'
        case 'rm'
            __vault_parse_subcommand 1 'vault=' 'project=' 'env=' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'y/yes' 'version' 'h/help'
        case 'cp'
            __vault_parse_subcommand 1 'vault=' 'project=' 'env=' 'to-env=' 'to-project=' 'force' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'from-vault=' 'version' 'h/help'
        case 'mv'
            __vault_parse_subcommand 1 'vault=' 'project=' 'env=' 'to-env=' 'to-project=' 'force' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'version' 'h/help'
        case 'exec'
            __vault_parse_subcommand -r 1 'vault=' 'project=' 'env=' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'only=+' 'map=+' 'allow-reserved=+' 'allow-admin-key' 'version' 'h/help'
        case 'import'
            __vault_parse_subcommand 1 'vault=' 'project=' 'env=' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'allow-reserved' 'version' 'h/help'
        case 'export'
            __vault_parse_subcommand 0 'vault=' 'project=' 'env=' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'format=' 'force' 'version' 'h/help'
        case 'lock'
            __vault_parse_subcommand 0 'version' 'h/help'
        case 'status'
            __vault_parse_subcommand 0 'vault=' 'project=' 'env=' 'version' 'h/help'
        case 'identity'
            __vault_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'show'
                __vault_parse_subcommand 0 'fingerprint' 'version' 'h/help'
            case 'new'
                __vault_parse_subcommand 0 'no-passphrase' 'output=' 'passphrase-file=' 'version' 'h/help'
            case 'passwd'
                __vault_parse_subcommand 0 'passphrase-file=' 'new-passphrase-file=' 'version' 'h/help'
            end
        case 'members'
            __vault_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'list'
                __vault_parse_subcommand 0 'vault=' 'json' 'version' 'h/help'
            case 'add'
                __vault_parse_subcommand 2 'vault=' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'read=' 'write=' 'owner' 'version' 'h/help'
            case 'set'
                __vault_parse_subcommand 1 'vault=' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'read=' 'write=' 'owner' 'no-owner' 'rename=' 'version' 'h/help'
            case 'rm'
                __vault_parse_subcommand 1 'vault=' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'version' 'h/help'
            end
        case 'env'
            __vault_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'list'
                __vault_parse_subcommand 0 'vault=' 'version' 'h/help'
            case 'add'
                __vault_parse_subcommand 1 'vault=' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'version' 'h/help'
            end
        case 'trust'
            __vault_parse_subcommand 0 'vault=' 'accept-rollback' 'pin' 'version' 'h/help'
        case 'git'
            __vault_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'setup'
                __vault_parse_subcommand 0 'version' 'h/help'
            case 'merge'
                __vault_parse_subcommand 4 'passphrase-file=' 'no-cache' 'cache-ttl=' 'virtual-base' 'version' 'h/help'
            case 'resolve'
                __vault_parse_subcommand 1 'vault=' 'project=' 'env=' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'take=' 'version' 'h/help'
            case 'diff'
                __vault_parse_subcommand 1 'version' 'h/help'
            case 'hook'
                __vault_parse_subcommand 0 'version' 'h/help'
                switch $unparsed_tokens[1]
                case 'install'
                    __vault_parse_subcommand 0 'version' 'h/help'
                end
            end
        case 'doctor'
            __vault_parse_subcommand 0 'vault=' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'drop=+' 'yes' 'version' 'h/help'
        case 'project'
            __vault_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'pin'
                __vault_parse_subcommand 1 'version' 'h/help'
            case 'unpin'
                __vault_parse_subcommand 0 'version' 'h/help'
            case 'show'
                __vault_parse_subcommand 0 'vault=' 'project=' 'env=' 'version' 'h/help'
            end
        case 'log'
            __vault_parse_subcommand 0 'project=' 'env=' 'json' 'version' 'h/help'
        case 'scan'
            __vault_parse_subcommand 1 'vault=' 'passphrase-file=' 'no-cache' 'cache-ttl=' 'history' 'staged' 'json' 'version' 'h/help'
        case 'help'
            __vault_parse_subcommand -r 1 'version'
        end
    end
end

function __vault_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __vault_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __vault_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __vault_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__vault_tokens -p)
    if test -z "$(__vault_tokens -t)"
        set -l index (count (__vault_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'vault' -f
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'init' -d 'Create your identity (if you have none) and a new vault.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'set' -d 'Store a secret from a no-echo prompt or stdin (never from the command line).'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'get' -d 'Print one secret\'s value alone on stdout, for pipes.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'list' -d 'List labels, versions, dates and writers; needs no passphrase.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'rm' -d 'Remove a secret from an environment.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'cp' -d 'Copy a secret (or a whole environment) to another environment or project.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'mv' -d 'Move a secret (or a whole environment) to another environment or project.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'exec' -d 'Run a command with the environment\'s secrets in its environment.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'import' -d 'Store every NAME=VALUE of a .env file (`-` reads stdin) as entries.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'export' -d 'Print an environment\'s secrets (dotenv, json, docker); not to a terminal without --force.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'lock' -d 'Forget the cached unlock now.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'status' -d 'Show the identity, the vault, your access and the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'identity' -d 'Show your public identity or change your passphrase.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'members' -d 'List, add, change and remove the members of a team vault.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'env' -d 'List the environments; add more beyond dev, staging and prod.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'trust' -d 'Pin the vault\'s current owners after checking them with an owner.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'git' -d 'Set up git to merge and diff the team vault.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'doctor' -d 'Show which parts of a vault are damaged; drop a damaged group.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'project' -d 'Pin the project for a directory tree, so no flag is needed in it.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'log' -d 'Show the local access log: which entries were used, when, and by what.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'scan' -d 'Find hardcoded OpenAI keys and this vault\'s values in files or git history.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault init" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault init" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault init" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault init" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault init" no-passphrase' -l 'no-passphrase' -d 'Store the new identity without a passphrase (protected by file mode 0600 only).'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault init" here' -l 'here' -d 'Create a team vault, ./.vault at the git work tree\'s root, to commit with the code.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault init" name' -l 'name' -d 'Your member name in the vault (default: $USER).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault init" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault init" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault set" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault set" project' -l 'project' -d 'The project (default: $VAULT_PROJECT, else a pinned one, else the git work tree\'s or current directory\'s name, else a team vault\'s only project).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault set" env' -l 'env' -d 'The environment (default: $VAULT_ENV, else dev).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault set" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault set" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault set" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault set" allow-reserved' -l 'allow-reserved' -d 'Allow a name that changes how programs load or start (PATH, LD_*, NODE_OPTIONS, …).'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault set" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault set" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault get" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault get" project' -l 'project' -d 'The project (default: $VAULT_PROJECT, else a pinned one, else the git work tree\'s or current directory\'s name, else a team vault\'s only project).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault get" env' -l 'env' -d 'The environment (default: $VAULT_ENV, else dev).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault get" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault get" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault get" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault get" n no-newline' -s 'n' -l 'no-newline' -d 'Do not print a newline after the value.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault get" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault list" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault list" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault list" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault list" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault list" project' -l 'project' -d 'Only this project.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault list" env' -l 'env' -d 'Only this environment.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault list" json' -l 'json' -d 'Print a JSON array of {project, environment, name, version, created, writer, exposed, written_by_removed, retired_key}.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault list" redacted' -l 'redacted' -d 'Add each value\'s redacted form (prefix and last four; `redacted` in JSON); decrypts, so it unlocks.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault list" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault rm" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault rm" project' -l 'project' -d 'The project (default: $VAULT_PROJECT, else a pinned one, else the git work tree\'s or current directory\'s name, else a team vault\'s only project).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault rm" env' -l 'env' -d 'The environment (default: $VAULT_ENV, else dev).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault rm" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault rm" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault rm" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault rm" y yes' -s 'y' -l 'yes' -d 'Remove a prod entry without asking.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault rm" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault rm" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault cp" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault cp" project' -l 'project' -d 'The project (default: $VAULT_PROJECT, else a pinned one, else the git work tree\'s or current directory\'s name, else a team vault\'s only project).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault cp" env' -l 'env' -d 'The environment (default: $VAULT_ENV, else dev).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault cp" to-env' -l 'to-env' -d 'The destination environment (default: --env).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault cp" to-project' -l 'to-project' -d 'The destination project (default: the project).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault cp" force' -l 'force' -d 'Replace an entry that exists at the destination (a new version of it).'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault cp" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault cp" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault cp" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault cp" from-vault' -l 'from-vault' -d 'Copy from this vault file into the vault (default: within the vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault cp" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault cp" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault mv" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault mv" project' -l 'project' -d 'The project (default: $VAULT_PROJECT, else a pinned one, else the git work tree\'s or current directory\'s name, else a team vault\'s only project).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault mv" env' -l 'env' -d 'The environment (default: $VAULT_ENV, else dev).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault mv" to-env' -l 'to-env' -d 'The destination environment (default: --env).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault mv" to-project' -l 'to-project' -d 'The destination project (default: the project).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault mv" force' -l 'force' -d 'Replace an entry that exists at the destination (a new version of it).'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault mv" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault mv" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault mv" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault mv" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault mv" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault exec" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault exec" project' -l 'project' -d 'The project (default: $VAULT_PROJECT, else a pinned one, else the git work tree\'s or current directory\'s name, else a team vault\'s only project).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault exec" env' -l 'env' -d 'The environment (default: $VAULT_ENV, else dev).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault exec" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault exec" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault exec" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault exec"' -l 'only' -d 'Inject only this name (repeatable).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault exec"' -l 'map' -d 'Inject the stored NAME as the variable TARGET instead of under its own name (repeatable).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault exec"' -l 'allow-reserved' -d 'Allow injecting this name although it changes how programs start (repeatable).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault exec" allow-admin-key' -l 'allow-admin-key' -d 'Allow an Admin API key (sk-admin-) to be injected as OPENAI_API_KEY.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault exec" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault exec" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault import" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault import" project' -l 'project' -d 'The project (default: $VAULT_PROJECT, else a pinned one, else the git work tree\'s or current directory\'s name, else a team vault\'s only project).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault import" env' -l 'env' -d 'The environment (default: $VAULT_ENV, else dev).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault import" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault import" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault import" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault import" allow-reserved' -l 'allow-reserved' -d 'Allow names that change how programs load or start.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault import" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault import" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault export" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault export" project' -l 'project' -d 'The project (default: $VAULT_PROJECT, else a pinned one, else the git work tree\'s or current directory\'s name, else a team vault\'s only project).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault export" env' -l 'env' -d 'The environment (default: $VAULT_ENV, else dev).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault export" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault export" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault export" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault export" format' -l 'format' -d 'dotenv, json or docker.' -rfka 'dotenv json docker'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault export" force' -l 'force' -d 'Print to a terminal anyway.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault export" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault export" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault lock" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault lock" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault status" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault status" project' -l 'project' -d 'The project (default: $VAULT_PROJECT, else a pinned one, else the git work tree\'s or current directory\'s name, else a team vault\'s only project).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault status" env' -l 'env' -d 'The environment (default: $VAULT_ENV, else dev).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault status" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault identity" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault identity" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault identity" -eq 1' -fa 'show' -d 'Print your public identity string (safe to share).'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault identity" -eq 1' -fa 'new' -d 'Make a separate identity, for a CI runner or a second machine.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault identity" -eq 1' -fa 'passwd' -d 'Change the passphrase that protects your identity.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault identity show" fingerprint' -l 'fingerprint' -d 'Print the fingerprint that members list and git diff show instead.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault identity show" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault identity show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault identity new" no-passphrase' -l 'no-passphrase' -d 'No passphrase (the string or file is the secret).'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault identity new" output' -l 'output' -d 'Write an identity file here instead.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault identity new" passphrase-file' -l 'passphrase-file' -d 'Read the new passphrase from this file.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault identity new" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault identity new" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault identity passwd" passphrase-file' -l 'passphrase-file' -d 'Read the current passphrase from this file.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault identity passwd" new-passphrase-file' -l 'new-passphrase-file' -d 'Read the new passphrase from this file.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault identity passwd" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault identity passwd" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault members" -eq 1' -fa 'list' -d 'Who reads and writes which environments; needs no passphrase.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault members" -eq 1' -fa 'add' -d 'Add a member by their public identity (owners only).'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault members" -eq 1' -fa 'set' -d 'Change a member\'s access, ownership or name (owners only).'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault members" -eq 1' -fa 'rm' -d 'Remove a member: re-keys what they could read and flags it for rotation.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members list" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members list" json' -l 'json' -d 'Print a JSON array of {name, owner, read, write, identity, fingerprint, signer}.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members list" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members add" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members add" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members add" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members add" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members add" read' -l 'read' -d 'Environments they may read, comma-separated.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members add" write' -l 'write' -d 'Environments they may write (default: none).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members add" owner' -l 'owner' -d 'Make them an owner: they may change membership.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members add" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members set" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members set" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members set" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members set" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members set" read' -l 'read' -d 'Environments they may read, comma-separated (replaces the list).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members set" write' -l 'write' -d 'Environments they may write, comma-separated; "" for none.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members set" owner' -l 'owner' -d 'Make them an owner (--owner) or a plain member (--no-owner).'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members set" no-owner' -l 'no-owner' -d 'Make them an owner (--owner) or a plain member (--no-owner).'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members set" rename' -l 'rename' -d 'A new name for the same identity.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members set" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members set" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members rm" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members rm" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members rm" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members rm" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members rm" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault members rm" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault env" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault env" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault env" -eq 1' -fa 'list' -d 'List the environments, and who reads and writes each; needs no passphrase.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault env" -eq 1' -fa 'add' -d 'Add an environment (owners only); you can read and write it.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault env list" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault env list" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault env list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault env add" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault env add" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault env add" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault env add" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault env add" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault env add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault trust" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault trust" accept-rollback' -l 'accept-rollback' -d 'Accept a membership generation older than the highest seen (an old copy).'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault trust" pin' -l 'pin' -d 'Print VAULT_PIN (vault id, generation, owner fingerprints) for stateless readers.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault trust" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault trust" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault git" -eq 1' -fa 'setup' -d 'Write .gitattributes and this clone\'s git config for the merge driver and diff.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault git" -eq 1' -fa 'merge' -d 'git\'s merge driver for .vault (run by git, not by hand).'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault git" -eq 1' -fa 'resolve' -d 'Choose a side for an entry that conflicted in a git merge of .vault.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault git" -eq 1' -fa 'diff' -d 'git\'s text conversion for .vault: labels, versions, writers, flags, never values.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault git" -eq 1' -fa 'hook' -d 'Install git hooks that run vault.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git setup" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git setup" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git merge" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git merge" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git merge" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git merge" virtual-base' -l 'virtual-base' -d 'Make git\'s virtual merge base (merge.vault.recursive); never fails.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git merge" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git merge" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git resolve" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git resolve" project' -l 'project' -d 'The project (default: $VAULT_PROJECT, else a pinned one, else the git work tree\'s or current directory\'s name, else a team vault\'s only project).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git resolve" env' -l 'env' -d 'The environment (default: $VAULT_ENV, else dev).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git resolve" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git resolve" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git resolve" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git resolve" take' -l 'take' -d 'ours (this branch\'s version) or theirs (the merged branch\'s).' -rfka 'ours theirs'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git resolve" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git resolve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git diff" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git diff" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git hook" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git hook" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault git hook" -eq 1' -fa 'install' -d 'Add a pre-commit hook that runs `vault scan --staged`.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git hook install" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault git hook install" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault doctor" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault doctor" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault doctor" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault doctor" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault doctor"' -l 'drop' -d 'Drop this damaged group (repeatable).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault doctor" yes' -l 'yes' -d 'Do not ask for confirmation before dropping (scripts).'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault doctor" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault doctor" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault project" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault project" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault project" -eq 1' -fa 'pin' -d 'Use this project in the current directory and below.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault project" -eq 1' -fa 'unpin' -d 'Remove the current directory\'s pin.'
complete -c 'vault' -n '__vault_should_offer_completions_for_positional "vault project" -eq 1' -fa 'show' -d 'Show the project and environment a command here uses, and why.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault project pin" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault project pin" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault project unpin" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault project unpin" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault project show" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault project show" project' -l 'project' -d 'The project (default: $VAULT_PROJECT, else a pinned one, else the git work tree\'s or current directory\'s name, else a team vault\'s only project).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault project show" env' -l 'env' -d 'The environment (default: $VAULT_ENV, else dev).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault project show" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault project show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault log" project' -l 'project' -d 'Only this project.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault log" env' -l 'env' -d 'Only this environment.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault log" json' -l 'json' -d 'Print a JSON array of {time, command, project, environment, name, version, program, terminal}.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault log" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault log" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault scan" vault' -l 'vault' -d 'The vault file (default: $VAULT_FILE, else the nearest .vault upwards, else the personal vault).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault scan" passphrase-file' -l 'passphrase-file' -d 'Read the passphrase from this file (default: $VAULT_PASSPHRASE_FILE, else a no-echo prompt).' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault scan" no-cache' -l 'no-cache' -d 'Neither use nor fill the unlock cache.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault scan" cache-ttl' -l 'cache-ttl' -d 'How long an unlock stays cached in the kernel keyring: seconds, or a number with s, m or h.' -rfka ''
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault scan" history' -l 'history' -d 'Scan what every commit on every branch added (git log -p --all), not the files.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault scan" staged' -l 'staged' -d 'Scan the staged content (git diff --cached), as a pre-commit hook does.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault scan" json' -l 'json' -d 'Print a JSON array of {commit, path, line, kind, redacted, labels}.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault scan" version' -l 'version' -d 'Show the version.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault scan" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'vault' -n '__vault_should_offer_completions_for_flags_or_options "vault help" version' -l 'version' -d 'Show the version.'
