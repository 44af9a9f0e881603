#!/usr/bin/env python3
"""The transfer study: how often adversarial images made on one EfficientNet-Lite fool the
others, for I-FGSM, MI-FGSM, DI-FGSM and a hold-one-out ensemble (MI-FGSM on the other two),
at eps 8 and 16, on the sample photos with their labels. Prints a table of fooling rates
with Wilson 95% intervals and writes every cell to OUT/cells.jsonl. Not part of the tests:
about 10 minutes on 2 CPU cores.

    python3 scripts/study-transfer.py [OUT_DIR]     (default: study-transfer/)

Runs the release CLI ($CARGO_TARGET_DIR/release/gibbon; build it first, e.g. with
./scripts/test.sh or cargo build --release).
"""
import collections, json, math, os, subprocess, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
home = Path(os.environ.get("GIBBON_HOME") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gibbon")
target = Path(os.environ.get("CARGO_TARGET_DIR") or home / "target")
gibbon = str(target / "release" / "gibbon")
out = Path(sys.argv[1] if len(sys.argv) > 1 else "study-transfer")
out.mkdir(parents=True, exist_ok=True)
subprocess.run([gibbon, "-q", "fetch"], check=True)
samples = home / "samples"
# Each photo with its label and the other right classes (as in src/samples.rs).
photos = {"chelsea.png": "281,282,285", "coffee.png": "967,968,504", "camera.png": "872,759,732",
          "motorcycle_left.png": "665,670", "rocket.jpg": "657,744,812"}
listing = out / "samples.txt"
listing.write_text("".join(f"{samples / f} {l}\n" for f, l in photos.items()))
models = ["efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2"]

def lines(args):
    run = subprocess.run([gibbon, "-q", *args, "--list", str(listing), "--json"], check=False,
                         capture_output=True, text=True)
    if run.returncode not in (0, 1):
        sys.exit(f"gibbon {' '.join(args)} failed:\n{run.stderr}")
    return [json.loads(l) for l in run.stdout.splitlines() if l.strip()]

cells = []
for eps in (8, 16):
    for method in ("ifgsm", "mi-fgsm", "di-fgsm"):
        for c in lines(["transfer", "--models", ",".join(models), "--method", method, "--eps", str(eps)]):
            cells.append({**c, "attack": method, "kind": "white-box" if c["judge"] == c["source"] else "transfer"})
    for held in models:
        a, b = [m for m in models if m != held]
        for image in lines(["attack", "--model", a, "--ensemble", b, "--transfer", held,
                            "--method", "mi-fgsm", "--eps", str(eps)]):
            v = next(j["verdict"] for j in image["transfer"] if j["model"] == held)
            cells.append({"judge": held, "source": f"ensemble-{a}+{b}", "attack": "ensemble (MI, hold-one-out)",
                          "eps": eps, "kind": "transfer", "fooled": int(v["counted"] and v["fooled"]),
                          "of": int(v["counted"]), "path": image["path"]})
(out / "cells.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cells))

def wilson(k, n, z=1.959963984540054):
    if n == 0:
        return (0.0, 1.0)
    p, d = k / n, 1 + z * z / n
    centre, half = (p + z * z / (2 * n)) / d, z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, centre - half), min(1.0, centre + half))

totals = collections.defaultdict(lambda: [0, 0])
for c in cells:
    t = totals[(float(c["eps"]), c["attack"], c["kind"])]
    t[0] += c["fooled"]
    t[1] += c["of"]
print(f"{'eps':>3}  {'attack':30} {'kind':9} {'fooled':>7}  rate  95% Wilson")
for (eps, attack, kind), (k, n) in sorted(totals.items()):
    lo, hi = wilson(k, n)
    print(f"{eps:>3g}  {attack:30} {kind:9} {k:>3}/{n:<3}  {k / max(n, 1):.2f}  [{lo:.2f}, {hi:.2f}]")
