#!/usr/bin/env bash
# The build refuses a Raft core that reaches for threads, clocks, files,
# sockets or global randomness. This checks the checker: the real tree
# passes, and each forbidden thing planted in a copy is refused.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
check="$root/scripts/check-core-purity"
passed=0
failed=0

"$check" "$root" && passed=$((passed + 1)) || { echo "FAIL: the real tree is refused"; failed=$((failed + 1)); }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for planted in '#include <thread>' '#include <chrono>' '#include <random>' '#include <fstream>' \
               '#include <sys/socket.h>' '#include <httplib.h>' \
               'auto now = std::chrono::steady_clock::now();' 'std::random_device device;' \
               'int r = rand();'; do
    rm -rf "$work/tree"
    mkdir -p "$work/tree/src/raft" "$work/tree/src/escort" "$work/tree/include/raftescort/raft"
    echo "$planted" > "$work/tree/src/raft/planted.cpp"
    if "$check" "$work/tree" 2>/dev/null; then
        echo "FAIL: not refused: $planted"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
