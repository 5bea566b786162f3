#!/usr/bin/python3
"""NIR fixtures written the way snnTorch, Norse and Sinabs write them, and a layout dump for tests.

Needs only h5py and numpy (Debian: apt-get install python3-h5py; run with /usr/bin/python3). The
Python `nir` package is not used: this script writes the HDF5 layout of nir.write (nir/serialization.py)
directly, with the conventions of each framework's exporter:

* snnTorch (snntorch/export_nir.py): Leaky(beta) -> LIF with dt = 1e-4, tau = dt/(1-beta),
  r = tau/dt, v_leak = 0, v_reset = 0, float32 arrays; nn.Linear -> Affine (weight [out, in]);
  nn.Flatten -> Flatten(start_dim 0, end_dim -1); nn.AvgPool2d -> AvgPool2d; node names are the
  nn.Sequential indices "0", "1", ...; the output layer is a spiking Leaky (a LIF).
* Norse (norse/torch/utils/export_nir.py): LIFBoxCell -> LIF with tau = 1/tau_mem_inv, r = 1,
  v_leak, v_reset, v_threshold as float32 arrays; LIBoxCell -> LI (tau, r = 1, v_leak); its importer
  steps with dt = 1e-3 by default.
* Sinabs-style (IAF + SumPool2d, as in snnTorch's examples/scnn_mnist.nir): IF with r = 1,
  v_threshold; SumPool2d.

nir.write stores strings as variable-length UTF-8 scalars, Python ints as int64 scalars, tuples as
int64 arrays and numpy arrays with their dtype, gzip-compressed; this script does the same.

Usage:
  nir_fixtures.py write DIR     write the fixtures into DIR (fixed seeds, so the files are reproducible)
  nir_fixtures.py inspect FILE  print the file's layout as JSON: version, graph type, edges, and for
                                every node its type and each dataset's dtype and shape
"""
import json
import os
import sys

import h5py
import numpy as np

NIR_VERSION = "1.0.6"  # the nir release these exporters were read against


def _write_value(group, key, value):
    if isinstance(value, dict):
        sub = group.create_group(key)
        for k, v in value.items():
            _write_value(sub, k, v)
    elif isinstance(value, str):
        group.create_dataset(key, data=value, dtype=h5py.string_dtype())
    elif isinstance(value, np.ndarray):
        group.create_dataset(key, data=value, dtype=value.dtype, compression="gzip")
    else:
        group.create_dataset(key, data=value)


def write_graph(path, nodes, edges, metadata=None):
    """nodes: list of (name, dict of fields with a 'type' entry); edges: list of (source, target)."""
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data=NIR_VERSION, dtype=h5py.string_dtype())
        top = f.create_group("node")
        top.create_dataset("type", data="NIRGraph", dtype=h5py.string_dtype())
        group = top.create_group("nodes")
        for name, fields in nodes:
            node = group.create_group(name)
            for k, v in fields.items():
                _write_value(node, k, v)
        top.create_dataset("edges", data=[(a, b) for a, b in edges])
        if metadata:
            _write_value(top, "metadata", metadata)


def chain(names):
    return list(zip(names[:-1], names[1:]))


def torch_linear(rng, fan_out, fan_in):
    """nn.Linear's default initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias."""
    bound = 1.0 / np.sqrt(fan_in)
    w = rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(np.float32)
    b = rng.uniform(-bound, bound, size=(fan_out,)).astype(np.float32)
    return w, b


def snntorch_lif(beta, threshold, shape, dt=1e-4):
    beta = np.full(shape, beta, dtype=np.float32)
    tau = (dt / (1 - beta)).astype(np.float32)
    return {
        "type": "LIF",
        "tau": tau,
        "r": (tau / dt).astype(np.float32),
        "v_leak": np.zeros(shape, dtype=np.float32),
        "v_threshold": np.full(shape, threshold, dtype=np.float32),
        "v_reset": np.zeros(shape, dtype=np.float32),
    }


def snntorch_mlp(path, sizes, beta=0.9, threshold=1.0, seed=0, scale=1.0):
    """snnTorch nn.Sequential(Linear, Leaky, Linear, Leaky, ...) exported with export_to_nir."""
    rng = np.random.default_rng(seed)
    nodes = [("input", {"type": "Input", "shape": np.array([sizes[0]], dtype=np.int64)})]
    index = 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w, b = torch_linear(rng, fan_out, fan_in)
        nodes.append((str(index), {"type": "Affine", "weight": w * np.float32(scale), "bias": b * np.float32(scale)}))
        nodes.append((str(index + 1), snntorch_lif(beta, threshold, (fan_out,))))
        index += 2
    nodes.append(("output", {"type": "Output", "shape": np.array([sizes[-1]], dtype=np.int64)}))
    write_graph(path, nodes, chain([n for n, _ in nodes]))


def norse_mlp(path, sizes, tau_mem=0.01, v_th=1.0, v_leak=0.0, seed=1, scale=10.0):
    """Norse SequentialState(Linear, LIFBoxCell, ..., Linear, LIBoxCell) exported with to_nir."""
    rng = np.random.default_rng(seed)
    nodes = [("input", {"type": "Input", "shape": np.array([sizes[0]], dtype=np.int64)})]
    index = 0
    pairs = list(zip(sizes[:-1], sizes[1:]))
    for layer, (fan_in, fan_out) in enumerate(pairs):
        w, b = torch_linear(rng, fan_out, fan_in)
        nodes.append((str(index), {"type": "Affine", "weight": w * np.float32(scale), "bias": b * np.float32(scale)}))
        shape = (fan_out,)
        neuron = {
            "tau": np.full(shape, tau_mem, dtype=np.float32),
            "r": np.ones(shape, dtype=np.float32),
            "v_leak": np.full(shape, v_leak, dtype=np.float32),
        }
        if layer < len(pairs) - 1:
            neuron.update(type="LIF", v_threshold=np.full(shape, v_th, dtype=np.float32), v_reset=np.zeros(shape, dtype=np.float32))
        else:
            neuron.update(type="LI")
        nodes.append((str(index + 1), neuron))
        index += 2
    nodes.append(("output", {"type": "Output", "shape": np.array([sizes[-1]], dtype=np.int64)}))
    write_graph(path, nodes, chain([n for n, _ in nodes]))


def conv_net(path, style, in_shape, channels, classes, seed=2, scale=2.0):
    """Conv2d(3x3) -> neuron -> 2x2 pool stages, Flatten, Affine, readout; 'snntorch' (LIF, AvgPool2d)
    or 'sinabs' (IF, SumPool2d) conventions."""
    rng = np.random.default_rng(seed)
    c, h, w = in_shape
    nodes = [("input", {"type": "Input", "shape": np.array(in_shape, dtype=np.int64)})]
    index = 0
    for out in channels:
        bound = 1.0 / np.sqrt(c * 9)
        nodes.append((str(index), {
            "type": "Conv2d",
            "weight": (rng.uniform(-bound, bound, size=(out, c, 3, 3)) * scale).astype(np.float32),
            "bias": (rng.uniform(-bound, bound, size=(out,)) * scale).astype(np.float32),
            "stride": (1, 1), "padding": (0, 0), "dilation": (1, 1), "groups": 1,
            "input_shape": (h, w),
        }))
        h, w = h - 2, w - 2
        shape = (out, h, w)
        if style == "snntorch":
            nodes.append((str(index + 1), snntorch_lif(0.8, 0.5, shape)))
            nodes.append((str(index + 2), {"type": "AvgPool2d", "kernel_size": (2, 2), "stride": (2, 2), "padding": (0, 0)}))
        else:
            nodes.append((str(index + 1), {"type": "IF", "r": np.ones(shape, dtype=np.float32),
                                           "v_threshold": np.full(shape, 0.5, dtype=np.float32)}))
            nodes.append((str(index + 2), {"type": "SumPool2d", "kernel_size": np.array([2, 2]), "stride": np.array([2, 2]),
                                           "padding": np.array([0, 0])}))
        h, w = h // 2, w // 2
        c = out
        index += 3
    nodes.append((str(index), {"type": "Flatten", "start_dim": 0, "end_dim": -1, "input_type": np.array([c, h, w], dtype=np.int64)}))
    wfc, bfc = torch_linear(rng, classes, c * h * w)
    nodes.append((str(index + 1), {"type": "Affine", "weight": wfc * np.float32(scale), "bias": bfc * np.float32(scale)}))
    if style == "snntorch":
        nodes.append((str(index + 2), snntorch_lif(0.8, 0.5, (classes,))))
    else:
        nodes.append((str(index + 2), {"type": "IF", "r": np.ones((classes,), dtype=np.float32),
                                       "v_threshold": np.full((classes,), 0.5, dtype=np.float32)}))
    nodes.append(("output", {"type": "Output", "shape": np.array([classes], dtype=np.int64)}))
    write_graph(path, nodes, chain([n for n, _ in nodes]))


def write_fixtures(directory):
    os.makedirs(directory, exist_ok=True)
    # The done-when network: snnTorch's tutorial MLP shape, fresh torch initialisation, beta 0.9, threshold 1.
    snntorch_mlp(f"{directory}/snntorch_mlp_784_128_10.nir", [784, 128, 10], beta=0.9, threshold=1.0, seed=0)
    # Small ones for the reference tests (scaled weights so that neurons fire).
    snntorch_mlp(f"{directory}/snntorch_mlp_small.nir", [12, 16, 5], beta=0.9, threshold=1.0, seed=3, scale=3.0)
    norse_mlp(f"{directory}/norse_mlp_small.nir", [12, 16, 5], tau_mem=0.01, v_th=1.0, v_leak=0.2, seed=4)
    conv_net(f"{directory}/snntorch_conv_small.nir", "snntorch", (2, 12, 12), [3, 4], 5, seed=5)
    conv_net(f"{directory}/sinabs_conv_small.nir", "sinabs", (1, 12, 12), [3], 5, seed=6)


def inspect(path):
    out = {"nodes": {}}
    with h5py.File(path, "r") as f:
        def describe(ds):
            s = h5py.check_string_dtype(ds.dtype)
            return {"dtype": f"string-{s.encoding}" if s else str(ds.dtype), "shape": list(ds.shape)}
        out["version"] = describe(f["version"])
        out["version"]["value"] = f["version"][()].decode("utf8")
        top = f["node"]
        out["type"] = top["type"][()].decode("utf8")
        out["edges"] = [[a.decode("utf8"), b.decode("utf8")] for a, b in top["edges"][()]]
        out["edges_layout"] = describe(top["edges"])
        out["metadata"] = sorted(top["metadata"].keys()) if "metadata" in top else []
        for name, node in top["nodes"].items():
            fields = {k: describe(v) for k, v in node.items() if isinstance(v, h5py.Dataset) and k != "type"}
            out["nodes"][name] = {
                "type": node["type"][()].decode("utf8"),
                "type_layout": describe(node["type"]),
                "fields": fields,
                "metadata": sorted(node["metadata"].keys()) if "metadata" in node else [],
            }
    print(json.dumps(out, indent=1, sort_keys=True))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        write_fixtures(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "inspect":
        inspect(sys.argv[2])
    else:
        sys.exit(__doc__)
