"""Makes the labelled 224x224 photos that scripts/eval-vs-torchattacks.sh evaluates with both
Gibbon and torchattacks: from each sample photo's Lite0 input (a lossless PNG that Gibbon
wrote), eight variants (itself, mirrored, darker, brighter, with noise, shifted right, shifted
down, paler): 32 photos. Numpy only (and zlib): no torch, no PIL.

    python3 scripts/eval-photos.py PREP_DIR OUT_DIR   (PREP_DIR: Original/<name>.png)
writes OUT_DIR/<name>-<variant>.png and OUT_DIR/labels.txt (`path label` lines).
"""
import os
import struct
import sys
import zlib

import numpy as np

# One label per photo, so that both tools count the same images as right (the cat is left
# out: Lite0 calls it a tiger cat, the photo is a tabby).
LABELS = {"coffee": 967, "camera": 872, "motorcycle_left": 665, "rocket": 657}


def read_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, width = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour == 2, "8-bit RGB only"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = width * 3
    out = np.zeros((height, stride), np.int32)
    prev = np.zeros(stride, np.int32)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        cur = np.zeros(stride, np.int32)
        for x in range(stride):
            a = cur[x - 3] if x >= 3 else 0
            b = prev[x]
            c = prev[x - 3] if x >= 3 else 0
            if f == 0:
                p = 0
            elif f == 1:
                p = a
            elif f == 2:
                p = b
            elif f == 3:
                p = (a + b) // 2
            else:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            cur[x] = (line[x] + p) & 255
        out[y], prev = cur, cur
    return out.reshape(height, width, 3).astype(np.uint8)


def write_png(path, image):
    h, w, _ = image.shape
    raw = b"".join(b"\x00" + image[y].tobytes() for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def variants(x, rng):
    f = x.astype(np.float64)
    yield "plain", x
    yield "mirror", x[:, ::-1]
    yield "darker", np.clip(f * 0.8, 0, 255).round().astype(np.uint8)
    yield "brighter", np.clip(f * 1.15, 0, 255).round().astype(np.uint8)
    yield "noise", np.clip(f + rng.normal(0, 4, x.shape), 0, 255).round().astype(np.uint8)
    yield "right", np.concatenate([np.repeat(x[:, :1], 8, 1), x[:, :-8]], 1)
    yield "down", np.concatenate([np.repeat(x[:1], 8, 0), x[:-8]], 0)
    yield "paler", np.clip(128 + (f - 128) * 0.8, 0, 255).round().astype(np.uint8)


def main():
    prep, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(0)
    lines = []
    for name, label in LABELS.items():
        x = read_png(os.path.join(prep, "Original", name + ".png"))
        for variant, image in variants(x, rng):
            path = os.path.join(out, "%s-%s.png" % (name, variant))
            write_png(path, np.ascontiguousarray(image))
            lines.append("%s %d" % (path, label))
    open(os.path.join(out, "labels.txt"), "w").write("\n".join(lines) + "\n")
    print("%d photos in %s" % (len(lines), out))


if __name__ == "__main__":
    main()
