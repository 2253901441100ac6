#!/usr/bin/python3
"""Recomputes SCANS's refusal directions v_l and reference transition vectors r_l outside the JVM.

An independent float64 numpy implementation of the Hugging Face Llama forward pass (rotate_half
RoPE, grouped-query attention, SwiGLU, RMSNorm), written from the published architecture, not
from the Java code. It reads config.json and model.safetensors itself.

  recompute_vectors.py MODEL_DIR JOB.json OUT.json

JOB.json: {"harmful": [[ids...], ...], "harmless": [[ids...], ...],
           "transition": [{"ids": [...], "s1": int}, ...], "classify": [{"ids": [...], "s1": int}, ...]}
  harmful/harmless: extraction prompts (the last token's state is used);
  transition: classification prompts of the harmful anchors with the marker position s1;
  classify (optional): classification inputs of test queries;
  raw_last (optional): true to read the last layer before the final norm (--fix raw-last-layer).
OUT.json: {"refusal": [[...] per layer], "transition": [[...] per layer],
           "cosines": [[cos(t_l, r_l) per layer] per classify item]}, t_l = h_l[s1] - h_l[last]

As in SCANS (and HF's output_hidden_states), layer l's state is the decoder layer output for
l < L-1 and the final-RMSNorm output for the last layer.
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        b, e = t["data_offsets"]
        raw = data[base + b: base + e]
        if t["dtype"] == "BF16":
            u = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            arr = u.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=DTYPES[t["dtype"]])
        out[name] = arr.reshape(t["shape"]).astype(np.float64)
    return out


class Llama:
    def __init__(self, model_dir):
        with open(model_dir + "/config.json") as f:
            c = json.load(f)
        self.w = load_safetensors(model_dir + "/model.safetensors")
        self.L = c["num_hidden_layers"]
        self.d = c["hidden_size"]
        self.nh = c["num_attention_heads"]
        self.nkv = c.get("num_key_value_heads", self.nh)
        self.hd = c.get("head_dim") or self.d // self.nh
        self.eps = c.get("rms_norm_eps", 1e-6)
        self.theta = c.get("rope_theta", 10000.0)

    def rms(self, x, w):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * w

    def rope(self, x, pos):
        # x: [T, heads, hd]; rotate_half pairs (i, i + hd/2)
        half = self.hd // 2
        inv = 1.0 / (self.theta ** (np.arange(0, half) * 2.0 / self.hd))
        ang = pos[:, None] * inv[None, :]
        cos = np.cos(ang)[:, None, :]
        sin = np.sin(ang)[:, None, :]
        a, b = x[..., :half], x[..., half:]
        return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)

    def hidden_states(self, ids, raw_last=False):
        """[L][T][d]: each layer's output, the last one after the final norm unless raw_last."""
        w = self.w
        T = len(ids)
        x = w["model.embed_tokens.weight"][ids]
        pos = np.arange(T, dtype=np.float64)
        mask = np.triu(np.full((T, T), -np.inf), 1)
        group = self.nh // self.nkv
        states = []
        for l in range(self.L):
            p = "model.layers.%d." % l
            h = self.rms(x, w[p + "input_layernorm.weight"])
            q = (h @ w[p + "self_attn.q_proj.weight"].T).reshape(T, self.nh, self.hd)
            k = (h @ w[p + "self_attn.k_proj.weight"].T).reshape(T, self.nkv, self.hd)
            v = (h @ w[p + "self_attn.v_proj.weight"].T).reshape(T, self.nkv, self.hd)
            q, k = self.rope(q, pos), self.rope(k, pos)
            att = np.empty((T, self.nh, self.hd))
            for head in range(self.nh):
                kv = head // group
                s = q[:, head, :] @ k[:, kv, :].T / np.sqrt(self.hd) + mask
                s = np.exp(s - s.max(axis=1, keepdims=True))
                s /= s.sum(axis=1, keepdims=True)
                att[:, head, :] = s @ v[:, kv, :]
            x = x + att.reshape(T, -1) @ w[p + "self_attn.o_proj.weight"].T
            h = self.rms(x, w[p + "post_attention_layernorm.weight"])
            g = h @ w[p + "mlp.gate_proj.weight"].T
            u = h @ w[p + "mlp.up_proj.weight"].T
            x = x + (g / (1 + np.exp(-g)) * u) @ w[p + "mlp.down_proj.weight"].T
            states.append(x.copy())
        if not raw_last:
            states[-1] = self.rms(states[-1], w["model.norm.weight"])
        return states


def main():
    model_dir, job_file, out_file = sys.argv[1:4]
    m = Llama(model_dir)
    with open(job_file) as f:
        job = json.load(f)
    raw = job.get("raw_last", False)

    def last_mean(prompts):
        acc = np.zeros((m.L, m.d))
        for ids in prompts:
            hs = m.hidden_states(ids, raw)
            for l in range(m.L):
                acc[l] += hs[l][-1]
        return acc / len(prompts)

    u = last_mean(job["harmful"]) - last_mean(job["harmless"])
    refusal = u / np.linalg.norm(u, axis=1, keepdims=True)
    tr = np.zeros((m.L, m.d))
    for item in job["transition"]:
        hs = m.hidden_states(item["ids"], raw)
        for l in range(m.L):
            tr[l] += hs[l][item["s1"]] - hs[l][-1]
    tr /= len(job["transition"])
    cosines = []
    for item in job.get("classify", []):
        hs = m.hidden_states(item["ids"], raw)
        row = []
        for l in range(m.L):
            t = hs[l][item["s1"]] - hs[l][-1]
            row.append(float(t @ tr[l] / (np.linalg.norm(t) * np.linalg.norm(tr[l]))))
        cosines.append(row)
    with open(out_file, "w") as f:
        json.dump({"refusal": refusal.tolist(), "transition": tr.tolist(), "cosines": cosines}, f)


if __name__ == "__main__":
    main()
