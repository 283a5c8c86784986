"""Three-way logit distances between hayloft, llama.cpp and exact float64 math (dev tooling only).

For each prompt of logits_<model>.json (first 8 positions, decode path for hayloft, llama.cpp's batched
fixture logits, f64_model.py for exact math): per position max and mean |a - b| for the three pairs, the
top-1 of each and its top-1/top-2 margin. gemma3's llama.cpp logits are sparse, so for it all three
distances are taken over llama.cpp's top-256 and the 2048 probe ids; elsewhere over the full vocabulary.
With --layers: the relative RMS distance of the residual stream after every layer (prompt 0), hayloft
(engine_dump layers) vs llama.cpp (eval callback, llama_layers.py) vs f64.

Build the dump tool first (header of scripts/reference/engine_dump.cpp), then, from scripts/reference/:
  /work/cache/refenv/bin/python compare_numerics.py smollm2 [--dump ../../build/engine_dump] [--layers]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

import common
import f64_model


def engine_dump(tool, mode, name, ids):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.bin")
        subprocess.run([tool, mode, common.MODEL_FILES[name], out] + [str(i) for i in ids], check=True,
                       stdout=subprocess.DEVNULL)
        return np.fromfile(out, "<f4").astype(np.float64)


def llama_logits(fx, p):
    """llama.cpp's logits [n_pos, n_vocab] with NaN where the fixture does not store them."""
    if fx["format"] == "full":
        return np.fromfile(os.path.join(common.OUT, p["bin"]), "<f2").reshape(p["n_pos"], -1).astype(np.float64)
    out = np.full((p["n_pos"], fx["n_vocab"]), np.nan)
    for i in range(p["n_pos"]):
        out[i, p["top256"][i]["ids"]] = p["top256"][i]["logits"]
        out[i, fx["probe_ids"]] = p["probe_logits"][i]
    return out


def top2(row, sel):
    r = np.where(sel, row, -np.inf)
    a, b = np.argsort(-r, kind="stable")[:2]
    return int(a), float(r[a] - r[b])


def logits_table(name, tool):
    fx = json.load(open(os.path.join(common.OUT, f"logits_{name}.json")))
    model = f64_model.Model(common.MODEL_FILES[name])
    over = "full vocabulary" if fx["format"] == "full" else "llama.cpp's top-256 + 2048 probes"
    print(f"\n## {name}: logits, first 8 positions ({over})\n")
    print("| prompt | pos | ours-f64 max/mean | llama.cpp-f64 max/mean | ours-llama.cpp max/mean | top-1 f64 / ours / "
          "llama.cpp | margin f64 / ours / llama.cpp |")
    print("|---|---|---|---|---|---|---|")
    summary = []
    for p in fx["prompts"]:
        ids = p["ids"][: p["n_pos"]]
        f = f64_model.forward(model, ids)
        lc = llama_logits(fx, p)
        ours = engine_dump(tool, "logits", name, ids).reshape(len(ids), -1)
        acc = {"of": [], "lf": [], "ol": [], "agree": [0, 0, 0]}
        for i in range(len(ids)):
            sel = ~np.isnan(lc[i])
            d = {k: np.abs(a[i, sel] - b[i, sel]) for k, a, b in (("of", ours, f), ("lf", lc, f), ("ol", ours, lc))}
            (tf, mf), (to, mo), (tl, ml) = top2(f[i], sel), top2(ours[i], sel), top2(np.nan_to_num(lc[i], nan=-1e30), sel)
            for k in d:
                acc[k].append((d[k].max(), d[k].mean()))
            acc["agree"] = [acc["agree"][0] + (to == tf), acc["agree"][1] + (tl == tf), acc["agree"][2] + (to == tl)]
            print(f"| {p['name']} | {i} | {d['of'].max():.3f} / {d['of'].mean():.3f} | {d['lf'].max():.3f} / "
                  f"{d['lf'].mean():.3f} | {d['ol'].max():.3f} / {d['ol'].mean():.3f} | {tf} / {to} / {tl} | "
                  f"{mf:.3f} / {mo:.3f} / {ml:.3f} |")
        summary.append((p["name"], acc))
    print(f"\n## {name}: per prompt (max of per-position max / mean of means; top-1 agreement of 8)\n")
    print("| prompt | ours-f64 | llama.cpp-f64 | ours-llama.cpp | top-1 ours=f64, llama.cpp=f64, ours=llama.cpp |")
    print("|---|---|---|---|---|")
    for pname, acc in summary:
        cells = [f"{max(m for m, _ in acc[k]):.3f} / {np.mean([a for _, a in acc[k]]):.3f}" for k in ("of", "lf", "ol")]
        print(f"| {pname} | {' | '.join(cells)} | {acc['agree'][0]}, {acc['agree'][1]}, {acc['agree'][2]} |")


def layers_table(name, tool):
    import llama_layers
    fx = json.load(open(os.path.join(common.OUT, f"logits_{name}.json")))
    ids = fx["prompts"][0]["ids"][:8]
    model = f64_model.Model(common.MODEL_FILES[name])
    states = []
    f64_model.forward(model, ids, layer_states=states)
    f = np.stack(states)
    got, _ = llama_layers.run(name, ids)
    lc = np.stack([got[f"l_out-{il}"] for il in range(f.shape[0])]).astype(np.float64)
    ours = engine_dump(tool, "layers", name, ids).reshape(f.shape)

    def rel(a, b):
        r = np.linalg.norm(a - b, axis=-1) / np.linalg.norm(b, axis=-1)
        return f"{r[0]:.1e} / {r[1:].max():.1e}"

    print(f"\n## {name}: residual stream after each layer, prompt 0, relative RMS distance (position 0 / "
          f"max over positions 1-7)\n")
    print("| layer | ours-f64 | llama.cpp-f64 | ours-llama.cpp |")
    print("|---|---|---|---|")
    for il in range(f.shape[0]):
        print(f"| {il} | {rel(ours[il], f[il])} | {rel(lc[il], f[il])} | {rel(ours[il], lc[il])} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="+")
    ap.add_argument("--dump", default=os.path.join(common.ROOT, "build", "engine_dump"))
    ap.add_argument("--layers", action="store_true")
    args = ap.parse_args()
    for name in args.models:
        logits_table(name, args.dump)
        if args.layers:
            layers_table(name, args.dump)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
