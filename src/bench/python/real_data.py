#!/usr/bin/env python3
"""Real images that ship with Debian's python3-sklearn and python3-skimage (nothing is downloaded), as folders of
PNGs in ConvKit's layout (one subfolder per class), for checking the training defaults on real data
(src/bench/accuracy.sh; results in docs/accuracy.md).

  real_data.py export OUT    writes OUT/<set>/train/<class>/*.png and OUT/<set>/test/<class>/*.png for the sets
                             digits   scikit-learn's 1,797 real handwritten digits (8x8, 17 grey levels, UCI),
                                      a stratified seeded 75/25 split
                             textures scikit-image's brick, grass and gravel photographs (512x512 gray) cut into
                                      32x32 patches: training from the top three quarters (stride 16), testing from
                                      the bottom quarter (no overlap with training)
                             photos   four RGB photographs (immunohistochemistry, astronaut, coffee, rocket) cut into
                                      32x32 RGB patches the same way: which photograph a patch comes from
                             photos64 the same photographs cut into 64x64 RGB patches (Small VGG's size), training
                                      patches at stride 32, test patches at stride 32 too (they overlap each other,
                                      never a training patch): ~620 / ~180
                             photos64r photos64's test patches; the training part of each photograph cut into 2 x 4
                                      tiles first, patches (stride 32) within a tile only, saved as
                                      t<row><column>_<n>.png: eight source images for split=[By image] (tile t03 of
                                      every photograph is one "field"; patches of different tiles share no pixel)
  real_data.py reference OUT  a classical reference on the same exported files: scikit-learn's SVC (RBF kernel,
                             defaults, pixels scaled to 0..1) trained on OUT/<set>/train, tested on OUT/<set>/test
  real_data.py score CSV     accuracy of a "Classify Folder with CNN" CSV (recursive, so the file column starts
                             with the true class folder): prints "ACCURACY RIGHT TOTAL"
"""
import csv
import os
import sys

import numpy as np
from PIL import Image

SETS = ("digits", "textures", "photos", "photos64", "photos64r")


def save(img, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(img).save(path)


def digits(out):
    from sklearn.datasets import load_digits
    d = load_digits()
    x = np.clip(np.round(d.images * 255.0 / 16.0), 0, 255).astype(np.uint8)  # 0..16 -> 0..255
    r = np.random.default_rng(0)
    for c in range(10):
        idx = np.flatnonzero(d.target == c)
        r.shuffle(idx)
        n_test = int(round(0.25 * len(idx)))
        for k, i in enumerate(idx):
            part = "test" if k < n_test else "train"
            save(x[i], os.path.join(out, "digits", part, str(c), "d%04d.png" % i))


def patches(out, name, images, size=32, test_stride=None):
    for cls, img in images.items():
        h = img.shape[0]
        split = (h * 3 // 4) // size * size  # training rows above, testing rows below
        for part, y0, y1, stride in (("train", 0, split, size // 2), ("test", split, h, test_stride or size)):
            k = 0
            for y in range(y0, y1 - size + 1, stride):
                for x in range(0, img.shape[1] - size + 1, stride):
                    save(img[y:y + size, x:x + size], os.path.join(out, name, part, cls, "p%05d.png" % k))
                    k += 1


def tiles(out, name, images, size=64, rows=2, columns=4):
    """Training patches within each of ROWS x COLUMNS tiles of the top three quarters; test patches as photos64."""
    for cls, img in images.items():
        h, w = img.shape[:2]
        split = (h * 3 // 4) // size * size
        k = 0
        for r in range(rows):
            y0, y1 = r * split // rows, (r + 1) * split // rows
            for c in range(columns):
                x0, x1 = c * w // columns, (c + 1) * w // columns
                for y in range(y0, y1 - size + 1, size // 2):
                    for x in range(x0, x1 - size + 1, size // 2):
                        save(img[y:y + size, x:x + size],
                             os.path.join(out, name, "train", cls, "t%d%d_%05d.png" % (r, c, k)))
                        k += 1
        k = 0
        for y in range(split, h - size + 1, size // 2):
            for x in range(0, w - size + 1, size // 2):
                save(img[y:y + size, x:x + size], os.path.join(out, name, "test", cls, "p%05d.png" % k))
                k += 1


def export(out):
    import skimage.data as data
    digits(out)
    patches(out, "textures", {"brick": data.brick(), "grass": data.grass(), "gravel": data.gravel()})
    photos = {"ihc": data.immunohistochemistry(), "astronaut": data.astronaut(), "coffee": data.coffee(),
              "rocket": data.rocket()}
    patches(out, "photos", photos)
    patches(out, "photos64", photos, size=64, test_stride=32)  # 64-pixel steps would leave ~60 test patches
    tiles(out, "photos64r", photos)
    for name in SETS:
        for part in ("train", "test"):
            root = os.path.join(out, name, part)
            counts = {c: len(os.listdir(os.path.join(root, c))) for c in sorted(os.listdir(root))}
            print("%s/%s: %d images %s" % (name, part, sum(counts.values()), counts))


def load(root):
    xs, ys = [], []
    for c in sorted(os.listdir(root)):
        for f in sorted(os.listdir(os.path.join(root, c))):
            xs.append(np.asarray(Image.open(os.path.join(root, c, f)), dtype=np.float32).ravel() / 255.0)
            ys.append(c)
    return np.stack(xs), np.array(ys)


def reference(out):
    from sklearn.svm import SVC
    for name in SETS:
        x, y = load(os.path.join(out, name, "train"))
        xt, yt = load(os.path.join(out, name, "test"))
        right = int((SVC().fit(x, y).predict(xt) == yt).sum())
        print("%s: SVC test accuracy %.4f (%d of %d)" % (name, right / len(yt), right, len(yt)))


def score(path):
    right = total = 0
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            truth = row["file"].replace("\\", "/").split("/")[0]
            right += row["class"] == truth
            total += 1
    print("%.4f %d %d" % (right / total if total else float("nan"), right, total))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("export", "reference", "score"):
        sys.exit(__doc__)
    {"export": export, "reference": reference, "score": score}[sys.argv[1]](sys.argv[2])
