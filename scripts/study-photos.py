"""Makes the photos for scripts/study-universal.sh from scikit-image's sample photos (PNGs that
Gibbon wrote, any size): each photo itself, mirrored, and its four corners (75% of each side),
split by photo into a training list and a held-out list, so that no photo the noise or patch
learns from, nor a crop of one, judges it. Numpy only (and zlib).

    python3 scripts/study-photos.py PNG_DIR OUT_DIR [TRAIN_PHOTOS]
writes OUT_DIR/<photo>-<view>.png, OUT_DIR/train.txt and OUT_DIR/test.txt (one path a line).
"""
import importlib.util
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("eval_photos", os.path.join(HERE, "eval-photos.py"))
photos = importlib.util.module_from_spec(spec)
spec.loader.exec_module(photos)

# Photos of things (not microscope slides, text or charts), in a fixed order: the first
# TRAIN_PHOTOS train, the rest judge.
NAMES = ["coffee", "chelsea", "rocket", "astronaut", "camera", "motorcycle_left", "brick", "coins",
         "grass", "gravel", "motorcycle_right", "clock_motion", "hubble_deep_field", "moon", "retina",
         "page", "ihc", "text"]


def views(x):
    h, w = x.shape[:2]
    ch, cw = h * 3 // 4, w * 3 // 4
    yield "whole", x
    yield "mirror", x[:, ::-1]
    yield "top-left", x[:ch, :cw]
    yield "top-right", x[:ch, w - cw:]
    yield "bottom-left", x[h - ch:, :cw]
    yield "bottom-right", x[h - ch:, w - cw:]


def main():
    src, out = sys.argv[1], sys.argv[2]
    train_photos = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    os.makedirs(out, exist_ok=True)
    lists = {"train": [], "test": []}
    for k, name in enumerate(NAMES):
        path = os.path.join(src, name + ".png")
        if not os.path.exists(path):
            continue
        x = photos.read_png(path)
        for view, image in views(x):
            target = os.path.join(out, "%s-%s.png" % (name, view))
            photos.write_png(target, np.ascontiguousarray(image))
            lists["train" if k < train_photos else "test"].append(target)
    for which, paths in lists.items():
        open(os.path.join(out, which + ".txt"), "w").write("\n".join(paths) + "\n")
    print("%d training and %d held-out photos in %s" % (len(lists["train"]), len(lists["test"]), out))


if __name__ == "__main__":
    main()
