"""Writes torch_zip_fixture.pth: a small file in torch.save's zip format, without torch.

It mimics what torch.save writes for a state dict (data.pkl with persistent ids for storages,
one file per storage under data/, byteorder and version), with the cases a reader must get right:
strided (transposed) views, storage offsets, several views of one storage, float16, float64,
int64 scalars, a Parameter, and a training checkpoint that wraps the state dict.
Run: python3 tests/data/make_torch_fixture.py (Python 3 standard library only).
"""
import collections
import io
import pickle
import struct
import sys
import types
import zipfile

# Stand-ins for the globals torch pickles: only their module and name matter.
torch = types.ModuleType("torch")
utils = types.ModuleType("torch._utils")
sys.modules["torch"], sys.modules["torch._utils"] = torch, utils


def _rebuild_tensor_v2(*args):
    raise NotImplementedError


def _rebuild_parameter(*args):
    raise NotImplementedError


_rebuild_tensor_v2.__module__ = _rebuild_parameter.__module__ = "torch._utils"
utils._rebuild_tensor_v2, utils._rebuild_parameter = _rebuild_tensor_v2, _rebuild_parameter
for name in ["FloatStorage", "HalfStorage", "DoubleStorage", "LongStorage"]:
    cls = type(name, (), {"__module__": "torch"})
    setattr(torch, name, cls)


class Storage:
    def __init__(self, key, kind, fmt, values):
        self.key, self.kind, self.values = key, kind, values
        self.data = struct.pack("<%d%s" % (len(values), fmt), *values)


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def __reduce__(self):
        hooks = collections.OrderedDict()
        return (_rebuild_tensor_v2, (self.storage, self.offset, tuple(self.size), tuple(self.stride), False, hooks))


class Parameter:
    def __init__(self, tensor):
        self.tensor = tensor

    def __reduce__(self):
        return (_rebuild_parameter, (self.tensor, True, collections.OrderedDict()))


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", getattr(torch, obj.kind), obj.key, "cpu", len(obj.values))
        return None


s0 = Storage("0", "FloatStorage", "f", [float(i) for i in range(10)])
s1 = Storage("1", "HalfStorage", "e", [0.5, -1.25, 3.0])
s2 = Storage("2", "LongStorage", "q", [42])
s3 = Storage("3", "DoubleStorage", "d", [1.5, -2.5])
state = collections.OrderedDict()
state["a"] = Tensor(s0, 0, [2, 3], [3, 1])  # [[0,1,2],[3,4,5]]
state["a_t"] = Tensor(s0, 0, [3, 2], [1, 3])  # transpose of a: [[0,3],[1,4],[2,5]]
state["b"] = Tensor(s0, 6, [2, 2], [2, 1])  # [[6,7],[8,9]]
state["h"] = Tensor(s1, 0, [3], [1])
state["n"] = Tensor(s2, 0, [], [])
state["d"] = Tensor(s3, 0, [2], [1])
state["p"] = Parameter(Tensor(s0, 1, [2, 2], [1, 2]))  # [[1,3],[2,4]]
checkpoint = {"state_dict": state, "epoch": 3}

buf = io.BytesIO()
Pickler(buf, protocol=2).dump(checkpoint)
out = "tests/data/torch_zip_fixture.pth"
with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
    z.writestr("archive/data.pkl", buf.getvalue())
    z.writestr("archive/byteorder", "little")
    for s in [s0, s1, s2, s3]:
        z.writestr("archive/data/" + s.key, s.data)
    z.writestr("archive/version", "3\n")
print("wrote", out)
