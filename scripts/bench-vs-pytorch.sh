#!/usr/bin/env bash
# Gibbon against PyTorch on this machine's CPU: one attack step (forward pass + input gradient)
# of EfficientNet-Lite0, in alternating rounds so that both see the same machine, then the
# medians, images x steps per second and the ratio. Also torchattacks' BIM, the fair peer for
# batches. Needs a Python with torch (and torchattacks, pillow) in $PYTHON; the tests never do.
#
#   PYTHON=~/torch/bin/python ./scripts/bench-vs-pytorch.sh [ROUNDS] [BATCH...]
#   e.g. ./scripts/bench-vs-pytorch.sh 5 1 8 32
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
python="${PYTHON:-python3}"
rounds="${1:-5}"
shift || true
batches=("$@")
[ ${#batches[@]} -gt 0 ] || batches=(1)
"$python" -c "import torch" 2>/dev/null || { echo "no torch in $python: set PYTHON to a Python with torch" >&2; exit 2; }
cargo build --release --locked --bin gibbon >&2
gibbon="$CARGO_TARGET_DIR/release/gibbon"
"$gibbon" --quiet fetch >&2
# Only the JSON lines: torchattacks prints a warning on stdout.
# The same allocator policy for both: gibbon's CLI asks glibc to keep freed memory
# (src/cli/allocator.rs); PyTorch gains as much from it at large batches, so it gets it too.
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=2147483647}"
results=$(mktemp)
for batch in "${batches[@]}"; do
  steps=$(( batch >= 16 ? 4 : 10 ))
  for round in $(seq "$rounds"); do
    echo "batch $batch, round $round/$rounds" >&2
    "$gibbon" --quiet --device cpu bench --json --batch "$batch" --steps "$steps" --warmup 2 \
      | grep '^{' | sed 's/^/gibbon /' >> "$results"
    "$python" scripts/bench-pytorch.py --json --batch "$batch" --steps "$steps" --warmup 2 \
      | grep '^{' | sed 's/^/pytorch /' >> "$results"
    "$python" scripts/bench-pytorch.py --json --torchattacks --batch "$batch" --steps "$steps" --warmup 1 \
      | grep '^{' | sed 's/^/torchattacks /' >> "$results"
  done
done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    who, data = line.split(" ", 1)
    d = json.loads(data)
    rows.setdefault((d["batch"], who), []).append(d["median_ms"])
for batch in sorted({b for b, _ in rows}):
    med = {who: statistics.median(v) for (b, who), v in rows.items() if b == batch}
    line = "batch %3d: " % batch + ", ".join(
        "%s %.1f ms/step (%.1f images x steps/s)" % (who, ms, batch * 1000 / ms) for who, ms in sorted(med.items()))
    if "gibbon" in med and "pytorch" in med:
        line += "; gibbon / pytorch = %.2f" % (med["gibbon"] / med["pytorch"])
    print(line)
PY
rm -f "$results"
