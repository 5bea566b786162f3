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
