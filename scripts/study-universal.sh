#!/usr/bin/env bash
# How well do universal perturbations and patches do on photos they never saw? Learns them on
# scikit-image's photos (10 photos and their crops) and judges them on 8 others (and their
# crops): the fooling rate of a universal perturbation against eps (2, 4, 8, 10, 16) on Lite0,
# Lite1 and Lite2, and against the number of training photos (Lite0, eps 10), beside random
# sign noise of the same eps; then a toaster patch on Lite0, judged at 5 to 25% of the photo.
# Takes an hour or so on 2 cores.
#
#   ./scripts/study-universal.sh [MODELS] [EPS]     e.g. ./scripts/study-universal.sh lite0 "4 10"
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
models="${1:-lite0 lite1 lite2}"
epsilons="${2:-2 4 8 10 16}"
cargo build --release --locked --bin gibbon >&2
gibbon="$CARGO_TARGET_DIR/release/gibbon"
"$gibbon" --quiet fetch >&2
work="${STUDY_DIR:-$(mktemp -d)}"
mkdir -p "$work/src"
wheel=$(ls "$GIBBON_HOME"/wheels/scikit_image-*.whl | head -1)
python3 - "$wheel" "$work/src" <<'PY'
import sys, zipfile
names = ["coffee", "chelsea", "rocket", "astronaut", "camera", "motorcycle_left", "brick", "coins", "grass",
         "gravel", "motorcycle_right", "clock_motion", "hubble_deep_field", "moon", "retina", "page", "ihc", "text"]
z = zipfile.ZipFile(sys.argv[1])
for entry in z.namelist():
    stem = entry.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if entry.startswith("skimage/data/") and stem in names:
        open("%s/%s" % (sys.argv[2], entry.rsplit("/", 1)[-1]), "wb").write(z.read(entry))
PY
# Every photo as an RGB PNG of at most 640 pixels (an attack of eps 0 at full resolution saves it).
"$gibbon" --quiet attack --method fgsm --eps 0 --resolution full --max-side 640 --out "$work/png" "$work"/src/* >/dev/null
"$GIBBON_PYTHON" scripts/study-photos.py "$work/png/Original" "$work/photos" 10 >&2

rate() { # the fooling rates of a perturbation on the held-out photos: "noise (ci) sign (ci)"
  "$gibbon" --quiet universal --model "$1" --apply "$2" --list "$work/photos/test.txt" | tail -1
}
echo "## universal perturbations: fooling rate on $(wc -l < "$work/photos/test.txt") held-out photos"
for model in $models; do
  for eps in $epsilons; do
    start=$(date +%s)
    "$gibbon" --quiet universal --model "$model" --eps "$eps" --list "$work/photos/train.txt" --out "$work/uap-$model-$eps.png" >/dev/null
    echo "$model eps $eps (learnt in $(( $(date +%s) - start )) s): $(rate "$model" "$work/uap-$model-$eps.png")"
  done
done
echo "## against the number of training photos (lite0, eps 10)"
for n in 1 3 5 10; do
  head -n $(( 6 * n )) "$work/photos/train.txt" > "$work/train-$n.txt"
  "$gibbon" --quiet universal --model lite0 --eps 10 --list "$work/train-$n.txt" --out "$work/uap-n$n.png" >/dev/null
  echo "$n photo(s): $(rate lite0 "$work/uap-n$n.png")"
done
echo "## a toaster patch on lite0"
start=$(date +%s)
"$gibbon" --quiet patch --model lite0 --target toaster --list "$work/photos/train.txt" --out "$work/patch.png" >/dev/null
echo "learnt in $(( $(date +%s) - start )) s"
"$gibbon" --quiet patch --model lite0 --apply "$work/patch.png" --list "$work/photos/test.txt" --scale 0.05,0.1,0.15,0.2,0.25 --placements 5
echo "(files in $work)"
