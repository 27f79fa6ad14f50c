package org.convkit.core.cnn.net;

import java.util.Arrays;

/**
 * Unfolds images into convolution columns for {@link ColumnConvolutionLayer} and {@link SmallBatchForward}, and folds
 * columns back into images (the input gradient, {@link #foldSpread}): row
 * {@code (c·kH + ky)·kW + kx} holds input pixel {@code (c, oy·sH + ky − padTop, ox·sW + kx − padLeft)} for every
 * output position {@code oy·outW + ox} of every image (0 outside the image), and a last row of ones, so one matrix
 * product gives the weight and the bias gradient (or adds the bias). Plain Java on
 * {@code float[]}: with stride 1 each output row is one array copy, which is several times faster than libnd4j's
 * {@code im2col} op for the small first-layer inputs it is used on (measured, see docs/benchmarks.md).
 */
final class Im2Col {
	private final int channels, height, width, kernelH, kernelW, strideH, strideW, padTop, padLeft, outH, outW;

	Im2Col(int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padTop,
			int padLeft, int outH, int outW) {
		this.channels = channels;
		this.height = height;
		this.width = width;
		this.kernelH = kernelH;
		this.kernelW = kernelW;
		this.strideH = strideH;
		this.strideW = strideW;
		this.padTop = padTop;
		this.padLeft = padLeft;
		this.outH = outH;
		this.outW = outW;
	}

	/**
	 * For stride 1: the unfolding of a layer's error ({@code errorChannels} planes of {@code outH × outW}) whose rows,
	 * multiplied by the weights with their taps flipped ({@code [C][errorChannels·kH·kW]}), give the input gradient at
	 * the input's {@code height × width} positions — the convolution's backward pass as one more forward convolution,
	 * with padding {@code k − 1 − pad}. Null for strides above 1 or padding outside {@code 0 .. k − 1}: those fold
	 * ({@link #foldSpread}).
	 */
	Im2Col transposed(int errorChannels) {
		if (strideH != 1 || strideW != 1 || padTop < 0 || padLeft < 0 || padTop >= kernelH || padLeft >= kernelW)
			return null;
		return new Im2Col(errorChannels, outH, outW, kernelH, kernelW, 1, 1, kernelH - 1 - padTop,
				kernelW - 1 - padLeft, height, width);
	}

	/** Rows per image: one per kernel tap and channel, plus the row of ones. */
	int rows() {
		return channels * kernelH * kernelW + 1;
	}

	int outH() {
		return outH;
	}

	/** The unfolded planes' height and width (the input's). */
	int height() {
		return height;
	}

	int width() {
		return width;
	}

	int outW() {
		return outW;
	}

	/** Output positions per image. */
	int positions() {
		return outH * outW;
	}

	/**
	 * Unfolds {@code n} images held channel-major ({@code [C][n][H][W]}, the layout of {@link SmallBatchForward}) side
	 * by side: row r of all images is one row of {@code n·positions} values, image i's positions at {@code i·positions},
	 * so that one matrix product serves the whole batch. Row by row, so that the writes go from one end of the array to
	 * the other (image by image they jumped between rows: LeNet's second layer took 9.6 instead of 5.5 ms for 64
	 * images). The ones row is {@link #fillSpreadOnes}'s.
	 */
	void fillSpread(float[] channelMajor, int n, float[] columns) {
		eachTap(channelMajor, n, columns, true, false);
	}

	/** {@link #fillSpread} for {@code n} images held NCHW ({@code [n][C][H][W]}, DL4J's layout). */
	void fillSpreadNchw(float[] images, int n, float[] columns) {
		eachTap(images, n, columns, false, false);
	}

	/**
	 * The reverse of {@link #fillSpreadNchw}: adds each column value of {@code n} images' spread columns (the ones row,
	 * if present, is not read) to the input pixel it was taken from, in {@code images} ({@code [n][C][H][W]}, which the
	 * caller zeroes). Columns of the input gradient, {@code weightsᵀ · error}, fold into the input gradient this way.
	 */
	void foldSpread(float[] columns, int n, float[] images) {
		eachTap(images, n, columns, false, true);
	}

	/** Every kernel tap of every image, row by row of the columns: unfolds it or, with {@code fold}, folds it back. */
	private void eachTap(float[] images, int n, float[] columns, boolean channelMajor, boolean fold) {
		int plane = height * width, rowLength = n * positions();
		for (int c = 0; c < channels; c++)
			for (int ky = 0; ky < kernelH; ky++)
				for (int kx = 0; kx < kernelW; kx++) {
					int row = ((c * kernelH + ky) * kernelW + kx) * rowLength;
					for (int i = 0; i < n; i++) {
						int image = (channelMajor ? c * n + i : i * channels + c) * plane, column = row + i * positions();
						if (fold) foldTap(columns, column, images, image, ky, kx);
						else unfoldTap(images, image, columns, column, ky, kx);
					}
				}
	}

	private void foldTap(float[] columns, int src, float[] images, int plane, int ky, int kx) {
		for (int oy = 0; oy < outH; oy++, src += outW) {
			int iy = oy * strideH + ky - padTop;
			if (iy < 0 || iy >= height) continue;
			int row = plane + iy * width;
			if (strideW == 1) {
				int ox0 = Math.max(0, padLeft - kx), ox1 = Math.min(outW, width + padLeft - kx);
				int shift = row + kx - padLeft;
				for (int ox = ox0; ox < ox1; ox++) images[shift + ox] += columns[src + ox];
			} else {
				for (int ox = 0; ox < outW; ox++) {
					int ix = ox * strideW + kx - padLeft;
					if (ix >= 0 && ix < width) images[row + ix] += columns[src + ox];
				}
			}
		}
	}

	/** The ones row of {@link #fillSpread}'s layout for {@code n} images. */
	void fillSpreadOnes(float[] columns, int n) {
		int rowLength = n * positions();
		Arrays.fill(columns, (rows() - 1) * rowLength, rows() * rowLength, 1f);
	}

	/** One kernel tap of one image plane starting at {@code plane}: its {@code positions()} values from {@code dst}. */
	private void unfoldTap(float[] images, int plane, float[] columns, int dst, int ky, int kx) {
		for (int oy = 0; oy < outH; oy++, dst += outW) {
			int iy = oy * strideH + ky - padTop;
			if (iy < 0 || iy >= height) {
				Arrays.fill(columns, dst, dst + outW, 0f);
				continue;
			}
			int row = plane + iy * width;
			if (strideW == 1) {
				int ox0 = Math.max(0, padLeft - kx), ox1 = Math.min(outW, width + padLeft - kx);
				// the padding's few zeros in plain loops: Arrays.fill's call cost more than a zero or two (6 % of
				// Small VGG's training step at 64×64 went to these calls)
				for (int ox = 0, end = Math.min(ox0, outW); ox < end; ox++) columns[dst + ox] = 0f;
				if (ox1 > ox0) System.arraycopy(images, row + ox0 + kx - padLeft, columns, dst + ox0, ox1 - ox0);
				for (int ox = Math.max(ox1, 0); ox < outW; ox++) columns[dst + ox] = 0f;
			} else {
				for (int ox = 0; ox < outW; ox++) {
					int ix = ox * strideW + kx - padLeft;
					columns[dst + ox] = ix < 0 || ix >= width ? 0f : images[row + ix];
				}
			}
		}
	}
}
