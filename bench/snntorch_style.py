#!/usr/bin/env python3
"""The DESIGN §9 training workloads written the way snnTorch users write them, in plain PyTorch.

W1: MLP 784-512-10, T = 16, batch 128, direct input.  W2: conv 16C3-P2-32C3-P2-FC10, T = 8.
Same network as `spikefit train`: LIF h = beta*v + I, spike = H(h - theta) with the fast-sigmoid
surrogate 1/(1+k|x|)^2 (k = 25) in an autograd Function, soft reset v = h - theta*s (reset path
kept in the graph), a non-spiking leaky-integrator readout averaged over T, cross-entropy, Adam.
As in snnTorch tutorials, the time loop is in Python and every layer runs at every step (the
first layer's x -> W x is recomputed T times).

Prints one JSON line: {"framework": "pytorch", "net": ..., "samples_per_second": ..., ...}.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn

from snn_common import Leaky  # the shared LIF neuron (bench/snn_common.py)
import torch.nn.functional as F


class Mlp(nn.Module):
    def __init__(self, steps=16, hidden=512, beta=0.9):
        super().__init__()
        self.steps, self.beta = steps, beta
        self.fc1 = nn.Linear(784, hidden)
        self.lif1 = Leaky(beta)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        x = x.flatten(1)
        v1 = torch.zeros(x.shape[0], self.fc1.out_features, device=x.device)
        out = torch.zeros(x.shape[0], 10, device=x.device)
        total = 0
        for _ in range(self.steps):
            s1, v1 = self.lif1(self.fc1(x), v1)
            out = self.beta * out + self.fc2(s1)
            total = total + out
        return total / self.steps


class Conv(nn.Module):
    def __init__(self, steps=8, beta=0.9):
        super().__init__()
        self.steps, self.beta = steps, beta
        self.conv1 = nn.Conv2d(1, 16, 3)
        self.conv2 = nn.Conv2d(16, 32, 3)
        self.fc = nn.Linear(32 * 5 * 5, 10)
        self.lif1, self.lif2 = Leaky(beta), Leaky(beta)

    def forward(self, x):
        b = x.shape[0]
        v1 = torch.zeros(b, 16, 26, 26, device=x.device)
        v2 = torch.zeros(b, 32, 11, 11, device=x.device)
        out = torch.zeros(b, 10, device=x.device)
        total = 0
        for _ in range(self.steps):
            s1, v1 = self.lif1(self.conv1(x), v1)
            s2, v2 = self.lif2(self.conv2(F.max_pool2d(s1, 2)), v2)
            out = self.beta * out + self.fc(F.max_pool2d(s2, 2).flatten(1))
            total = total + out
        return total / self.steps


def load_images(folder, n):
    path = os.path.join(folder, "train-images-idx3-ubyte.gz")
    lpath = os.path.join(folder, "train-labels-idx1-ubyte.gz")
    if not (os.path.exists(path) and os.path.exists(lpath)):
        return None
    with gzip.open(path) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:n]
    with gzip.open(lpath) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    return torch.from_numpy(images.astype(np.float32) / 255.0), torch.from_numpy(labels.astype(np.int64))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--net", choices=["mlp", "conv"], default="mlp")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=None, help="T (default 16 for mlp, 8 for conv)")
    p.add_argument("--batches", type=int, default=20, help="timed batches")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2, help="PyTorch intra-op threads")
    p.add_argument("--torch-threads", type=int, default=None,
                   help="override the intra-op threads only (GEMMs use OpenBLAS's own pool, OPENBLAS_NUM_THREADS); "
                        "on the 2-core CPU here --torch-threads 1 with OPENBLAS_NUM_THREADS=2 was PyTorch's fastest W1 setting")
    p.add_argument("--device", default="cpu")
    p.add_argument("--data", default=os.environ.get("SPIKEFIT_DATA", "/usr/share/datasets/fashion-mnist"))
    args = p.parse_args()

    torch.manual_seed(1)
    torch.set_num_threads(args.torch_threads or args.threads)
    dev = torch.device(args.device)
    steps = args.steps or (16 if args.net == "mlp" else 8)
    model = (Mlp(steps) if args.net == "mlp" else Conv(steps)).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    need = (args.batches + args.warmup) * args.batch
    data = load_images(args.data, need)
    source = "fashion-mnist" if data is not None else "random"
    if data is None:
        data = (torch.rand(need, 1, 28, 28), torch.randint(0, 10, (need,)))
    images, labels = data[0].to(dev), data[1].to(dev)

    def step(i):
        x = images[i * args.batch:(i + 1) * args.batch]
        y = labels[i * args.batch:(i + 1) * args.batch]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for i in range(args.warmup):
        step(i)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    times = []
    for i in range(args.warmup, args.warmup + args.batches):
        t0 = time.perf_counter()
        step(i)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    median = float(np.median(times))
    peak = torch.cuda.max_memory_allocated() if dev.type == "cuda" else None
    print(json.dumps({
        "framework": "pytorch", "version": torch.__version__, "net": args.net, "T": steps, "batch": args.batch,
        "threads": torch.get_num_threads(), "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "device": str(dev), "data": source, "batches": args.batches,
        "median_batch_seconds": median, "samples_per_second": args.batch / median,
        "peak_memory_bytes": peak,
    }))


if __name__ == "__main__":
    main()
