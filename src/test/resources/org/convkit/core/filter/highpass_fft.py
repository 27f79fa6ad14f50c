"""Independent numpy reference for ConvKit's FFT high-pass.
argv: in.raw out.raw width height top bottom left right cutoff order
in.raw: float32 little-endian, row-major; out.raw: float64 little-endian, same size."""
import sys
import numpy as np

inp, out = sys.argv[1], sys.argv[2]
w, h, top, bottom, left, right = (int(a) for a in sys.argv[3:9])
cutoff, order = float(sys.argv[9]), int(sys.argv[10])
img = np.fromfile(inp, dtype='<f4').astype(np.float64).reshape(h, w)
padded = np.pad(img, ((top, bottom), (left, right)), mode='symmetric')
ph, pw = padded.shape
fu = np.fft.fftfreq(pw)[None, :]
fv = np.fft.fftfreq(ph)[:, None]
f = np.sqrt(fu ** 2 + fv ** 2)
fc = 1.0 / cutoff
if order == 0:
    H = (f >= fc).astype(np.float64)
else:
    with np.errstate(divide='ignore'):
        H = 1.0 / (1.0 + (fc / f) ** (2 * order))
    H[f == 0] = 0.0
res = np.real(np.fft.ifft2(np.fft.fft2(padded) * H))
res[top:top + h, left:left + w].astype('<f8').tofile(out)
