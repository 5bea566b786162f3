#!/usr/bin/env python3
"""DESIGN §9 W3, the Open Neuromorphic framework benchmark, written the way snnTorch users write it.

Network: Linear(n, n) then one LIF layer, batch 16, T = 500 steps, input x [T, B, n] of dense
uniform currents in [0, 1) (torch.manual_seed(1); `spikefit bench w3` draws the same distribution
with its own generator, so values differ but firing rates match). Linear uses PyTorch's default
initialisation U(-1/sqrt(n), 1/sqrt(n)) for weight and bias (so does the C# side).
As in snnTorch tutorials the time loop is in Python: per step I_t = Linear(x_t), h = beta*v + I_t,
s = H(h - 1) with the fast-sigmoid surrogate 1/(1+25|h-1|)^2 in an autograd Function, soft reset
v = h - s (reset path kept in the graph), spikes recorded and stacked; loss = sum of all spikes.
With --style multistep the same network runs the way SpikingJelly's multi-step mode does: the
Linear once over all T·B rows (one GEMM), only the LIF recurrence looped over T, and on CUDA with
PyTorch >= 2 the module is torch.compile'd (--compile auto). Same math, the stronger comparator.
Timed: forward (the loop + loss) and backward (loss.backward(): dW, db, and dX only with
--input-grad), each synchronised, median over --repeats after --warmup untimed passes.

Prints one JSON line: {"framework": "pytorch", "ms_forward": ..., "ms_backward": ..., "ms_total": ...}.
"""
import argparse
import json
import resource
import time

import numpy as np
import torch
import torch.nn as nn

from snn_common import Leaky, maybe_compile  # the shared LIF neuron (bench/snn_common.py)


class Net(nn.Module):
    def __init__(self, n, beta=0.9):
        super().__init__()
        self.fc = nn.Linear(n, n)
        self.lif = Leaky(beta)

    def forward(self, x):
        v = torch.zeros(x.shape[1], self.fc.out_features, device=x.device)
        spk_rec = []
        for t in range(x.shape[0]):
            s, v = self.lif(self.fc(x[t]), v)
            spk_rec.append(s)
        return torch.stack(spk_rec)


class MultiStepNet(Net):
    """Linear over [T·B, n] at once, then the LIF loop: only the recurrence is sequential."""

    def forward(self, x):
        current = self.fc(x.flatten(0, 1)).view(x.shape[0], x.shape[1], -1)
        v = torch.zeros_like(current[0])
        spk_rec = []
        for t in range(x.shape[0]):
            s, v = self.lif(current[t], v)
            spk_rec.append(s)
        return torch.stack(spk_rec)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=4096)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--steps", type=int, default=500, help="T")
    p.add_argument("--repeats", type=int, default=5, help="timed passes (median reported)")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--style", choices=["snntorch", "multistep"], default="snntorch",
                   help="snntorch: Linear + LIF per step in a Python loop; multistep: Linear once over T·B rows, LIF loop only")
    p.add_argument("--compile", choices=["auto", "on", "off"], default=None,
                   help="torch.compile the network (default: auto for multistep = on CUDA with PyTorch >= 2, off for snntorch)")
    p.add_argument("--input-grad", action="store_true", help="the input requires grad, so backward also computes dX")
    args = p.parse_args()

    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    cuda = dev.type == "cuda"
    net = (MultiStepNet if args.style == "multistep" else Net)(args.n).to(dev)
    run, compiled = maybe_compile(net, args.compile or ("auto" if args.style == "multistep" else "off"), dev)
    x = torch.rand(args.steps, args.batch, args.n, device=dev)
    x.requires_grad_(args.input_grad)

    def sync():
        if cuda:
            torch.cuda.synchronize()

    def one_pass():
        net.zero_grad(set_to_none=True)
        x.grad = None
        sync()
        t0 = time.perf_counter()
        spikes = run(x)
        loss = spikes.sum()
        sync()
        t1 = time.perf_counter()
        loss.backward()
        sync()
        t2 = time.perf_counter()
        return (t1 - t0) * 1e3, (t2 - t1) * 1e3, loss.item()

    for _ in range(args.warmup):
        one_pass()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    fwd, bwd, tot = [], [], []
    spike_count = 0.0
    for _ in range(args.repeats):
        f, b, spike_count = one_pass()
        fwd.append(f)
        bwd.append(b)
        tot.append(f + b)
    print(json.dumps({
        "framework": "pytorch", "style": args.style, "compiled": compiled, "version": torch.__version__, "device": str(dev),
        "device_name": torch.cuda.get_device_name(dev) if cuda else "cpu",
        "threads": torch.get_num_threads(), "n": args.n, "batch": args.batch, "T": args.steps,
        "repeats": args.repeats, "input_grad": args.input_grad,
        "ms_forward": float(np.median(fwd)), "ms_backward": float(np.median(bwd)), "ms_total": float(np.median(tot)),
        "firing_rate": spike_count / (args.steps * args.batch * args.n),
        "peak_memory_bytes": torch.cuda.max_memory_allocated(dev) if cuda else None,
        # ru_maxrss is in KiB on Linux: the whole process (interpreter, libraries, data) on CPU runs.
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
