package org.convkit.core.cnn.net;

/**
 * The unfolding of a stride-1 convolution's input along the width only, and its reverse. {@link Im2Col} copies every
 * input value once per kernel tap (25 times for a 5 × 5 kernel: LeNet's second layer unfolds 64 images into 8 MB of
 * columns); here each value is copied once per kernel column ({@code kW} times), into rows {@code (c, kx)} that hold,
 * for every padded input row {@code y}, image {@code i} and output column {@code ox}, the input pixel
 * {@code (c, y − padTop, ox + kx − padLeft)} (0 outside the image): layout {@code [C·kW][Hp][n][outW]} with
 * {@code Hp = outH + kH − 1}. For kernel row {@code ky}, output row {@code oy} needs padded row {@code oy + ky}, so the
 * columns of all output positions {@code (oy, i, ox)} are one contiguous run of every row, starting at
 * {@link #shift}{@code (ky)}: a {@code C·kW × outH·n·outW} matrix with the row length as leading dimension. A
 * convolution is then {@code kH} products {@code W_ky · U_ky}, with {@code W_ky} the weights of kernel row {@code ky}
 * laid out {@code [nOut][C·kW]} ({@link #weightsByRow}); its backprop the products' transposes
 * ({@link WidthUnfoldedBackprop}).
 */
final class WidthUnfolding {
	/**
	 * The least product depth {@code C·kW} taken this way: thinner products run far below OpenBLAS's speed (LeNet's
	 * first layer, 1 channel × 5, would be five rank-5 updates of its whole output).
	 */
	static final int MIN_DEPTH = 32;
	/** {@code -Dconvkit.widthUnfolding=false} leaves every convolution to the other paths (for benchmarks). */
	static final String PROPERTY = "convkit.widthUnfolding";

	final int channels, height, width, kernelH, kernelW, padTop, padLeft, outH, outW;

	/** Input planes {@code height × width}, stride 1, the given top-left padding and output size. */
	WidthUnfolding(int channels, int height, int width, int kernelH, int kernelW, int padTop, int padLeft, int outH,
			int outW) {
		this.channels = channels;
		this.height = height;
		this.width = width;
		this.kernelH = kernelH;
		this.kernelW = kernelW;
		this.padTop = padTop;
		this.padLeft = padLeft;
		this.outH = outH;
		this.outW = outW;
	}

	/** Whether a stride-1 layer with this many input channels and kernel width gains from this path. */
	static boolean suits(int channels, int kernelW) {
		return (long) channels * kernelW >= MIN_DEPTH && FastTraining.switchedOn(PROPERTY);
	}

	/** The products' depth, rows of the unfolding: {@code C·kW}. */
	int depth() {
		return channels * kernelW;
	}

	/** Values per row of the unfolding for {@code n} images. */
	int rowLength(int n) {
		return (outH + kernelH - 1) * n * outW;
	}

	/** Output positions of {@code n} images: the products' width. */
	int positions(int n) {
		return outH * n * outW;
	}

	/** Where kernel row {@code ky}'s matrix starts in each row. */
	int shift(int ky, int n) {
		return ky * n * outW;
	}

	/**
	 * Unfolds {@code n} images, channel-major ({@code [C][n][H][W]}) or NCHW ({@code [n][C][H][W]}), into
	 * {@code rows} ({@link #depth()} × {@link #rowLength}).
	 */
	void unfold(float[] in, int n, boolean channelMajor, float[] rows) {
		int plane = height * width, paddedH = outH + kernelH - 1;
		for (int c = 0, dst = 0; c < channels; c++)
			for (int kx = 0; kx < kernelW; kx++) {
				int x0 = Math.max(0, padLeft - kx), x1 = Math.min(outW, width + padLeft - kx);
				for (int y = 0; y < paddedH; y++) {
					int iy = y - padTop;
					for (int i = 0; i < n; i++, dst += outW) {
						if (iy < 0 || iy >= height || x1 <= x0) {
							for (int ox = 0; ox < outW; ox++) rows[dst + ox] = 0f;
							continue;
						}
						int src = (channelMajor ? c * n + i : i * channels + c) * plane + iy * width + kx - padLeft;
						for (int ox = 0; ox < x0; ox++) rows[dst + ox] = 0f;
						// a plain loop: runs are a few values long, shorter than an array copy's call is worth
						for (int ox = x0; ox < x1; ox++) rows[dst + ox] = in[src + ox];
						for (int ox = x1; ox < outW; ox++) rows[dst + ox] = 0f;
					}
				}
			}
	}

	/**
	 * The reverse of {@link #unfold} for NCHW images: every value of {@code rows} that came from an input pixel is added
	 * to that pixel of {@code nchw}, which the caller zeroes (values at padding positions are dropped). The input
	 * gradient folds back from the products' transposes this way.
	 */
	void fold(float[] rows, int n, float[] nchw) {
		int plane = height * width, rowLength = rowLength(n);
		for (int c = 0; c < channels; c++)
			for (int kx = 0; kx < kernelW; kx++) {
				int x0 = Math.max(0, padLeft - kx), x1 = Math.min(outW, width + padLeft - kx);
				int row = (c * kernelW + kx) * rowLength;
				for (int iy = 0; iy < height; iy++) {
					int y = iy + padTop;
					if (y >= outH + kernelH - 1) break;
					for (int i = 0; i < n; i++) {
						int src = row + (y * n + i) * outW, dst = (i * channels + c) * plane + iy * width + kx - padLeft;
						for (int ox = x0; ox < x1; ox++) nchw[dst + ox] += rows[src + ox];
					}
				}
			}
	}

	/** DL4J's weights {@code [nOut][C][kH][kW]} as {@code kH} matrices {@code [nOut][C·kW]}, one per kernel row. */
	float[] weightsByRow(float[] w, int nOut, float[] reuse) {
		int depth = depth();
		float[] byRow = reuse != null && reuse.length == kernelH * nOut * depth ? reuse : new float[kernelH * nOut * depth];
		for (int o = 0; o < nOut; o++)
			for (int c = 0; c < channels; c++)
				for (int ky = 0; ky < kernelH; ky++)
					for (int kx = 0; kx < kernelW; kx++)
						byRow[(ky * nOut + o) * depth + c * kernelW + kx] = w[((o * channels + c) * kernelH + ky) * kernelW + kx];
		return byRow;
	}

	/**
	 * {@code kH} matrices {@code [C·kW][nOut]}, one per kernel row (the transposes of {@link #weightsByRow}'s), in
	 * DL4J's order {@code [nOut][C][kH][kW]}.
	 */
	float[] weightsFromColumns(float[] byColumn, int nOut) {
		int depth = depth();
		float[] w = new float[nOut * channels * kernelH * kernelW];
		for (int o = 0; o < nOut; o++)
			for (int c = 0; c < channels; c++)
				for (int ky = 0; ky < kernelH; ky++)
					for (int kx = 0; kx < kernelW; kx++)
						w[((o * channels + c) * kernelH + ky) * kernelW + kx] =
								byColumn[(ky * depth + c * kernelW + kx) * nOut + o];
		return w;
	}
}
