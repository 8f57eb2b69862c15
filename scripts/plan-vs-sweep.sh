#!/usr/bin/env bash
# Compares `pocsim plan` with a hand-made sweep at the same evaluation budget
# (docs/planning.md): the sweep is a levers file whose every deployment is
# evaluated (a budget above its size), the plan searches the full levers file
# with as many candidates as the sweep has. Both use the same worlds and the
# same replications, so a deployment in both has the same estimate. For each
# sweep point it asks: is there a candidate on the plan's front at most as
# costly and at most as harmful (dominates or equals)? And if not, is the
# sweep point better beyond the replication noise (two standard errors of
# the difference, taking the estimates as independent: conservative, since
# common random numbers correlate them)? It also counts the reverse: front
# candidates the sweep neither dominates nor equals. It assumes a `<=`
# target (lower is better) and ranks by the search's estimates.
#
# Usage: scripts/plan-vs-sweep.sh POCSIM SCENARIO LEVERS SWEEP_LEVERS TARGET CONFIDENCE SEEDS...
#   e.g. scripts/plan-vs-sweep.sh target/release/pocsim scenarios/tutorial.toml \
#          experiments/tutorial-levers.toml experiments/tutorial-sweep-60.toml \
#          'civilians_harmed<=158' 0.8 1 2 3
set -euo pipefail
POCSIM=$1 SCENARIO=$2 LEVERS=$3 SWEEP=$4 TARGET=$5 CONFIDENCE=$6
shift 6
WORK=$(mktemp -d /tmp/pocsim-plan-vs-sweep.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
METRIC=${TARGET%%[<>]=*}
for seed in "$@"; do
  common=(--target "$TARGET" --confidence "$CONFIDENCE" --uncertain 20 --seed "$seed" --quiet --no-plots)
  "$POCSIM" plan "$SCENARIO" --levers "$SWEEP" "${common[@]}" --budget-evals 1000000 --out "$WORK/sweep-$seed" >/dev/null
  n=$(awk -F, 'NR > 1 && $2 == "search"' "$WORK/sweep-$seed/plan.csv" | wc -l)
  "$POCSIM" plan "$SCENARIO" --levers "$LEVERS" "${common[@]}" --budget-evals "$n" --out "$WORK/plan-$seed" >/dev/null
  python3 - "$WORK/plan-$seed/plan.csv" "$WORK/sweep-$seed/plan.csv" "$METRIC" "$seed" "$n" <<'PY'
import csv, math, sys
plan_csv, sweep_csv, metric, seed, n = sys.argv[1:]
def load(path):
    out = []
    for r in csv.DictReader(open(path)):
        if r["phase"] != "search":
            continue
        levers = tuple(v for k, v in r.items() if k.startswith("forces.") or k.startswith("mandate.") or k.startswith("host."))
        out.append((levers, float(r["cost_usd_per_year"]), float(r[metric + ".mean"]), float(r[metric + ".se"]), r["feasible"] == "true"))
    return out
plan, sweep = load(plan_csv), load(sweep_csv)
front = [p for p in plan if not any(q[1] <= p[1] and q[2] <= p[2] and (q[1] < p[1] or q[2] < p[2]) for q in plan)]
escape, beyond = [], []
for s in sweep:
    if any(p[1] <= s[1] and p[2] <= s[2] for p in front):
        continue
    escape.append(s)
    cheaper = [p for p in front if p[1] <= s[1]]
    # Better than every front point at most as costly, beyond the noise (a
    # sweep point cheaper than the whole front counts as beyond).
    if not cheaper or all(p[2] - s[2] > 2 * math.hypot(p[3], s[3]) for p in cheaper):
        beyond.append(s)
gap = max((min(p[2] for p in front if p[1] <= s[1]) - s[2] for s in escape if any(p[1] <= s[1] for p in front)), default=0.0)
se = sorted(s[3] for s in sweep)[len(sweep) // 2]
reverse = [p for p in front if not any(s[1] <= p[1] and s[2] <= p[2] for s in sweep)]
def cheapest(pts):
    c = [p[1] for p in pts if p[4]]
    return f"${min(c) / 1e6:.2f} M" if c else "none"
print(f"seed {seed}: cheapest meeting the target (search estimates): plan {cheapest(plan)}, sweep {cheapest(sweep)}")
print(f"seed {seed}: budget {n}; front {len(front)} candidates; sweep points neither dominated nor equalled: {len(escape)} of {len(sweep)} "
      f"(largest margin {gap:.2f} {metric}, against a median standard error of {se:.2f}); better beyond the noise: {len(beyond)}; "
      f"front candidates the sweep neither dominates nor equals: {len(reverse)} of {len(front)}")
PY
done
