# shellcheck shell=bash
# Any cluster the proxy can see, with nothing else at hand: no process, no
# container, no root. Only the built-in faults reach it (lib/builtin.sh), so
# every verb that needs a process or a container refuses with the reason.
# lib.sh sources every part of the chaos library; they share its variables.
# shellcheck disable=SC2034,SC2154

proxy_no_process() {
    setup_error "--target proxy cannot $1 a process or container; this needs --target local" \
        "or compose (--via native)"
}

proxy_kill() { proxy_no_process kill; }
proxy_stop() { proxy_no_process stop; }
proxy_start() { proxy_no_process start; }
proxy_restart() { proxy_no_process restart; }
proxy_pause() { proxy_no_process pause; }
proxy_resume() { proxy_no_process resume; }
proxy_partition() { proxy_no_process partition; }
proxy_reconnect() { proxy_no_process reconnect; }
proxy_add() { proxy_no_process "add a node as"; }

proxy_partition_supported() {
    partition_unsupported_reason="--target proxy has only the built-in faults"
    return 1
}

proxy_prepare() {
    return 0
}

proxy_cleanup() {
    return 0
}
