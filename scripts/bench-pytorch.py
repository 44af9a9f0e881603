"""The PyTorch side of `gibbon bench`: milliseconds per attack step (forward pass + gradient with
respect to the input) of EfficientNet-Lite0 on the CPU, for comparison.

Not a test and not a dependency: run it where torch is installed, on the same machine as
`gibbon bench --backends cpu` (scripts/bench-vs-pytorch.sh runs both, alternating):

    python3 scripts/bench-pytorch.py [--steps 20] [--threads N] [--batch N] [--json]
        [--torchattacks]

It builds Lite0 from the same .pth (lukemelas key names, TF "SAME" padding, BN eps 1e-3, ReLU6)
with torch.nn.functional, checks its top-1 on the reference crop, and times the step. With
--torchattacks it times torchattacks' BIM (iterative FGSM) instead, per step, on the batch:
what a researcher would run.
"""
import argparse
import json
import os
import statistics
import time

import torch
import torch.nn.functional as F

HOME = os.environ.get("GIBBON_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "gibbon")
STAGES = [(3, 1, 1, 16, 1), (3, 2, 6, 24, 2), (5, 2, 6, 40, 2), (3, 2, 6, 80, 3), (5, 1, 6, 112, 3), (5, 2, 6, 192, 4), (3, 1, 6, 320, 1)]


def same_pad(x, k, s):
    h, w = x.shape[-2:]
    ph = max((-(-h // s) - 1) * s + k - h, 0)
    pw = max((-(-w // s) - 1) * s + k - w, 0)
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))


def conv_bn(sd, x, conv, bn, k, s, groups=1, act=True):
    x = F.conv2d(same_pad(x, k, s), sd[conv + ".weight"], stride=s, groups=groups)
    x = F.batch_norm(x, sd[bn + ".running_mean"], sd[bn + ".running_var"], sd[bn + ".weight"], sd[bn + ".bias"], False, 0.0, 1e-3)
    return F.relu6(x) if act else x


def lite0(sd, pixels):
    x = (pixels - 127.0) / 128.0
    x = conv_bn(sd, x, "_conv_stem", "_bn0", 3, 2)
    i, cin = 0, 32
    for k, s, e, cout, repeats in STAGES:
        for r in range(repeats):
            p = "_blocks.%d." % i
            stride = s if r == 0 else 1
            y = x
            if e != 1:
                y = conv_bn(sd, y, p + "_expand_conv", p + "_bn0", 1, 1)
            y = conv_bn(sd, y, p + "_depthwise_conv", p + "_bn1", k, stride, groups=y.shape[1])
            y = conv_bn(sd, y, p + "_project_conv", p + "_bn2", 1, 1, act=False)
            x = y + x if stride == 1 and cin == cout else y
            cin, i = cout, i + 1
    x = conv_bn(sd, x, "_conv_head", "_bn1", 1, 1)
    return F.linear(x.mean((2, 3)), sd["_fc.weight"], sd["_fc.bias"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--torchattacks", action="store_true")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    sd = torch.load(os.path.join(HOME, "weights/efficientnet-lite0-57934424.pth"), map_location="cpu")
    sd = {k: v.float().contiguous() for k, v in sd.items()}
    from PIL import Image
    import numpy as np

    crop = os.path.join(os.path.dirname(__file__), "../tests/data/reference/chelsea_224.png")
    x = torch.from_numpy(np.asarray(Image.open(crop).convert("RGB"), dtype=np.float32)).permute(2, 0, 1)[None].contiguous()
    with torch.no_grad():
        top = torch.softmax(lite0(sd, x), 1)[0].topk(1)
    if not args.json:
        print("check: chelsea top-1 %d (%.3f), reference 282 (0.386)" % (top.indices[0], top.values[0]))
    xs = x.repeat(args.batch, 1, 1, 1)
    labels = torch.zeros(args.batch, dtype=torch.long)
    times = []
    if args.torchattacks:
        import torchattacks

        class Lite0(torch.nn.Module):
            def forward(self, images):  # torchattacks works on [0, 1]
                return lite0(sd, images * 255.0)

        attack = torchattacks.BIM(Lite0().eval(), eps=8 / 255, alpha=1 / 255, steps=args.steps)
        for n in range(args.warmup + 1):
            start = time.perf_counter()
            attack(xs / 255.0, labels)
            if n >= args.warmup:
                times.append((time.perf_counter() - start) * 1000 / args.steps)
        what = "torchattacks %s BIM" % torchattacks.__version__
    else:
        for n in range(args.warmup + args.steps):
            start = time.perf_counter()
            xi = xs.clone().requires_grad_(True)
            loss = F.cross_entropy(lite0(sd, xi), labels, reduction="sum")
            loss.backward()
            _ = xi.grad[0, 0, 0, 0].item()
            if n >= args.warmup:
                times.append((time.perf_counter() - start) * 1000)
        what = "pytorch %s" % torch.__version__
    times.sort()
    median = times[len(times) // 2]
    if args.json:
        print(json.dumps({"impl": what, "threads": torch.get_num_threads(), "batch": args.batch,
                          "median_ms": median, "images_steps_per_s": args.batch * 1000 / median}))
    else:
        print(
            "%s cpu (%d threads), batch %d: %.1f ms/step, %.1f images x steps/s (median of %d; mean %.1f, min %.1f)"
            % (what, torch.get_num_threads(), args.batch, median, args.batch * 1000 / median, len(times), statistics.mean(times), times[0])
        )


if __name__ == "__main__":
    main()
