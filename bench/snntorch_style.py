#!/usr/bin/env python3
"""The DESIGN §9 training workloads written the way snnTorch users write them, in plain PyTorch.

W1: MLP 784-512-10, T = 16, batch 128, direct input.  W2: conv 16C3-P2-32C3-P2-FC10, T = 8.
Same network as `spikefit train`: LIF h = beta*v + I, spike = H(h - theta) with the fast-sigmoid
surrogate 1/(1+k|x|)^2 (k = 25) in an autograd Function, soft reset v = h - theta*s (reset path
kept in the graph), a non-spiking leaky-integrator readout averaged over T, cross-entropy, Adam.
As in snnTorch tutorials, the time loop is in Python and every layer runs at every step (the
first layer's x -> W x is recomputed T times).

Prints one JSON line: {"framework": "pytorch", "style": "snntorch", "net": ..., "samples_per_second": ..., ...}.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

# The shared LIF neuron and the shared data loading + timing loop (bench/snn_common.py).
from snn_common import Leaky, run_training_benchmark


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


def main():
    run_training_benchmark(lambda net, steps: Mlp(steps) if net == "mlp" else Conv(steps),
                           __doc__.splitlines()[0], style="snntorch")


if __name__ == "__main__":
    main()
