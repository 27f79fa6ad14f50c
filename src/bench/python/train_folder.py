#!/usr/bin/env python3
"""PyTorch CPU counterpart of ConvKit's macro path (org.convkit.bench.MacroBenchmark runs it; it also runs alone).

What `./convkit --headless macros/train-folder.ijm "folder=F model=M epochs=E"` does with the defaults, written as a
PyTorch user would: read every image of F/<class>/ (PIL, 8-bit gray or RGB) into memory once, a stratified seeded
10 % validation split, per-channel mean/std of the training images, LeNet (or Small VGG) with Xavier-uniform weights,
Adam 1e-3 with L2 1e-4 on the weights, batch 64, the training images shuffled every epoch and shifted by up to 10 %
of the size (whole pixels, uncovered pixels 0 after normalisation, as ConvKit's `shift`), the validation loss and
accuracy after every epoch, and the best (lowest validation loss) and last model saved with torch.save.

Prints one line "done SECONDS_TOTAL READ_SECONDS TRAIN_SECONDS BEST_VAL_ACC PEAK_RSS_KB" at the end (the total from
the first line of the script, imports included; the JVM start of ConvKit's run is included on its side too).
"""
import time

START = time.perf_counter()

import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cnn_bench import NETWORKS, peak_kb  # noqa: E402


def read_folder(root):
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)) and not d.startswith("."))
    images, labels = [], []
    for c, name in enumerate(classes):
        folder = os.path.join(root, name)
        for f in sorted(os.listdir(folder)):
            if f.startswith("."):
                continue
            with Image.open(os.path.join(folder, f)) as im:
                a = np.asarray(im.convert("RGB") if im.mode not in ("L", "I;16", "I", "F") else im,
                               dtype=np.float32)
            images.append(a[None] if a.ndim == 2 else a.transpose(2, 0, 1))
            labels.append(c)
    return classes, np.stack(images), np.array(labels)


def stratified_split(labels, fraction, seed):
    r = np.random.default_rng(seed)
    train, val = [], []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        r.shuffle(idx)
        n = int(round(fraction * len(idx)))
        val.extend(idx[:n])
        train.extend(idx[n:])
    return np.sort(train), np.sort(val)


def shift(x, g):
    """Each image moved by whole pixels, up to 10 % of its size each way; uncovered pixels 0."""
    n, _, h, w = x.shape
    mh, mw = h // 10, w // 10
    out = torch.zeros_like(x)
    dy = torch.randint(-mh, mh + 1, (n,), generator=g).tolist()
    dx = torch.randint(-mw, mw + 1, (n,), generator=g).tolist()
    for i in range(n):
        y0, x0 = max(0, dy[i]), max(0, dx[i])
        y1, x1 = h + min(0, dy[i]), w + min(0, dx[i])
        out[i, :, y0:y1, x0:x1] = x[i, :, y0 - dy[i]:y1 - dy[i], x0 - dx[i]:x1 - dx[i]]
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--folder", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--arch", choices=sorted(NETWORKS), default="lenet")
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--validation", type=float, default=0.1)
    p.add_argument("--threads", type=int, default=0, help="0 = PyTorch's default")
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    g = torch.Generator().manual_seed(a.seed)

    t0 = time.perf_counter()
    classes, x, y = read_folder(a.folder)
    read_seconds = time.perf_counter() - t0
    train, val = stratified_split(y, a.validation, a.seed)
    mean = x[train].mean(axis=(0, 2, 3), dtype=np.float64)
    std = x[train].std(axis=(0, 2, 3), dtype=np.float64)
    std[std == 0] = 1
    x = torch.from_numpy(((x - mean[None, :, None, None]) / std[None, :, None, None]).astype(np.float32))
    y = torch.from_numpy(y.astype(np.int64))
    xt, yt, xv, yv = x[train], y[train], x[val], y[val]

    channels, size = x.shape[1], x.shape[2]
    model = NETWORKS[a.arch](channels, size, len(classes))
    for m in model.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    weights = [m.weight for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    biases = [m.bias for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    opt = torch.optim.Adam([{"params": weights, "weight_decay": 1e-4}, {"params": biases, "weight_decay": 0.0}],
                           lr=1e-3)

    t1 = time.perf_counter()
    best_loss, best_acc = float("inf"), float("nan")
    for epoch in range(1, a.epochs + 1):
        model.train()
        order = torch.randperm(len(xt), generator=g)
        for i in range(0, len(order), a.batch):
            b = order[i:i + a.batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(shift(xt[b], g)), yt[b])
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(xv[i:i + a.batch]) for i in range(0, len(xv), a.batch)])
            vloss = F.cross_entropy(logits, yv).item()
            vacc = (logits.argmax(1) == yv).float().mean().item()
        torch.save(model.state_dict(), a.model + "-last.pt")
        if vloss < best_loss:
            best_loss, best_acc = vloss, vacc
            torch.save(model.state_dict(), a.model + ".pt")
        print("epoch %d: validation loss %.4f accuracy %.4f" % (epoch, vloss, vacc), flush=True)
    train_seconds = time.perf_counter() - t1
    print("done %.3f %.3f %.3f %.4f %d" % (time.perf_counter() - START, read_seconds, train_seconds, best_acc,
                                           peak_kb()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
