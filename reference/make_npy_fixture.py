#!/usr/bin/python3
"""Writes the .npy fixtures used by src/data/npy.test.ts, with NumPy itself as the writer.

Each array is saved with numpy.lib.format.write_array (the code behind np.save) in the format
version given, and its dtype, shape and values (as float64 in C order, via tolist()) are stored
in expected.json beside the files. One Fortran-ordered array is written to test the refusal.

Run: /usr/bin/python3 reference/make_npy_fixture.py
"""
import json
import os

import numpy as np

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "npy")
rng = np.random.default_rng(16)

CASES = [
    # (file name, array, format version)
    ("f4-2x3-v1.npy", rng.standard_normal((2, 3)).astype("<f4"), (1, 0)),
    ("f8-4-v1.npy", np.array([0.1, -2.5, 1e-300, 3.0e300], dtype="<f8"), (1, 0)),
    ("i4-3x2-v1.npy", np.array([[0, 1], [-2, 3], [2147483647, -2147483648]], dtype="<i4"), (1, 0)),
    ("i8-5-v1.npy", np.array([0, 1, 2, -7, 2**53], dtype="<i8"), (1, 0)),
    ("u1-2x2x2-v1.npy", np.arange(8, dtype="|u1").reshape(2, 2, 2) * 30, (1, 0)),
    ("i2-3-v1.npy", np.array([-32768, 0, 32767], dtype="<i2"), (1, 0)),
    ("f4-be-2x2-v1.npy", np.array([[1.5, -2.25], [3.0, 1e-3]], dtype=">f4"), (1, 0)),
    ("b1-4-v1.npy", np.array([True, False, False, True]), (1, 0)),
    ("f8-3x2-v2.npy", rng.standard_normal((3, 2)), (2, 0)),
    ("f4-2x2-v3.npy", np.array([[1, 2], [3, 4]], dtype="<f4"), (3, 0)),
    ("f8-scalar-v1.npy", np.array(2.5), (1, 0)),
    ("f8-0x3-v1.npy", np.zeros((0, 3)), (1, 0)),
]

expected = {}
for name, a, version in CASES:
    with open(os.path.join(HERE, name), "wb") as f:
        np.lib.format.write_array(f, a, version=version)
    expected[name] = {
        "dtype": {"f": {4: "float32", 8: "float64"}, "i": {1: "int8", 2: "int16", 4: "int32", 8: "int64"},
                  "u": {1: "uint8", 2: "uint16", 4: "uint32", 8: "uint64"}, "b": {1: "bool"}}[a.dtype.kind][a.dtype.itemsize],
        "shape": list(a.shape),
        "data": [float(v) for v in np.ravel(a, order="C").astype("f8")],
        "version": list(version),
    }

fortran = np.asfortranarray(np.arange(6, dtype="<f8").reshape(2, 3))
with open(os.path.join(HERE, "f8-fortran-2x3-v1.npy"), "wb") as f:
    np.lib.format.write_array(f, fortran, version=(1, 0))
expected["f8-fortran-2x3-v1.npy"] = {"error": "Fortran order"}

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump({"numpy": np.__version__, "files": expected}, f, indent=1)
    f.write("\n")
print("wrote", len(expected), "fixtures to", HERE)
