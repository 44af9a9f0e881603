#!/usr/bin/env bash
# A sharded study on a real Slurm scheduler, on this one machine: starts a single-node cluster
# (munge, slurmctld, slurmd; Debian's slurm-wlm, installed if missing), submits
# scripts/cluster/sweep.sbatch as a 2-task job array, waits, merges the shards with
# `gibbon merge`, and checks that the report is byte-identical to one unsharded run.
# Needs root (it starts daemons) and the release CLI. Takes a few minutes; not part of
# ./scripts/test.sh, which checks the same merge without a scheduler (tests/cli.rs).
#
#   ./scripts/slurm-study.sh [WORK_DIR]      (default: a new folder under /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
root="$PWD"
gibbon="$CARGO_TARGET_DIR/release/gibbon"
[ -x "$gibbon" ] || cargo build --release --locked
"$gibbon" -q fetch
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null
fi
work="${1:-$(mktemp -d /tmp/gibbon-slurm.XXXXXX)}"
mkdir -p "$work"/{spool,state}
host="$(hostname -s)"
cat > "$work/slurm.conf" <<CONF
ClusterName=gibbon
SlurmctldHost=$host
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmdSpoolDir=$work/spool
StateSaveLocation=$work/state
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=study Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
cleanup() {
  for pid in "$work/slurmd.pid" "$work/slurmctld.pid"; do
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
  done
}
trap cleanup EXIT
mkdir -p /run/munge && chown munge:munge /run/munge 2>/dev/null || true
pgrep -x munged >/dev/null || runuser -u munge -- munged
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
  sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed)' && break
  sleep 1
done
sinfo

samples="$GIBBON_HOME/samples"
printf '%s\n' "$samples/chelsea.png 281,282,285" "$samples/coffee.png 967,968,504" \
  "$samples/camera.png 872,759,732" "$samples/motorcycle_left.png 665,670" \
  "$samples/rocket.jpg 657,744,812" > "$work/photos.txt"
study=(--list "$work/photos.txt" --methods ifgsm,mi-fgsm --eps 2,4,8)

echo "== one run, no scheduler"
"$gibbon" -q --device cpu sweep "${study[@]}" --out "$work/whole" > "$work/whole.txt"

echo "== a 2-task job array on Slurm"
cd "$work"
GIBBON="$gibbon" OUT="$work/sweep" sbatch --wait --array=0-1 "$root/scripts/cluster/sweep.sbatch" "${study[@]}"
sacct >/dev/null 2>&1 || true
for log in "$work"/gibbon-sweep-*.log; do echo "--- $log"; cat "$log"; done
"$gibbon" merge "$work"/sweep/shard-*/records.jsonl --out "$work/merged" | tee "$work/merged.txt"

echo "== merged shards against one run"
for f in records.jsonl sweep.jsonl sweep.csv sweep.svg; do
  cmp "$work/whole/$f" "$work/merged/$f"
  echo "$f: identical ($(wc -c < "$work/whole/$f") bytes)"
done
cmp "$work/whole.txt" "$work/merged.txt"
echo "slurm study passed: $work"
