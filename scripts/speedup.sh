#!/usr/bin/env bash
# End-to-end speedup of `pocsim compare` on two threads against one, on the
# tutorial's approval caveat: N runs at each thread count, one thread and two
# in turn (so that a slow spell of the machine hits both), then the best and
# the median of each.
#   scripts/speedup.sh [POCSIM] [N] [RUNS] [extra compare flags, e.g. --no-plots]
set -euo pipefail
P=${1:-target/release/pocsim}
N=${2:-3}
RUNS=${3:-20000}
shift $(( $# < 3 ? $# : 3 ))
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
once() {
  local t=$1 s e
  shift
  rm -rf "$OUT/t$t"
  s=$(date +%s.%N)
  "$P" compare scenarios/tutorial.toml \
    --variant 'approval:forces.fpus[0].caveats.approval_required=true' \
    --runs "$RUNS" --out "$OUT/t$t" --quiet --threads "$t" "$@" > /dev/null
  e=$(date +%s.%N)
  echo "$s $e" | awk '{print $2-$1}'
}
for _ in $(seq "$N"); do
  echo "1 $(once 1 "$@")" >> "$OUT/times"
  echo "2 $(once 2 "$@")" >> "$OUT/times"
done
# best and median of one thread count's times
stat() {
  awk -v t="$1" '$1==t {print $2}' "$OUT/times" | sort -g | awk '
    {x[NR]=$1} END {m=(NR%2)?x[(NR+1)/2]:(x[NR/2]+x[NR/2+1])/2; print x[1], m}'
}
read -r b1 m1 <<< "$(stat 1)"
read -r b2 m2 <<< "$(stat 2)"
echo "one thread: ${b1} s, two threads: ${b2} s, speedup $(echo "$b1 $b2" | awk '{printf "%.2f", $1/$2}') (best of $N)"
echo "medians: ${m1} s and ${m2} s, speedup $(echo "$m1 $m2" | awk '{printf "%.2f", $1/$2}')"
