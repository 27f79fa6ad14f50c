#!/usr/bin/env python3
"""PyTorch CPU side of ConvKit's CNN benchmark (org.convkit.bench.CnnBenchmark starts it; not meant to be run alone).

The same networks as ConvKit's presets, Xavier-uniform weights and zero biases as DL4J, Adam with L2 on the weights
(not the biases) added to the gradient as DL4J's l2, mean cross-entropy, on the same normalised images and the same
batches (in file order) that the raw DL4J contender fits:
  lenet     conv 5x5x20 relu, maxpool 2, conv 5x5x50 relu, maxpool 2, dense 500 relu, softmax
  smallvgg  conv 3x3x32 same relu x2, maxpool 2, conv 3x3x64 same relu x2, maxpool 2, dense 256 relu, dropout 0.5,
            softmax
Reads commands from stdin so the Java side can interleave rounds:
  train     one epoch        -> "train SECONDS LOSS MINOR_PAGE_FAULTS PEAK_RSS_KB"
  classify  all, batched     -> "classify SECONDS PEAK_RSS_KB"
  single    first S, one by one -> "single SECONDS PEAK_RSS_KB"
  quit
PEAK_RSS_KB is VmHWM after the command, reset before it (writing 5 to /proc/self/clear_refs).
"""
import argparse
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    def __init__(self, channels, size, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 20, 5)
        self.conv2 = nn.Conv2d(20, 50, 5)
        s = ((size - 4) // 2 - 4) // 2
        self.fc1 = nn.Linear(50 * s * s, 500)
        self.fc2 = nn.Linear(500, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))  # NCHW flattened in C order, as DL4J's CnnToFeedForward
        return self.fc2(x)  # softmax is inside cross_entropy / argmax


class SmallVgg(nn.Module):
    def __init__(self, channels, size, classes):
        super().__init__()
        self.c1 = nn.Conv2d(channels, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 32, 3, padding=1)
        self.c3 = nn.Conv2d(32, 64, 3, padding=1)
        self.c4 = nn.Conv2d(64, 64, 3, padding=1)
        s = size // 2 // 2
        self.fc1 = nn.Linear(64 * s * s, 256)
        self.fc2 = nn.Linear(256, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c2(F.relu(self.c1(x)))), 2)
        x = F.max_pool2d(F.relu(self.c4(F.relu(self.c3(x)))), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        x = F.dropout(x, 0.5, self.training)
        return self.fc2(x)


NETWORKS = {"lenet": LeNet, "smallvgg": SmallVgg}


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def minor_faults():
    """The process's minor page faults so far (pages touched for the first time since they were mapped)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def peak_kb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--features", required=True)
    p.add_argument("--labels", required=True)
    p.add_argument("--arch", choices=sorted(NETWORKS), default="lenet")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--channels", type=int, default=1)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--l2", type=float, default=1e-4)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--single", type=int, default=500)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x = torch.from_numpy(np.fromfile(a.features, dtype="<f4").reshape(a.n, a.channels, a.size, a.size).copy())
    y = torch.from_numpy(np.fromfile(a.labels, dtype="<i4").astype(np.int64))
    batches = [(x[i:i + a.batch], y[i:i + a.batch]) for i in range(0, a.n, a.batch)]
    model = NETWORKS[a.arch](a.channels, a.size, a.classes)
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    weights = [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    biases = [m.bias for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    opt = torch.optim.Adam([{"params": weights, "weight_decay": a.l2}, {"params": biases, "weight_decay": 0.0}],
                           lr=a.lr)
    print("ready torch=%s threads=%d" % (torch.__version__, torch.get_num_threads()), flush=True)

    for line in sys.stdin:
        cmd = line.strip()
        reset_peak()
        faults0 = minor_faults()
        t0 = time.perf_counter()
        if cmd == "train":
            model.train()
            total = 0.0
            for xb, yb in batches:
                opt.zero_grad()
                loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
                total += loss.item() * len(yb)
            print("train %.6f %.6f %d %d" % (time.perf_counter() - t0, total / a.n, minor_faults() - faults0, peak_kb()),
                  flush=True)
        elif cmd == "classify":
            model.eval()
            with torch.no_grad():
                for xb, _ in batches:
                    model(xb).softmax(1).argmax(1)
            print("classify %.6f %d" % (time.perf_counter() - t0, peak_kb()), flush=True)
        elif cmd == "single":
            model.eval()
            with torch.no_grad():
                for i in range(a.single):
                    model(x[i:i + 1]).softmax(1).argmax(1)
            print("single %.6f %d" % (time.perf_counter() - t0, peak_kb()), flush=True)
        elif cmd == "quit":
            break
        else:
            print("error unknown command " + cmd, flush=True)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
