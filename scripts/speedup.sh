#!/usr/bin/env bash
# End-to-end speedup of `pocsim compare` on two threads against one: the best
# of N runs at each thread count, on the tutorial's approval caveat.
#   scripts/speedup.sh [POCSIM] [N] [RUNS] [extra compare flags, e.g. --no-plots]
set -euo pipefail
P=${1:-target/release/pocsim}
N=${2:-3}
RUNS=${3:-20000}
shift $(( $# < 3 ? $# : 3 ))
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
best() {
  local t=$1 b=""
  shift
  for _ in $(seq "$N"); do
    rm -rf "$OUT/t$t"
    local s e
    s=$(date +%s.%N)
    "$P" compare scenarios/tutorial.toml \
      --variant 'approval:forces.fpus[0].caveats.approval_required=true' \
      --runs "$RUNS" --out "$OUT/t$t" --quiet --threads "$t" "$@" > /dev/null
    e=$(date +%s.%N)
    b=$(echo "$s $e ${b:-1e9}" | awk '{d=$2-$1; print (d<$3)?d:$3}')
  done
  echo "$b"
}
one=$(best 1 "$@")
two=$(best 2 "$@")
echo "one thread: ${one} s, two threads: ${two} s, speedup $(echo "$one $two" | awk '{printf "%.2f", $1/$2}')"
