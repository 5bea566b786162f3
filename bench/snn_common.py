"""The LIF neuron shared by the PyTorch comparison scripts, written the way snnTorch users write it.

h = beta*v + I; spike = H(h - theta) with the fast-sigmoid surrogate 1/(1+k|x|)^2 (k = 25) in an
autograd Function; soft reset v = h - theta*s with the reset path kept in the graph. Same neuron
as SpikeFit.Gpu's defaults.
"""
import torch
import torch.nn as nn


class FastSigmoidSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1.0 + ctx.k * x.abs()) ** 2, None


class Leaky(nn.Module):
    """One LIF step: returns (spike, new membrane)."""

    def __init__(self, beta=0.9, theta=1.0, k=25.0):
        super().__init__()
        self.beta, self.theta, self.k = beta, theta, k

    def forward(self, cur, v):
        h = self.beta * v + cur
        s = FastSigmoidSpike.apply(h - self.theta, self.k)
        return s, h - self.theta * s


def load_images(folder, n):
    """The first n Fashion-MNIST training images [n, 1, 28, 28] in [0, 1] and labels, or None when absent."""
    import gzip
    import os

    import numpy as np

    path = os.path.join(folder, "train-images-idx3-ubyte.gz")
    lpath = os.path.join(folder, "train-labels-idx1-ubyte.gz")
    if not (os.path.exists(path) and os.path.exists(lpath)):
        return None
    with gzip.open(path) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:n]
    with gzip.open(lpath) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    return torch.from_numpy(images.astype(np.float32) / 255.0), torch.from_numpy(labels.astype(np.int64))


def torch_major():
    return int(torch.__version__.split(".")[0])


def maybe_compile(model, mode, device):
    """torch.compile the model when asked: "on", or "auto" = on CUDA with PyTorch >= 2. Returns (model, compiled)."""
    want = mode == "on" or (mode == "auto" and device.type == "cuda")
    if not want:
        return model, False
    if torch_major() < 2 or not hasattr(torch, "compile"):
        if mode == "on":
            raise SystemExit(f"--compile on needs PyTorch >= 2 (this is {torch.__version__})")
        return model, False
    return torch.compile(model), True


def run_training_benchmark(make_model, description, style, compile_default="off"):
    """
    The timing harness shared by the W1/W2 training scripts: parses the common options, trains
    make_model(net, steps) with Adam (lr 1e-3) on Fashion-MNIST (random data when absent) and
    prints one JSON line with the median batch time over --batches after --warmup batches.
    """
    import argparse
    import json
    import os
    import time

    import numpy as np
    import torch.nn.functional as F

    p = argparse.ArgumentParser(description=description)
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
    p.add_argument("--compile", choices=["auto", "on", "off"], default=compile_default,
                   help="torch.compile the model (auto: on CUDA when PyTorch >= 2)")
    p.add_argument("--data", default=os.environ.get("SPIKEFIT_DATA", "/usr/share/datasets/fashion-mnist"))
    args = p.parse_args()

    torch.manual_seed(1)
    torch.set_num_threads(args.torch_threads or args.threads)
    dev = torch.device(args.device)
    steps = args.steps or (16 if args.net == "mlp" else 8)
    model = make_model(args.net, steps).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    run, compiled = maybe_compile(model, args.compile, dev)
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
        loss = F.cross_entropy(run(x), y)
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
        "framework": "pytorch", "style": style, "compiled": compiled, "version": torch.__version__,
        "net": args.net, "T": steps, "batch": args.batch,
        "threads": torch.get_num_threads(), "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "device": str(dev), "data": source, "batches": args.batches,
        "median_batch_seconds": median, "samples_per_second": args.batch / median,
        "peak_memory_bytes": peak,
    }))
