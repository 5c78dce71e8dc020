#!/usr/bin/env bash
# The distributed scenarios under mpirun with 2 ranks on this machine (shared memory only), one thread each. Each
# scenario exits non-zero when its check fails; `dies` must end with an error, not hang. Run by .ci/run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
app="$root/tests/Sprout.Distributed.Tests/bin/Release/net10.0/Sprout.Distributed.Tests.dll"
dotnet build "$root/tests/Sprout.Distributed.Tests" -c Release >/dev/null   # always: a stale build would test old code
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 DOTNET_NOLOGO=1
run() { timeout 300 mpirun -np 2 --bind-to core --mca btl self,vader -x SPROUT_THREADS=1 dotnet "$app" "$@"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

run equivalence mlp
run equivalence lenet
run equivalence mlp balanced
run equivalence lenet balanced
run equivalence lenet plain
run equivalence lenet buckets=4096
run checksum
run twice
run structure
run broadcast "$work"
run resume "$work"
run save-fails
start=$(date +%s)
set +e
run dies >"$work/dies.log" 2>&1
status=$?
set -e
if [ "$status" = 0 ]; then echo "distributed-tests: a rank that throws did not fail the job" >&2; exit 1; fi
elapsed=$(( $(date +%s) - start ))
if [ "$status" = 124 ]; then echo "distributed-tests: the job hung after a rank threw (killed after 300 s)" >&2; exit 1; fi
grep -q "rank 1 of 2 failed and aborts the job" "$work/dies.log" || { echo "distributed-tests: no clear error from the failing rank:" >&2; cat "$work/dies.log" >&2; exit 1; }
echo "dies: the job ended with an error in ${elapsed} s, naming the failing rank"
echo "distributed-tests: all scenarios passed"
