# shellcheck shell=bash
# Part of scripts/demo (which sources it): the demo's secrets. Each start
# makes a fresh admin token and Redis password, keeps them in the state dir
# (mode 0600) and hands them to the processes through files
# (RAFTESCORT_ADMIN_TOKEN_FILE, REDIS_PASSWORD_FILE), never on a command line,
# where every user of the machine could read them. ctl finds the admin token
# at ${XDG_CONFIG_HOME:-$HOME/.config}/raftescort/admin-token, which `stop`
# removes again if it still holds this demo's token.

# The functions use variables that scripts/demo and its other parts set.
# shellcheck disable=SC2154

# random_hex BYTES: BYTES random bytes from the kernel, as hex.
random_hex() {
    od -An -N "$1" -tx1 /dev/urandom | tr -d ' \n'
}

# The file ctl reads when nothing else names a token.
ctl_token_path() {
    local config=${XDG_CONFIG_HOME:-}
    if [ -z "$config" ]; then
        [ -n "${HOME:-}" ] || return 1
        config=$HOME/.config
    fi
    echo "$config/raftescort/admin-token"
}

# write_secret FILE VALUE: FILE holds VALUE and a newline, readable by its
# owner only from the start (no moment with a wider mode).
write_secret() {
    (
        umask 077
        mkdir -p "$(dirname "$1")"
        printf '%s\n' "$2" >"$1.tmp"
        chmod 600 "$1.tmp"
        mv -f "$1.tmp" "$1"
    )
}

# make_secrets: STATE/admin-token and STATE/redis-password, fresh; sets
# admin_token_file, redis_password_file and admin_token.
make_secrets() {
    admin_token_file="$state_dir/admin-token"
    redis_password_file="$state_dir/redis-password"
    admin_token=$(random_hex 32)
    write_secret "$admin_token_file" "$admin_token"
    write_secret "$redis_password_file" "$(random_hex 24)"
}

# install_ctl_token: the admin token where ctl finds it ($ctl_token_file,
# which demo.env names for `stop`).
install_ctl_token() {
    if [ -z "$ctl_token_file" ]; then
        echo "demo: neither XDG_CONFIG_HOME nor HOME is set: give ctl" \
            "RAFTESCORT_ADMIN_TOKEN_FILE=$admin_token_file" >&2
        return 0
    fi
    write_secret "$ctl_token_file" "$admin_token"
    step "ctl's admin token: $ctl_token_file"
}

# remove_ctl_token: the file ctl reads, if it still holds this demo's token
# (the user may have put another there since).
remove_ctl_token() { # CTL_TOKEN_PATH STATE_TOKEN_FILE
    local path=$1 ours=$2
    [ -n "$path" ] && [ -f "$path" ] && [ -f "$ours" ] || return 0
    if [ "$(head -n 1 "$path")" = "$(head -n 1 "$ours")" ]; then
        rm -f "$path"
        echo "demo: removed ctl's admin token $path"
    fi
}

# The dashboard's address with the admin token in its fragment, which the
# browser keeps to itself (it is never sent to a server or logged).
dashboard_url() {
    echo "$proxy_url/#token=$admin_token"
}
