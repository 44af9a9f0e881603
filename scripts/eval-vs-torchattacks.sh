#!/usr/bin/env bash
# Gibbon's `eval` against torchattacks on the same model, photos and machine: robust accuracy
# of EfficientNet-Lite0 on 32 labelled 224x224 photos (the samples' Lite0 inputs and their
# variants, scripts/eval-photos.py) at each eps, AutoAttack's protocol (APGD-CE, APGD-T, Square
# on the images still standing), with the time each took. torch is optional: without a Python
# that has torch and torchattacks in $PYTHON, only Gibbon runs.
#
#   PYTHON=~/torch/bin/python ./scripts/eval-vs-torchattacks.sh [EPS...]   (pixel levels)
#   e.g. ./scripts/eval-vs-torchattacks.sh 0.1 0.25 0.5 4
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
eps=("$@")
[ ${#eps[@]} -gt 0 ] || eps=(0.1 0.25 0.5 4)
bash scripts/setup-tools.sh >&2
cargo build --release --locked --bin gibbon >&2
gibbon="$CARGO_TARGET_DIR/release/gibbon"
"$gibbon" --quiet fetch >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The Lite0 input of each sample photo, as Gibbon makes it (an attack of eps 0 saves it).
"$gibbon" --quiet attack --method fgsm --eps 0 --out "$work/prep" "$GIBBON_HOME"/samples/* >/dev/null
"$GIBBON_PYTHON" scripts/eval-photos.py "$work/prep" "$work/photos" >&2
labels="$work/photos/labels.txt"
for e in "${eps[@]}"; do
  start=$(date +%s.%N)
  "$gibbon" --quiet --device cpu eval --suite standard --eps "$e" --list "$labels" --out "$work/gibbon-$e" >&2
  seconds=$(python3 -c "import time; print('%.1f' % (time.time() - $start))")
  python3 - "$work/gibbon-$e/eval.jsonl" "$seconds" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    c = json.loads(line)
    after = ", ".join("after %s %d" % (a["attack"], a["robust"]["hits"]) for a in c["after"])
    print("gibbon eps %g: clean %d/%d, robust %d/%d (%s) in %s s" % (
        c["eps"], c["clean"]["hits"], c["clean"]["images"], c["robust"]["hits"], c["robust"]["images"], after, sys.argv[2]))
PY
done
python="${PYTHON:-}"
if [ -n "$python" ] && "$python" -c "import torch, torchattacks" 2>/dev/null; then
  "$python" scripts/eval-torchattacks.py "$labels" --autoattack --eps "${eps[@]}" 2>/dev/null | grep '^eps' | sed 's/^/torchattacks /'
else
  echo "(no torch and torchattacks in \$PYTHON: torchattacks' side skipped)"
fi
