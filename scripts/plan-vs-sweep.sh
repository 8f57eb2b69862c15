#!/usr/bin/env bash
# Compares `pocsim plan` with a hand-made sweep at the same evaluation budget
# (docs/planning.md): the sweep is a levers file whose every deployment is
# evaluated (a budget above its size), the plan searches the full levers file
# with as many candidates as the sweep has. Both use the same worlds and the
# same replications, so a deployment in both has the same search estimate.
#
# Two judgements of each sweep point: is there a candidate on the plan's front
# at most as costly and at most as harmful (dominates or equals)?
# - On the search's own estimates, the ones each method chose by. A sweep
#   point that the plan did not evaluate brings its own luck: of many
#   near-equal deployments, the one with the luckier draw wins the point.
# - On a referee's estimates: every sweep point and every front candidate run
#   again by `pocsim compare` with fresh replications (another seed, REFEREE
#   replications per world, on fresh plausible worlds, common random numbers
#   across all of them), which no search has seen. There a sweep point is
#   "better beyond the noise" when it is less harmful than every front
#   candidate at most as costly by more than two standard errors of the
#   paired difference (paired replication by replication; the standard error
#   taken over the worlds, so that it covers which worlds were drawn).
# It also counts the reverse: front candidates the sweep neither dominates
# nor equals. It assumes a `<=` target (lower is better).
#
# Usage: scripts/plan-vs-sweep.sh POCSIM SCENARIO LEVERS SWEEP_LEVERS TARGET CONFIDENCE SEEDS...
#   e.g. scripts/plan-vs-sweep.sh target/release/pocsim scenarios/tutorial.toml \
#          experiments/tutorial-levers.toml experiments/tutorial-sweep-60.toml \
#          'civilians_harmed<=158' 0.8 1 2 3
# REFEREE (environment, default 100): the referee's replications per world.
set -euo pipefail
POCSIM=$1 SCENARIO=$2 LEVERS=$3 SWEEP=$4 TARGET=$5 CONFIDENCE=$6
shift 6
REFEREE=${REFEREE:-100}
WORK=$(mktemp -d /tmp/pocsim-plan-vs-sweep.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
METRIC=${TARGET%%[<>]=*}
for seed in "$@"; do
  common=(--target "$TARGET" --confidence "$CONFIDENCE" --uncertain 20 --seed "$seed" --quiet --no-plots)
  "$POCSIM" plan "$SCENARIO" --levers "$SWEEP" "${common[@]}" --budget-evals 1000000 --out "$WORK/sweep-$seed" >/dev/null
  n=$(awk -F, 'NR > 1 && $2 == "search"' "$WORK/sweep-$seed/plan.csv" | wc -l)
  "$POCSIM" plan "$SCENARIO" --levers "$LEVERS" "${common[@]}" --budget-evals "$n" --out "$WORK/plan-$seed" >/dev/null
  # The search's judgement; writes the referee's variants (one per line).
  python3 - "$WORK/plan-$seed/plan.csv" "$WORK/sweep-$seed/plan.csv" "$METRIC" "$seed" "$n" "$WORK/variants-$seed" "$WORK/points-$seed.json" <<'PY'
import csv, json, math, sys
plan_csv, sweep_csv, metric, seed, n, variants_out, points_out = sys.argv[1:]
def load(path):
    out = []
    for r in csv.DictReader(open(path)):
        if r["phase"] != "search":
            continue
        levers = tuple((k, v) for k, v in r.items() if k.startswith(("forces.", "mandate.", "host.")))
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
    if not cheaper or all(p[2] - s[2] > 2 * math.hypot(p[3], s[3]) for p in cheaper):
        beyond.append(s)
gap = max((min(p[2] for p in front if p[1] <= s[1]) - s[2] for s in escape if any(p[1] <= s[1] for p in front)), default=0.0)
se = sorted(s[3] for s in sweep)[len(sweep) // 2]
reverse = [p for p in front if not any(s[1] <= p[1] and s[2] <= p[2] for s in sweep)]
def cheapest(pts):
    c = [p[1] for p in pts if p[4]]
    return f"${min(c) / 1e6:.2f} M" if c else "none"
print(f"seed {seed}: cheapest meeting the target (search estimates): plan {cheapest(plan)}, sweep {cheapest(sweep)}")
print(f"seed {seed}, search estimates: budget {n}; front {len(front)} candidates; sweep points neither dominated nor equalled: {len(escape)} of {len(sweep)} "
      f"(largest margin {gap:.2f} {metric}, against a median standard error of {se:.2f}); better beyond the noise (independent test): {len(beyond)}; "
      f"front candidates the sweep neither dominates nor equals: {len(reverse)} of {len(front)}")
# Every distinct deployment of the sweep and of the front, for the referee.
deployments = sorted({p[0] for p in sweep} | {p[0] for p in front})
index = {d: i for i, d in enumerate(deployments)}
with open(variants_out, "w") as f:
    for d, i in index.items():
        f.write(f"d{i}:" + ";".join(f"{k}={v}" for k, v in d) + "\n")
json.dump({"cost": {f"d{index[d]}": c for d, c in {p[0]: p[1] for p in sweep + front}.items()},
           "sweep": sorted({f"d{index[p[0]]}" for p in sweep}),
           "front": sorted({f"d{index[p[0]]}" for p in front})}, open(points_out, "w"))
PY
  variants=()
  while IFS= read -r v; do variants+=(--variant "$v"); done < "$WORK/variants-$seed"
  "$POCSIM" compare "$SCENARIO" "${variants[@]}" --uncertain 20 --runs "$REFEREE" --seed $((seed + 1000)) \
    --metrics "$METRIC" --quiet --no-plots --out "$WORK/referee-$seed" >/dev/null
  python3 - "$WORK/referee-$seed/runs.csv" "$WORK/points-$seed.json" "$METRIC" "$seed" "$REFEREE" <<'PY'
import csv, json, math, sys
runs_csv, points_json, metric, seed, referee = sys.argv[1:]
pts = json.load(open(points_json))
cost = pts["cost"]
values = {}
for r in csv.DictReader(open(runs_csv)):
    values.setdefault(r["variant"], {})[(r["point"], r["replication"])] = float(r[metric])
mean = {v: sum(x.values()) / len(x) for v, x in values.items()}
def paired(a, b):
    # The mean difference over the worlds and its standard error with the
    # world as the unit: each world's difference averaged over its paired
    # replications, so that the error covers both the replications and which
    # plausible worlds were drawn.
    per_world = {}
    for (w, rep), x in values[a].items():
        per_world.setdefault(w, []).append(x - values[b][(w, rep)])
    d = [sum(x) / len(x) for x in per_world.values()]
    m = sum(d) / len(d)
    sd = math.sqrt(sum((x - m) ** 2 for x in d) / (len(d) - 1))
    return m, sd / math.sqrt(len(d))
front, sweep = pts["front"], pts["sweep"]
escape, beyond, margins, ses = [], [], [], []
for s in sweep:
    cheaper = [p for p in front if cost[p] <= cost[s]]
    if any(mean[p] <= mean[s] for p in cheaper):
        continue
    escape.append(s)
    if cheaper:
        best = min(cheaper, key=lambda p: mean[p])
        m, se = paired(best, s)
        margins.append(m)
        ses.append(se)
    if not cheaper or all(paired(p, s)[0] > 2 * paired(p, s)[1] for p in cheaper):
        beyond.append(s)
reverse = [p for p in front if not any(cost[s] <= cost[p] and mean[s] <= mean[p] for s in sweep)]
k = max(range(len(margins)), key=lambda i: margins[i], default=None)
largest = f"largest margin {margins[k]:.2f} {metric}, paired standard error {ses[k]:.2f}" if k is not None else "no margin"
print(f"seed {seed}, referee ({referee} fresh replications per world, 20 fresh worlds): sweep points neither dominated nor equalled: "
      f"{len(escape)} of {len(sweep)} ({largest}); better beyond the noise (paired test): {len(beyond)}; "
      f"front candidates the sweep neither dominates nor equals: {len(reverse)} of {len(front)}")
PY
done
