"""Independent float64 numpy reference for the seed article's architectures.

Writes random weights for torchvision's VGG16, ResNet-18, ResNet-152 and GoogLeNet (as
torchvision .pth zip files and safetensors, with torchvision's key names) and for the Caffe
models Chainer loads (VGG16Layers, ResNet152Layers, BVLC GoogLeNet, as .npz), together with the
logits this file's own numpy implementation computes for a random pixel image. Gibbon's tests
load the files and compare. Nothing here imports Gibbon, torch or Chainer; only numpy.

Usage: python3 tests/data/reference_nets.py OUT_DIR
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import types
import zipfile

import numpy as np

OUT = sys.argv[1] if len(sys.argv) > 1 else "reference-nets"
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20180701)

# ----------------------------------------------------------------------------- numpy ops (NCHW)


def conv2d(x, w, b=None, stride=1, pad=0):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    cols = np.empty((n, c, kh, kw, oh, ow))
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i : i + stride * (oh - 1) + 1 : stride, j : j + stride * (ow - 1) + 1 : stride]
    out = w.reshape(o, -1) @ cols.reshape(n, c * kh * kw, oh * ow)
    out = out.reshape(n, o, oh, ow)
    return out if b is None else out + b[None, :, None, None]


def pool_size(h, k, s, p, ceil):
    if not ceil:
        return (h + 2 * p - k) // s + 1
    o = -(-(h + 2 * p - k) // s) + 1
    if (o - 1) * s >= h + p:  # the last window must start inside the input (PyTorch's rule)
        o -= 1
    return o


def max_pool(x, k, s, p=0, ceil=False):
    n, c, h, w = x.shape
    oh, ow = pool_size(h, k, s, p, ceil), pool_size(w, k, s, p, ceil)
    bottom, right = max((oh - 1) * s + k - h - p, 0), max((ow - 1) * s + k - w - p, 0)
    xp = np.pad(x, ((0, 0), (0, 0), (p, bottom), (p, right)), constant_values=-np.inf)
    out = np.full((n, c, oh, ow), -np.inf)
    for i in range(k):
        for j in range(k):
            out = np.maximum(out, xp[:, :, i : i + s * (oh - 1) + 1 : s, j : j + s * (ow - 1) + 1 : s])
    return out


def adaptive_avg_pool(x, size):
    n, c, h, w = x.shape
    out = np.empty((n, c, size, size))
    for i in range(size):
        h0, h1 = (i * h) // size, -(-((i + 1) * h) // size)
        for j in range(size):
            w0, w1 = (j * w) // size, -(-((j + 1) * w) // size)
            out[:, :, i, j] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
    return out


def bn(x, p, eps):
    g, b, m, v = p
    return (x - m[None, :, None, None]) / np.sqrt(v[None, :, None, None] + eps) * g[None, :, None, None] + b[None, :, None, None]


def relu(x):
    return np.maximum(x, 0)


def lrn(x, n=5, k=1.0, alpha=1e-4, beta=0.75):
    sq = np.pad(x * x, ((0, 0), (n // 2, n // 2), (0, 0), (0, 0)))
    total = sum(sq[:, i : i + x.shape[1]] for i in range(n))
    return x / (k + alpha / n * total) ** beta


def linear(x, w, b):
    return x @ w.T + b


# ----------------------------------------------------------------------------- random weights


class Weights:
    """Named random tensors (float32), read back as float64 by the forward passes."""

    def __init__(self):
        self.t = collections.OrderedDict()

    def conv(self, name, o, i, k, bias, gain=1.0):
        self.t[name + ".weight"] = rng.normal(0, gain * np.sqrt(2.0 / (i * k * k)), (o, i, k, k)).astype(np.float32)
        if bias:
            self.t[name + ".bias"] = rng.normal(0, 0.1, o).astype(np.float32)

    def bn(self, name, c, gamma=1.0):
        self.t[name + ".weight"] = rng.uniform(0.5 * gamma, 1.5 * gamma, c).astype(np.float32)
        self.t[name + ".bias"] = rng.normal(0, 0.1, c).astype(np.float32)
        self.t[name + ".running_mean"] = rng.normal(0, 0.1, c).astype(np.float32)
        self.t[name + ".running_var"] = rng.uniform(0.5, 1.5, c).astype(np.float32)
        self.t[name + ".num_batches_tracked"] = np.array(0, dtype=np.int64)

    def linear(self, name, o, i, gain=1.0):
        self.t[name + ".weight"] = rng.normal(0, gain * np.sqrt(1.0 / i), (o, i)).astype(np.float32)
        self.t[name + ".bias"] = rng.normal(0, 0.1, o).astype(np.float32)

    def __getitem__(self, k):
        return self.t[k].astype(np.float64)

    def bnp(self, name):
        return tuple(self[name + s] for s in (".weight", ".bias", ".running_mean", ".running_var"))


# ----------------------------------------------------------------------------- torchvision models

VGG = {"vgg16": [2, 2, 3, 3, 3], "vgg19": [2, 2, 4, 4, 4]}


def vgg_weights(depth):
    w, c, idx = Weights(), 3, 0
    for n, width in zip(VGG[depth], [64, 128, 256, 512, 512]):
        for _ in range(n):
            w.conv("features.%d" % idx, width, c, 3, True)
            c, idx = width, idx + 2
        idx += 1
    w.linear("classifier.0", 4096, 512 * 49)
    w.linear("classifier.3", 4096, 4096)
    w.linear("classifier.6", 1000, 4096)
    return w


def vgg_forward(w, depth, x, ceil=False):
    idx = 0
    for n in VGG[depth]:
        for _ in range(n):
            x = relu(conv2d(x, w["features.%d.weight" % idx], w["features.%d.bias" % idx], 1, 1))
            idx += 2
        x = max_pool(x, 2, 2, 0, ceil)
        idx += 1
    x = adaptive_avg_pool(x, 7).reshape(x.shape[0], -1)
    x = relu(linear(x, w["classifier.0.weight"], w["classifier.0.bias"]))
    x = relu(linear(x, w["classifier.3.weight"], w["classifier.3.bias"]))
    return linear(x, w["classifier.6.weight"], w["classifier.6.bias"])


RESNET = {"resnet18": (False, [2, 2, 2, 2]), "resnet50": (True, [3, 4, 6, 3]), "resnet152": (True, [3, 8, 36, 3])}


def resnet_weights(depth):
    bottleneck, counts = RESNET[depth]
    w = Weights()
    w.conv("conv1", 64, 3, 7, False)
    w.bn("bn1", 64)
    c = 64
    for s, n in enumerate(counts):
        width = 64 << s
        out = width * (4 if bottleneck else 1)
        for b in range(n):
            p = "layer%d.%d" % (s + 1, b)
            if bottleneck:
                w.conv(p + ".conv1", width, c, 1, False), w.bn(p + ".bn1", width)
                w.conv(p + ".conv2", width, width, 3, False), w.bn(p + ".bn2", width)
                w.conv(p + ".conv3", out, width, 1, False), w.bn(p + ".bn3", out, gamma=0.2)
            else:
                w.conv(p + ".conv1", width, c, 3, False), w.bn(p + ".bn1", width)
                w.conv(p + ".conv2", out, width, 3, False), w.bn(p + ".bn2", out, gamma=0.2)
            if b == 0 and (s > 0 or c != out):
                w.conv(p + ".downsample.0", out, c, 1, False), w.bn(p + ".downsample.1", out)
            c = out
    w.linear("fc", 1000, c, gain=0.1 if bottleneck else 1.0)
    return w


def resnet_forward(w, depth, x, caffe=False):
    """torchvision's ResNet; `caffe` is the MSRA/Chainer form (stride on the first 1x1
    convolution, stem convolution with bias, stem pool 3x3/2 unpadded rounding up, eps 2e-5)."""
    bottleneck, counts = RESNET[depth]
    eps = 2e-5 if caffe else 1e-5
    x = conv2d(x, w["conv1.weight"], w["conv1.bias"] if caffe else None, 2, 3)
    x = relu(bn(x, w.bnp("bn1"), eps))
    x = max_pool(x, 3, 2, 0, True) if caffe else max_pool(x, 3, 2, 1, False)
    c = 64
    for s, n in enumerate(counts):
        out = (64 << s) * (4 if bottleneck else 1)
        for b in range(n):
            p = "layer%d.%d" % (s + 1, b)
            stride = 2 if b == 0 and s > 0 else 1
            if bottleneck:
                s1, s2 = (stride, 1) if caffe else (1, stride)
                y = relu(bn(conv2d(x, w[p + ".conv1.weight"], None, s1, 0), w.bnp(p + ".bn1"), eps))
                y = relu(bn(conv2d(y, w[p + ".conv2.weight"], None, s2, 1), w.bnp(p + ".bn2"), eps))
                y = bn(conv2d(y, w[p + ".conv3.weight"], None, 1, 0), w.bnp(p + ".bn3"), eps)
            else:
                y = relu(bn(conv2d(x, w[p + ".conv1.weight"], None, stride, 1), w.bnp(p + ".bn1"), eps))
                y = bn(conv2d(y, w[p + ".conv2.weight"], None, 1, 1), w.bnp(p + ".bn2"), eps)
            if p + ".downsample.0.weight" in w.t:
                x = bn(conv2d(x, w[p + ".downsample.0.weight"], None, stride, 0), w.bnp(p + ".downsample.1"), eps)
            x = relu(y + x)
            c = out
    return linear(x.mean(axis=(2, 3)), w["fc.weight"], w["fc.bias"])


INCEPTIONS = [
    ("3a", 64, 96, 128, 16, 32, 32), ("3b", 128, 128, 192, 32, 96, 64), ("4a", 192, 96, 208, 16, 48, 64),
    ("4b", 160, 112, 224, 24, 64, 64), ("4c", 128, 128, 256, 24, 64, 64), ("4d", 112, 144, 288, 32, 64, 64),
    ("4e", 256, 160, 320, 32, 128, 128), ("5a", 256, 160, 320, 32, 128, 128), ("5b", 384, 192, 384, 48, 128, 128),
]


def googlenet_weights(bvlc):
    """torchvision: BasicConv2d (conv without bias + BN eps 1e-3), "5x5" branch of 3x3.
    BVLC: convolutions with bias, a real 5x5 branch. Names are torchvision's either way;
    chainer_names() renames the BVLC ones."""
    w = Weights()

    def basic(name, o, i, k):
        if bvlc:
            w.conv(name, o, i, k, True)
        else:
            w.conv(name + ".conv", o, i, k, False)
            w.bn(name + ".bn", o)

    basic("conv1", 64, 3, 7)
    basic("conv2", 64, 64, 1)
    basic("conv3", 192, 64, 3)
    c = 192
    for name, c1, r3, c3, r5, c5, cp in INCEPTIONS:
        p = "inception" + name
        basic(p + ".branch1", c1, c, 1)
        basic(p + ".branch2.0", r3, c, 1)
        basic(p + ".branch2.1", c3, r3, 3)
        basic(p + ".branch3.0", r5, c, 1)
        basic(p + ".branch3.1", c5, r5, 5 if bvlc else 3)
        basic(p + ".branch4.1", cp, c, 1)
        c = c1 + c3 + c5 + cp
    if not bvlc:
        # The auxiliary classifiers are in torchvision's file; the eval network ignores them.
        for aux, i in (("aux1", 512), ("aux2", 528)):
            basic(aux + ".conv", 128, i, 1)
            w.linear(aux + ".fc1", 1024, 2048)
            w.linear(aux + ".fc2", 1000, 1024)
    w.linear("fc", 1000, c)
    return w


def googlenet_forward(w, x, bvlc):
    def basic(name, x, stride=1, pad=0):
        if bvlc:
            return relu(conv2d(x, w[name + ".weight"], w[name + ".bias"], stride, pad))
        return relu(bn(conv2d(x, w[name + ".conv.weight"], None, stride, pad), w.bnp(name + ".bn"), 1e-3))

    x = basic("conv1", x, 2, 3)
    x = max_pool(x, 3, 2, 0, True)
    if bvlc:
        x = lrn(x)
    x = basic("conv3", basic("conv2", x), 1, 1)
    if bvlc:
        x = lrn(x)
    x = max_pool(x, 3, 2, 0, True)
    for i, (name, *_rest) in enumerate(INCEPTIONS):
        p = "inception" + name
        b1 = basic(p + ".branch1", x)
        b2 = basic(p + ".branch2.1", basic(p + ".branch2.0", x), 1, 1)
        b3 = basic(p + ".branch3.1", basic(p + ".branch3.0", x), 1, 2 if bvlc else 1)
        b4 = basic(p + ".branch4.1", max_pool(x, 3, 1, 1, True))
        x = np.concatenate([b1, b2, b3, b4], axis=1)
        if i == 1:
            x = max_pool(x, 3, 2, 0, True)
        if i == 6:
            x = max_pool(x, 3, 2, 0, True) if bvlc else max_pool(x, 2, 2, 0, True)
    return linear(x.mean(axis=(2, 3)), w["fc.weight"], w["fc.bias"])


# ----------------------------------------------------------------------------- Chainer key names


def chainer_vgg16(w):
    out, idx = collections.OrderedDict(), 0
    for block, n in enumerate(VGG["vgg16"]):
        for i in range(n):
            out["conv%d_%d/W" % (block + 1, i + 1)] = w.t["features.%d.weight" % idx]
            out["conv%d_%d/b" % (block + 1, i + 1)] = w.t["features.%d.bias" % idx]
            idx += 2
        idx += 1
    for src, dst in (("classifier.0", "fc6"), ("classifier.3", "fc7"), ("classifier.6", "fc8")):
        out[dst + "/W"], out[dst + "/b"] = w.t[src + ".weight"], w.t[src + ".bias"]
    return out


def chainer_resnet152(w):
    out = collections.OrderedDict()

    def bn(src, dst):
        for a, b in (("weight", "gamma"), ("bias", "beta"), ("running_mean", "avg_mean"), ("running_var", "avg_var")):
            out[dst + "/" + b] = w.t[src + "." + a]
        out[dst + "/N"] = np.array(0, dtype=np.int64)

    out["conv1/W"], out["conv1/b"] = w.t["conv1.weight"], w.t["conv1.bias"]
    bn("bn1", "bn1")
    for s, n in enumerate(RESNET["resnet152"][1]):
        for b in range(n):
            src = "layer%d.%d" % (s + 1, b)
            dst = "res%d/%s" % (s + 2, "a" if b == 0 else "b%d" % b)
            for i in (1, 2, 3):
                out["%s/conv%d/W" % (dst, i)] = w.t["%s.conv%d.weight" % (src, i)]
                bn("%s.bn%d" % (src, i), "%s/bn%d" % (dst, i))
            if b == 0:
                out[dst + "/conv4/W"] = w.t[src + ".downsample.0.weight"]
                bn(src + ".downsample.1", dst + "/bn4")
    out["fc6/W"], out["fc6/b"] = w.t["fc.weight"], w.t["fc.bias"]
    return out


def chainer_googlenet(w):
    out = collections.OrderedDict()
    renames = {"conv1": "conv1", "conv2": "conv2_reduce", "conv3": "conv2", "fc": "loss3_fc"}
    branches = {"branch1": "conv1", "branch2.0": "proj3", "branch2.1": "conv3", "branch3.0": "proj5", "branch3.1": "conv5", "branch4.1": "projp"}
    for key, value in w.t.items():
        stem, kind = key.rsplit(".", 1)
        if stem.startswith("inception"):
            module, branch = stem[len("inception") :].split(".", 1)
            stem = "inc%s/%s" % (module, branches[branch])
        else:
            stem = renames[stem]
        out[stem + "/" + {"weight": "W", "bias": "b"}[kind]] = value
    # Chainer's file also holds the auxiliary classifiers.
    out["loss1_conv/W"] = rng.normal(0, 0.1, (128, 512, 1, 1)).astype(np.float32)
    out["loss1_conv/b"] = np.zeros(128, dtype=np.float32)
    return out


# ----------------------------------------------------------------------------- file writers


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    names = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}
    for name, t in tensors.items():
        data = np.ascontiguousarray(t).tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


# torch.save's zip format, written without torch (see make_torch_fixture.py).
_torch = types.ModuleType("torch")
_utils = types.ModuleType("torch._utils")
sys.modules.setdefault("torch", _torch)
sys.modules.setdefault("torch._utils", _utils)


def _rebuild_tensor_v2(*args):
    raise NotImplementedError


_rebuild_tensor_v2.__module__ = "torch._utils"
_utils._rebuild_tensor_v2 = _rebuild_tensor_v2
for _name in ("FloatStorage", "LongStorage"):
    setattr(_torch, _name, type(_name, (), {"__module__": "torch"}))


class _Storage:
    def __init__(self, key, array):
        self.key, self.array = key, array


class _Tensor:
    def __init__(self, storage):
        self.storage = storage

    def __reduce__(self):
        a = self.storage.array
        strides = tuple(s // a.itemsize for s in a.strides)
        return (_rebuild_tensor_v2, (self.storage, 0, tuple(a.shape), strides, False, collections.OrderedDict()))


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            kind = "LongStorage" if obj.array.dtype == np.int64 else "FloatStorage"
            return ("storage", getattr(_torch, kind), obj.key, "cpu", obj.array.size)
        return None


def write_pth(path, tensors):
    state = collections.OrderedDict()
    storages = []
    for i, (name, t) in enumerate(tensors.items()):
        s = _Storage(str(i), np.ascontiguousarray(t))
        storages.append(s)
        state[name] = _Tensor(s)
    buf = io.BytesIO()
    _Pickler(buf, protocol=2).dump(state)
    prefix = os.path.splitext(os.path.basename(path))[0]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(prefix + "/data.pkl", buf.getvalue())
        z.writestr(prefix + "/byteorder", "little")
        for s in storages:
            z.writestr(prefix + "/data/" + s.key, s.array.tobytes())
        z.writestr(prefix + "/version", "3\n")


def write_pth_legacy(path, root, storages):
    """torch.save's legacy format (torch < 1.6, the format of MadryLab's robustness checkpoints):
    magic number, protocol version, system info, the object, the list of storage keys, then
    each storage as an int64 element count and its bytes."""
    buf = io.BytesIO()
    for header in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True}):
        pickle.dump(header, buf, protocol=2)
    _Pickler(buf, protocol=2).dump(root)
    pickle.dump([s.key for s in storages], buf, protocol=2)
    for s in storages:
        buf.write(np.int64(s.array.size).tobytes())
        buf.write(s.array.tobytes())
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def robustness_checkpoint(path, tensors):
    """A checkpoint as MadryLab's robustness library saves it (train.py): the AttackerModel's state
    dict under 'model', its normaliser and the attacker's copy of the same tensors, beside an
    optimizer with a momentum buffer, the epoch and a 0-dim accuracy tensor."""
    storages = []

    def tensor(array):
        s = _Storage(str(len(storages)), np.ascontiguousarray(array))
        storages.append(s)
        return _Tensor(s)

    mean = tensor(np.array([0.485, 0.456, 0.406], np.float32).reshape(3, 1, 1))
    std = tensor(np.array([0.229, 0.224, 0.225], np.float32).reshape(3, 1, 1))
    weights = collections.OrderedDict((k, tensor(v)) for k, v in tensors.items())
    model = collections.OrderedDict()
    model["module.normalizer.new_mean"] = mean
    model["module.normalizer.new_std"] = std
    for k, t in weights.items():
        model["module.model." + k] = t
    model["module.attacker.normalize.new_mean"] = mean
    model["module.attacker.normalize.new_std"] = std
    for k, t in weights.items():
        model["module.attacker.model." + k] = t
    momentum = tensor(np.ones((4, 3), np.float32))
    root = {
        "model": model,
        "optimizer": {"state": {0: {"momentum_buffer": momentum}}, "param_groups": [{"lr": 0.1, "params": [0]}]},
        "schedule": None,
        "epoch": 90,
        "amp": None,
        "adv_prec1": tensor(np.array(29.5, np.float32)),
    }
    write_pth_legacy(path, root, storages)


def robustbench_checkpoint(path, tensors):
    """A RobustBench ImageNet checkpoint: torchvision's names under 'model.', the normaliser as
    'normalize.mean' and 'normalize.std' ([1, 3, 1, 1]), in torch's zip format."""
    state = collections.OrderedDict()
    state["normalize.mean"] = np.array([0.485, 0.456, 0.406], np.float32).reshape(1, 3, 1, 1)
    state["normalize.std"] = np.array([0.229, 0.224, 0.225], np.float32).reshape(1, 3, 1, 1)
    for k, v in tensors.items():
        state["model." + k] = v
    write_pth(path, state)


# ----------------------------------------------------------------------------- the cases

TORCHVISION_MEAN = np.array([0.485, 0.456, 0.406]) * 255
TORCHVISION_STD = np.array([0.229, 0.224, 0.225]) * 255


def normalise(pixels, kind):
    if kind == "torchvision":
        return (pixels - TORCHVISION_MEAN[None, :, None, None]) / TORCHVISION_STD[None, :, None, None]
    if kind == "googlenet":  # torchvision's normalisation followed by transform_input
        return (pixels - 127.5) / 127.5
    bgr = pixels[:, ::-1]
    return bgr - np.array(kind)[None, :, None, None]


cases = []


def case(name, model, files, size, forward, norm):
    pixels = rng.integers(0, 256, (1, 3, size, size)).astype(np.float64)
    np.save(os.path.join(OUT, name + "_pixels.npy"), pixels.astype(np.float32))
    logits = forward(normalise(pixels, norm))
    cases.append({"name": name, "model": model, "files": files, "size": size, "pixels": name + "_pixels.npy", "logits": logits[0].tolist()})
    print("%-22s logits in [%.2f, %.2f]" % (name, logits.min(), logits.max()))


w = vgg_weights("vgg16")
write_pth(os.path.join(OUT, "vgg16-random.pth"), w.t)
write_safetensors(os.path.join(OUT, "vgg16-random.safetensors"), w.t)
np.savez_compressed(os.path.join(OUT, "vgg16-random-chainer.npz"), **chainer_vgg16(w))
case("vgg16", "vgg16", ["vgg16-random.pth", "vgg16-random.safetensors"], 32, lambda x: vgg_forward(w, "vgg16", x), "torchvision")
# (The Chainer file holds the same numbers: the tests check that it gives the same network.)
del w

w = resnet_weights("resnet18")
write_pth(os.path.join(OUT, "resnet18-random.pth"), w.t)
write_safetensors(os.path.join(OUT, "resnet18-random.safetensors"), w.t)
case("resnet18", "resnet18", ["resnet18-random.pth", "resnet18-random.safetensors"], 64, lambda x: resnet_forward(w, "resnet18", x), "torchvision")

w = resnet_weights("resnet50")
robustness_checkpoint(os.path.join(OUT, "resnet50-robustness-random.pt"), w.t)
robustbench_checkpoint(os.path.join(OUT, "resnet50-robustbench-random.pt"), w.t)
case("resnet50-robust", "resnet50", ["resnet50-robustness-random.pt", "resnet50-robustbench-random.pt"], 64, lambda x: resnet_forward(w, "resnet50", x), "torchvision")
del w

w = resnet_weights("resnet152")
write_pth(os.path.join(OUT, "resnet152-random.pth"), w.t)
write_safetensors(os.path.join(OUT, "resnet152-random.safetensors"), w.t)
case("resnet152", "resnet152", ["resnet152-random.pth", "resnet152-random.safetensors"], 64, lambda x: resnet_forward(w, "resnet152", x), "torchvision")
# The Caffe form, in Chainer's names: a stem with bias, scaled for Caffe's 0..255 input.
w.t["conv1.bias"] = rng.normal(0, 0.1, 64).astype(np.float32)
w.t["conv1.weight"] = w.t["conv1.weight"] / np.float32(100)
np.savez_compressed(os.path.join(OUT, "resnet152-random-chainer.npz"), **chainer_resnet152(w))
case("resnet152-chainer", "resnet152", ["resnet152-random-chainer.npz"], 64, lambda x: resnet_forward(w, "resnet152", x, caffe=True), [103.063, 115.903, 123.152])
del w

w = googlenet_weights(bvlc=False)
write_pth(os.path.join(OUT, "googlenet-random.pth"), w.t)
write_safetensors(os.path.join(OUT, "googlenet-random.safetensors"), w.t)
case("googlenet", "googlenet", ["googlenet-random.pth", "googlenet-random.safetensors"], 64, lambda x: googlenet_forward(w, x, False), "googlenet")
w = googlenet_weights(bvlc=True)
w.t["conv1.weight"] = w.t["conv1.weight"] / np.float32(100)  # Caffe's input is 0..255
np.savez_compressed(os.path.join(OUT, "googlenet-random-bvlc.npz"), **chainer_googlenet(w))
case("googlenet-bvlc", "googlenet", ["googlenet-random-bvlc.npz"], 64, lambda x: googlenet_forward(w, x, True), [104.0, 117.0, 123.0])

with open(os.path.join(OUT, "reference.json"), "w") as f:
    json.dump(cases, f)
print("wrote %d cases to %s" % (len(cases), OUT))
