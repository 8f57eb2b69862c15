#!/usr/bin/env bash
# End-to-end test of `pocsim cluster slurm` on a real one-node Slurm cluster on
# localhost: installs Debian's slurm and munge if missing, starts munged,
# slurmctld and slurmd by hand (no systemd), submits a small experiment as a job
# array of four shards with its merge job, waits for it, checks that the merged
# files equal a single-machine run byte for byte, and stops the daemons it
# started, by their pids. Usage: scripts/slurm-test.sh [path/to/pocsim]
set -euo pipefail
cd "$(dirname "$0")/.."
POCSIM=${1:-target/release/pocsim}
POCSIM=$(readlink -f "$POCSIM")
[ -x "$POCSIM" ] || { echo "slurm-test: no pocsim binary at $POCSIM (cargo build --release)"; exit 2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi

WORK=$(mktemp -d /tmp/pocsim-slurm.XXXXXX)
STARTED=()
cleanup() {
  for pid in "${STARTED[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  sleep 1
  for pid in "${STARTED[@]}"; do
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

# munge: reuse a running daemon, or start one.
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  as_root mkdir -p /etc/munge /run/munge /var/log/munge /var/lib/munge
  if [ ! -f /etc/munge/munge.key ]; then
    as_root dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null
  fi
  if id munge >/dev/null 2>&1; then
    as_root chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
  fi
  as_root chmod 400 /etc/munge/munge.key
  as_root munged --force
  sleep 1
  STARTED+=("$(cat /run/munge/munged.pid)")
fi

H=$(hostname -s)
mkdir -p "$WORK/state" "$WORK/spool"
cat > "$WORK/slurm.conf" <<CONF
ClusterName=pocsimtest
SlurmctldHost=$H
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
NodeName=$H CPUs=$(nproc) RealMemory=2000 State=UNKNOWN
PartitionName=test Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$WORK/slurm.conf
as_root env SLURM_CONF="$SLURM_CONF" slurmctld
for _ in $(seq 1 50); do [ -s "$WORK/slurmctld.pid" ] && break; sleep 0.1; done
STARTED+=("$(cat "$WORK/slurmctld.pid")")
as_root env SLURM_CONF="$SLURM_CONF" slurmd
for _ in $(seq 1 50); do [ -s "$WORK/slurmd.pid" ] && break; sleep 0.1; done
STARTED+=("$(cat "$WORK/slurmd.pid")")
for _ in $(seq 1 100); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 0.2; done
sinfo

"$POCSIM" cluster slurm experiments/slurm-smoke.toml --shards 4 --throttle 2 --cpus 1 --time 00:05:00 \
  --out "$WORK/cluster" > "$WORK/job.sbatch"
sbatch "$WORK/job.sbatch"
for _ in $(seq 1 600); do
  [ -f "$WORK/cluster/merged/manifest.json" ] && ! squeue -h | grep -q . && break
  sleep 0.5
done
if [ ! -f "$WORK/cluster/merged/runs.csv" ]; then
  echo "slurm-test: the merge did not finish"; squeue || true
  tail -n 20 "$WORK"/cluster/logs/*.log "$WORK/slurmctld.log" || true
  exit 1
fi

"$POCSIM" experiment experiments/slurm-smoke.toml --out "$WORK/single" --quiet --no-plots >/dev/null
status=0
for f in runs.csv summary.csv effects.csv; do
  if cmp -s "$WORK/single/$f" "$WORK/cluster/merged/$f"; then
    echo "slurm-test: $f identical to the single-machine run"
  else
    echo "slurm-test: $f differs"; status=1
  fi
done
# Re-running a finished shard is a no-op: same files.
before=$(sha256sum "$WORK/cluster/shards/2/runs.csv")
SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=1 bash "$WORK/job.sbatch"
[ "$before" = "$(sha256sum "$WORK/cluster/shards/2/runs.csv")" ] || { echo "slurm-test: re-running shard 2 changed it"; status=1; }

# A plan as an array of two shards of one search: both run at once, exchange
# candidates through the shared directory, and shard 1 writes the plan, equal
# byte for byte to a plan on one machine.
PLAN_ARGS=(tests/planning/grid.toml --levers tests/planning/grid-levers.toml
  --target 'responses_within_target_share>=0.97' --target 'patrol_hours>=400'
  --runs 10 --confirm-runs 20 --budget-evals 12 --no-plots)
"$POCSIM" cluster slurm-plan --shards 2 --cpus 1 --time 00:05:00 -- "${PLAN_ARGS[@]}" \
  --out "$WORK/plan" > "$WORK/plan.sbatch"
sbatch "$WORK/plan.sbatch"
for _ in $(seq 1 600); do
  [ -f "$WORK/plan/manifest.json" ] && ! squeue -h | grep -q . && break
  sleep 0.5
done
"$POCSIM" plan "${PLAN_ARGS[@]}" --out "$WORK/plan-single" --quiet >/dev/null
for f in plan.csv front.csv levers.csv recommendation.md; do
  if [ -f "$WORK/plan/$f" ] && cmp -s "$WORK/plan-single/$f" "$WORK/plan/$f"; then
    echo "slurm-test: plan $f identical to the single-machine plan"
  else
    echo "slurm-test: plan $f differs or is missing"; status=1
    tail -n 20 "$WORK"/plan/logs/*.log || true
  fi
done
for k in 1 2; do
  [ -s "$WORK/plan/shards/$k/plan.rows.csv" ] || { echo "slurm-test: plan shard $k evaluated nothing"; status=1; }
done
[ $status = 0 ] && echo "slurm-test: 2 passed, 0 failed" || echo "slurm-test: failures above"
exit $status
