"""torchattacks' side of scripts/eval-vs-torchattacks.sh: clean and robust accuracy of
EfficientNet-Lite0 on labelled 224x224 photos, attacked as AutoAttack's protocol does: each
attack on the images still standing, in order. The chain is the one `gibbon eval --suite
standard` runs, built from torchattacks' attacks with the reference's settings (APGD-CE 100
steps; APGD-T 100 steps, 9 targets; Square 5000 queries, p_init 0.8, no rescaled schedule).
torchattacks' own AutoAttack is not used: for ImageNet it runs 10 steps and 999 targets.

    python3 scripts/eval-torchattacks.py LABELS --eps 0.25 0.5 [--attacks apgd-ce,apgd-t,square]
        [--queries 5000] [--json]
eps in pixel levels (0.25 = 0.25/255). Needs torch and torchattacks; the tests never do.
"""
import argparse
import importlib.util
import json
import os
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, file))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = load("bench_pytorch", "bench-pytorch.py")
photos = load("eval_photos", "eval-photos.py")


def autoattack(row, n):
    a = row.get("autoattack")
    if a is None:
        return ""
    if "failed" in a:
        return "; its AutoAttack failed after %.1f s: %s" % (a["seconds"], a["failed"])
    return "; its AutoAttack: robust %d/%d in %.1f s" % (a["robust"], n, a["seconds"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("labels")
    ap.add_argument("--eps", type=float, nargs="+", default=[0.25, 0.5])
    ap.add_argument("--attacks", default="apgd-ce,apgd-t,square")
    ap.add_argument("--queries", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--autoattack", action="store_true", help="also time torchattacks' own AutoAttack (standard, 9 targets)")
    args = ap.parse_args()
    import torchattacks

    sd = torch.load(os.path.join(bench.HOME, "weights/efficientnet-lite0-57934424.pth"), map_location="cpu")
    sd = {k: v.float().contiguous() for k, v in sd.items()}

    class Lite0(torch.nn.Module):
        def forward(self, images):  # torchattacks works on [0, 1]
            return bench.lite0(sd, images * 255.0)

    model = Lite0().eval()
    paths, labels = [], []
    for line in open(args.labels):
        if line.strip():
            path, label = line.split()
            paths.append(path)
            labels.append(int(label))
    x = torch.from_numpy(np.stack([photos.read_png(p) for p in paths])).permute(0, 3, 1, 2).float() / 255.0
    y = torch.tensor(labels)

    def predict(images):
        with torch.no_grad():
            return torch.cat([model(images[i:i + args.batch]).argmax(1) for i in range(0, len(images), args.batch)])

    correct = predict(x) == y
    for eps_levels in args.eps:
        eps = eps_levels / 255.0
        make = {
            "apgd-ce": lambda: torchattacks.APGD(model, norm="Linf", eps=eps, steps=100, n_restarts=1, loss="ce", seed=0),
            "apgd-t": lambda: torchattacks.APGDT(model, norm="Linf", eps=eps, steps=100, n_restarts=1, n_classes=10, seed=0),
            "square": lambda: torchattacks.Square(model, norm="Linf", eps=eps, n_queries=args.queries, n_restarts=1,
                                                  p_init=0.8, loss="margin", resc_schedule=False, seed=0),
        }
        standing = correct.clone()
        after = []
        started = time.perf_counter()
        for name in args.attacks.split(","):
            idx = standing.nonzero().flatten()
            if eps_levels > 0 and len(idx) > 0:
                attack = make[name]()
                for i in range(0, len(idx), args.batch):
                    part = idx[i:i + args.batch]
                    adv = attack(x[part], y[part])
                    fooled = predict(adv) != y[part]
                    standing[part[fooled]] = False
            after.append({"attack": name, "robust": int(standing.sum())})
        seconds = time.perf_counter() - started
        row = {"eps": eps_levels, "images": len(y), "clean": int(correct.sum()), "after": after,
               "robust": int(standing.sum()), "seconds": seconds, "torchattacks": torchattacks.__version__}
        if args.autoattack and eps_levels > 0:
            # torchattacks' AutoAttack: its APGD, APGD-T, FAB-T and Square with its own settings
            # (10 steps, rescaled Square schedule); n_classes=10 gives 9 targets.
            attack = torchattacks.AutoAttack(model, norm="Linf", eps=eps, version="standard", n_classes=10, seed=0)
            started = time.perf_counter()
            robust = 0
            try:
                for i in range(0, len(y), args.batch):
                    adv = attack(x[i:i + args.batch], y[i:i + args.batch])
                    robust += int((predict(adv) == y[i:i + args.batch]).sum())
                row["autoattack"] = {"robust": robust, "seconds": time.perf_counter() - started}
            except RuntimeError as e:  # torchattacks 3.5.1's FAB fails on some models
                row["autoattack"] = {"failed": str(e).split(".")[0], "seconds": time.perf_counter() - started}
        if args.json:
            print(json.dumps(row))
        else:
            print("eps %g: clean %d/%d, robust %d/%d (%s) in %.1f s%s" % (
                eps_levels, row["clean"], len(y), row["robust"], len(y),
                ", ".join("after %s %d" % (a["attack"], a["robust"]) for a in after), seconds,
                autoattack(row, len(y))))


if __name__ == "__main__":
    main()
