# shellcheck shell=bash
# Part of scripts/demo (which sources it): what both starts end with, making
# sure the mission runs and printing how to use and stop the demo.

# The functions use variables that scripts/demo and its other parts set.
# shellcheck disable=SC2154

mission_known() {
    mission_running=$(ctl --json mission show 2>/dev/null | jq -r '.running') &&
        [ -n "$mission_running" ]
}

# The nodes' autopilot normally starts the mission; make sure of it.
ensure_mission() {
    wait_for 20 "the proxy shows the mission" mission_known
    if [ "$mission_running" != true ]; then
        step "starting the mission"
        ctl mission start >/dev/null
    fi
}

print_hints() {
    local chaos="$root/scripts/chaos" stop_command="$root/scripts/demo stop"
    local native_note="kill -9, SIGSTOP, iptables (root)"
    [ "$docker" -eq 0 ] || native_note="docker kill, pause, network disconnect"
    if [ "$state_dir" != "$root/.demo" ]; then
        # The chaos scripts and `stop` find this demo through the same variable.
        stop_command="RAFTESCORT_DEMO_DIR=$state_dir $stop_command"
        echo "(this demo's state is not in the default place: export RAFTESCORT_DEMO_DIR=$state_dir)"
    fi
    cat <<EOF

The demo is running: $(ctl --json status | jq -r '"\(.status.nodes) nodes, leader \(.status.leader), term \(.status.term)"').
State, logs and pid files: $state_dir

  Dashboard:   $(dashboard_url)
               (the admin token is in the address; ctl reads it from ${ctl_token_file:-$admin_token_file})

  export RAFTESCORT_PROXY=$proxy_url
  $binary ctl status          # roles, terms, commit and applied indexes
  $binary ctl watch           # the convoy live (q quits)
  $binary ctl move 0 3        # move the formation, answered after the commit
  $binary ctl elections       # every election with its ballots
  $binary ctl logs --node 1   # one node's replicated log
  $binary ctl mission pause   # changes need the admin token, which ctl finds

  Built-in faults (no root; each heals itself after --for, default 60s):
  $binary ctl chaos isolate leader --for 5s    # cut the leader off; watch another elected
  $binary ctl chaos partition minority --for 10s
  $binary ctl chaos delay all 80ms --jitter 20ms --for 30s
  $binary ctl chaos status    # what is in force, and the time each has left
  $binary ctl chaos heal

  Chaos (each heals what it breaks and checks that no acknowledged move is lost;
  built-in faults unless --via native: $native_note):
  $chaos/kill-leader
  $chaos/pause-leader
  $chaos/partition-leader
  $chaos/restart-node
  $chaos/add-node
  $chaos/rolling-restart
  $chaos/random --duration 60s
  $chaos/schedule --duration 10m   # overlapping random faults

  Stop:        $stop_command
EOF
}
