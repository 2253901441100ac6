#!/usr/bin/python3
"""Makes the golden files of engine's Q8QuantizerLlamaCppTest: llama.cpp's own Q8_0 quantizer
(quantize_row_q8_0_ref in the libggml-base.so of node-llama-cpp 3.21.1, llama.cpp v0.4.0) over
rows of floats chosen to hit its edge cases.

    bash ../shared/tools/setup.sh && /usr/bin/python3 bench/q8/make-golden.py

Writes engine/src/test/resources/reference/q8_0_input.f32 (rows of 256 little-endian float32)
and q8_0_llamacpp.bin (for each row, 8 blocks of llama.cpp's block_q8_0: F16 scale, 32 int8).
"""
import ctypes
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
NODE = os.environ.get("LLAMACPP_NODE_DIR", os.path.join(ROOT, "..", "shared", "tools", ".node"))
LIB = os.path.join(NODE, "node_modules", "@node-llama-cpp", "linux-x64", "bins", "linux-x64", "libggml-base.so")
OUT = os.path.join(ROOT, "engine", "src", "test", "resources", "reference")
COLS = 256


def rows():
    rng = np.random.default_rng(7)
    out = []
    out.append(rng.standard_normal(COLS))                                # Gaussian weights
    out.append(rng.standard_normal(COLS) * 0.02)                         # weight-sized
    row = np.zeros(COLS)                                                 # every block: max 127, so d = 1 and x/d = x
    for b in range(COLS // 32):
        row[b * 32:(b + 1) * 32] = np.arange(32) - 16 + 0.5              # exact halves, both signs: roundf goes away from 0
        row[b * 32] = 127.0 if b % 2 == 0 else -127.0
    out.append(row)
    row = np.zeros(COLS)
    for b in range(COLS // 32):                                          # just below and above a half after scaling
        row[b * 32:(b + 1) * 32] = np.float32(0.5) + (np.arange(32) - 16) * np.float32(2 ** -24)
        row[b * 32] = 127.0
    out.append(row)
    row = rng.standard_normal(COLS)
    row[0:32] = 0.0                                                      # an all-zero block: d = 0, every q 0
    row[32:64] = rng.standard_normal(32) * 1e-7                          # d below F16's smallest subnormal
    row[64:96] = rng.standard_normal(32) * 1e-5                          # d an F16 subnormal
    row[96:128] = rng.standard_normal(32) * 3e4                          # large values
    row[128:160] = np.float32(np.pi)                                     # a constant block
    out.append(row)
    out.append(rng.uniform(-1, 1, COLS) * np.exp(rng.uniform(-8, 8, COLS)))  # spread over many octaves
    return np.array(out, dtype=np.float32)


def main():
    lib = ctypes.CDLL(LIB)
    fn = lib.quantize_row_q8_0_ref
    fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    fn.restype = None
    x = rows()
    blocks = bytearray(x.shape[0] * (COLS // 32) * 34)
    buf = (ctypes.c_char * len(blocks)).from_buffer(blocks)
    for r in range(x.shape[0]):
        row = np.ascontiguousarray(x[r])
        fn(row.ctypes.data, ctypes.addressof(buf) + r * (COLS // 32) * 34, COLS)
    x.astype("<f4").tofile(os.path.join(OUT, "q8_0_input.f32"))
    with open(os.path.join(OUT, "q8_0_llamacpp.bin"), "wb") as f:
        f.write(bytes(blocks))
    print(f"wrote {x.shape[0]} rows of {COLS} floats and their Q8_0 blocks to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
