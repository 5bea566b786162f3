#!/usr/bin/env python3
"""The DESIGN §9 training workloads in multi-step PyTorch: the strongest plain-PyTorch way we know.

Same networks and math as bench/snntorch_style.py and `spikefit train` (LIF h = beta*v + I, spike
H(h - theta) with the fast-sigmoid surrogate k = 25, soft reset kept in the graph, leaky-integrator
readout averaged over T, cross-entropy, Adam), written the way SpikingJelly's multi-step mode runs it:
- every stateless layer (Linear, Conv2d, max pool) runs once over all T·B samples ([T·B, ...]);
- the direct input's first layer is computed once per sample and broadcast over T;
- only the LIF recurrence is a Python loop over T;
- the readout integrator out_t = beta*out_(t-1) + y_t averaged over T is one weighted sum
  (1/T)·Σ_u y_u·(1 - beta^(T-u))/(1 - beta), the same quantity without a loop;
- on CUDA with PyTorch >= 2 the model is torch.compile'd (--compile auto; off on the CPU here,
  where Debian's PyTorch 1.13 has no compiler).

--check compares one loss and every parameter gradient with bench/snntorch_style.py's model on a
fixed batch (float64, same initial weights) and exits 1 on a mismatch: the two scripts are the same math.

Prints one JSON line: {"framework": "pytorch", "style": "multistep", "net": ..., "samples_per_second": ..., ...}.
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from snn_common import Leaky, run_training_benchmark


def lif_multistep(lif, current, steps, broadcast=False):
    """Spikes [T, B, ...] of a LIF layer over T steps from current [T, B, ...], or [B, ...] when broadcast (direct input)."""
    v = torch.zeros_like(current if broadcast else current[0])
    out = []
    for t in range(steps):
        s, v = lif(current if broadcast else current[t], v)
        out.append(s)
    return torch.stack(out)


def readout(y, beta):
    """Mean over T of the leaky integrator out_t = beta*out_(t-1) + y_t, for y [T, B, C], without a loop."""
    steps = y.shape[0]
    u = torch.arange(steps, dtype=y.dtype, device=y.device)
    weights = (1 - beta ** (steps - u)) / (1 - beta) / steps
    return torch.einsum("t,tbc->bc", weights, y)


class Mlp(nn.Module):
    def __init__(self, steps=16, hidden=512, beta=0.9):
        super().__init__()
        self.steps, self.beta = steps, beta
        self.fc1 = nn.Linear(784, hidden)
        self.lif1 = Leaky(beta)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        b = x.shape[0]
        cur1 = self.fc1(x.flatten(1))                       # once per sample: the input is the same at every step
        s1 = lif_multistep(self.lif1, cur1, self.steps, broadcast=True)     # [T, B, H]
        y = self.fc2(s1.flatten(0, 1)).view(self.steps, b, -1)  # one GEMM over T·B rows
        return readout(y, self.beta)


class Conv(nn.Module):
    def __init__(self, steps=8, beta=0.9):
        super().__init__()
        self.steps, self.beta = steps, beta
        self.conv1 = nn.Conv2d(1, 16, 3)
        self.conv2 = nn.Conv2d(16, 32, 3)
        self.fc = nn.Linear(32 * 5 * 5, 10)
        self.lif1, self.lif2 = Leaky(beta), Leaky(beta)

    def forward(self, x):
        b, steps = x.shape[0], self.steps
        s1 = lif_multistep(self.lif1, self.conv1(x), steps, broadcast=True)             # conv1 once; [T, B, 16, 26, 26]
        c2 = self.conv2(F.max_pool2d(s1.flatten(0, 1), 2))              # [T·B, 32, 11, 11]
        s2 = lif_multistep(self.lif2, c2.view(steps, b, *c2.shape[1:]), steps)
        y = self.fc(F.max_pool2d(s2.flatten(0, 1), 2).flatten(1)).view(steps, b, -1)
        return readout(y, self.beta)


def make(net, steps):
    return Mlp(steps) if net == "mlp" else Conv(steps)


def check():
    """Same loss and gradients as snntorch_style.py's model on one fixed batch (float64)."""
    import json

    import snntorch_style

    ok = True
    report = {}
    for net, steps in (("mlp", 16), ("conv", 8)):
        torch.manual_seed(3)
        ref = (snntorch_style.Mlp(steps) if net == "mlp" else snntorch_style.Conv(steps)).double()
        ms = make(net, steps).double()
        ms.load_state_dict(ref.state_dict())
        g = torch.Generator().manual_seed(4)
        x = torch.rand(32, 1, 28, 28, generator=g, dtype=torch.float64)
        y = torch.randint(0, 10, (32,), generator=g)
        losses, grads = [], []
        for m in (ref, ms):
            m.zero_grad()
            loss = F.cross_entropy(m(x), y)
            loss.backward()
            losses.append(loss.item())
            grads.append({k: p.grad.clone() for k, p in m.named_parameters()})
        worst = max(float((grads[0][k] - grads[1][k]).abs().max() / grads[0][k].abs().max().clamp_min(1e-30)) for k in grads[0])
        loss_diff = abs(losses[0] - losses[1]) / abs(losses[0])
        # float64: only summation order differs, so anything above ~1e-12 means different math
        # (a spike flipped, a missing term).
        good = loss_diff < 1e-10 and worst < 1e-9
        ok &= good
        report[net] = {"loss_snntorch": losses[0], "loss_multistep": losses[1], "loss_rel_diff": loss_diff,
                       "grad_max_rel_diff": worst, "match": good}
    print(json.dumps({"check": "multistep vs snntorch_style", "results": report, "match": ok}))
    return 0 if ok else 1


def main():
    if "--check" in sys.argv[1:]:
        sys.exit(check())
    run_training_benchmark(make, __doc__.splitlines()[0], style="multistep", compile_default="auto")


if __name__ == "__main__":
    main()
