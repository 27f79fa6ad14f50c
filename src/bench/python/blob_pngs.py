"""Writes N seeded 28x28 8-bit grayscale PNGs in 10 class folders (class0 .. class9) under ROOT: a blob whose place
and size depend on the class, on noise. Used by the shell benchmarks that run the macro path on a folder.

Usage: python3 blob_pngs.py ROOT N   (needs numpy)
"""
import os
import struct
import sys
import zlib

import numpy as np


def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)


def main(root, n):
    rng = np.random.default_rng(42)
    yy, xx = np.mgrid[0:28, 0:28]
    for c in range(10):
        os.makedirs(os.path.join(root, 'class%d' % c), exist_ok=True)
    for i in range(n):
        c = i % 10
        cx, cy = 8 + 1.2 * c + rng.normal(0, 1), 14 + rng.normal(0, 2)
        img = rng.integers(0, 40, (28, 28)) + 200 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * (2 + 0.3 * c) ** 2))
        raw = b''.join(b'\x00' + row.tobytes() for row in np.clip(img, 0, 255).astype(np.uint8))
        with open(os.path.join(root, 'class%d' % c, 'img%06d.png' % i), 'wb') as f:
            f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 28, 28, 8, 0, 0, 0, 0))
                    + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]))
