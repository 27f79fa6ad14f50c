package org.convkit.core.cnn.net;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.FloatPointer;

import java.nio.FloatBuffer;

import static org.bytedeco.dnnl.global.dnnl.*;

/**
 * The weight and bias gradient of a block's first convolution when its input has one channel, as one batched matrix
 * product on the error in the layout the layer above wrote it: for each image n and block of channels,
 * {@code C[n][b] = col[n] × E[n][b]}, where {@code col[n]} holds the image's kernel windows ({@link Im2Col}'s columns:
 * a row per kernel tap, a last row of ones for the bias) and {@code E[n][b]} is that block of channels' error, pixel
 * by pixel; the sum over the images is the gradient.
 * <p>
 * Why: with AVX2 only, oneDNN 2.5 has no fast weight gradient for one input channel in its blocked layout (its
 * reference kernel, seconds a step), so ConvKit reordered the error to NCHW for oneDNN's im2col-and-product kernel:
 * 4.2 + 14.7 ms of a narrowed one-thread Small VGG 64×64 step, 5.5 + 7.4 ms with two threads, where this takes
 * about 5 and 4 (docs/benchmarks.md, "The first layer's weight gradient as one product"). With AVX-512 oneDNN's own
 * kernel is faster (1.8 ms) and the block keeps it.
 */
final class OneChannelWeightGradient {
	private final FusedBlockShape.Geometry g;
	/** Kernel taps, and columns of {@code C} per image and block: taps plus the bias's row of ones. */
	private final int taps, rows;
	/** Channels per block of the error's layout, blocks (the last one padded where the channels do not fill it). */
	private final int block, blocks;
	private final int pixels;
	private final Im2Col unfolding;
	private final matmul product;
	private final memory windows, error, result;
	private IntMemoryMap args;
	private float[] input, columns, products, sums;

	private OneChannelWeightGradient(PlanMemory d, FusedBlockShape.Geometry g, int block, memory.desc errorView) {
		this.g = g;
		this.block = block;
		blocks = (int) ((g.out + block - 1) / block);
		taps = (int) (g.kh * g.kw);
		rows = taps + 1;
		pixels = (int) (g.outH * g.outW);
		unfolding = new Im2Col(1, (int) g.inH, (int) g.inW, (int) g.kh, (int) g.kw, (int) g.sh, (int) g.sw,
				(int) g.padTop, (int) g.padLeft, (int) g.outH, (int) g.outW);
		// Im2Col's layout: row r of every image side by side, image n's pixels at n·pixels
		memory.desc windowsDesc = new memory.desc(new long[] { g.batch, 1, rows, pixels }, memory.data_type.f32,
				new long[] { pixels, pixels, g.batch * pixels, 1 });
		memory.desc resultDesc = Dnnl.desc(new long[] { g.batch, blocks, rows, block }, memory.format_tag.abcd);
		// made first: oneDNN refuses here (an exception) before any memory joins the plan
		product = new matmul(new matmul.primitive_desc(new matmul.desc(windowsDesc, errorView, resultDesc),
				d.engine));
		windows = d.owned(windowsDesc);
		result = d.owned(resultDesc);
		error = d.user(errorView);
	}

	/**
	 * The product for a first layer of geometry {@code g} on one-channel input laid out as {@code srcDesc}, its error
	 * as {@code errorDesc}; null when the input has more than one channel or a layout this does not read (then the
	 * caller keeps oneDNN's kernels).
	 */
	static OneChannelWeightGradient of(PlanMemory d, FusedBlockShape.Geometry g, memory.desc srcDesc,
			memory.desc errorDesc) {
		long[] in = { g.batch, 1, g.inH, g.inW }, out = { g.batch, g.out, g.outH, g.outW };
		if (g.in != 1 || !srcDesc.equals(Dnnl.desc(in, memory.format_tag.nchw))
				&& !srcDesc.equals(Dnnl.desc(in, memory.format_tag.nhwc)))
			return null;
		long pixels = g.outH * g.outW;
		for (Object[] layout : new Object[][] { { memory.format_tag.aBcd8b, 8 }, { memory.format_tag.aBcd16b, 16 },
				{ memory.format_tag.nhwc, (int) g.out }, { memory.format_tag.nchw, 1 } }) {
			if (!errorDesc.equals(Dnnl.desc(out, (memory.format_tag) layout[0]))) continue;
			int block = (int) layout[1];
			long blocks = (g.out + block - 1) / block;
			// E[n][b]: pixels × channels of block b (rows of `block` values, one pixel apart)
			long pixelStep = layout[0] == memory.format_tag.nchw ? 1 : block;
			long blockStep = layout[0] == memory.format_tag.nchw ? pixels : pixels * block;
			memory.desc view = new memory.desc(new long[] { g.batch, blocks, pixels, block }, memory.data_type.f32,
					new long[] { blocks * blockStep, blockStep, pixelStep, layout[0] == memory.format_tag.nchw
							? pixels : 1 });
			try {
				return new OneChannelWeightGradient(d, g, block, view);
			} catch (RuntimeException refused) { // oneDNN has no product for these strides
				return null;
			}
		}
		return null;
	}

	/**
	 * Writes the gradients into {@code weightGrad} (OIHW, one input channel) and {@code biasGrad}, from the layer's
	 * input {@code src} and its error {@code err} (ReLU's backprop already applied).
	 */
	void run(PlanMemory d, memory src, memory err, memory weightGrad, memory biasGrad) {
		int n = (int) g.batch;
		if (args == null) {
			input = new float[n * (int) (g.inH * g.inW)];
			columns = new float[rows * n * pixels];
			unfolding.fillSpreadOnes(columns, n); // the bias's row, never overwritten
			products = new float[n * blocks * rows * block];
			sums = new float[(int) g.out * rows];
			args = Dnnl.args(DNNL_ARG_SRC, windows, DNNL_ARG_WEIGHTS, error, DNNL_ARG_DST, result);
		}
		floats(src, input.length).get(input);
		unfolding.fillSpreadNchw(input, n, columns);
		floats(windows, columns.length).put(columns);
		error.set_data_handle(err.get_data_handle());
		product.execute(d.stream, args);
		d.stream._wait();
		sumOverImages(floats(result, g.batch * blocks * rows * block));
		FloatBuffer wg = floats(weightGrad, g.out * taps), bg = floats(biasGrad, g.out);
		for (int c = 0; c < g.out; c++) {
			wg.put(sums, c * rows, taps);
			bg.put(sums[c * rows + taps]);
		}
	}

	/** {@link #sums}[c][row]: the sum over the images of {@code C[n][c / block][row][c % block]}. */
	private void sumOverImages(FloatBuffer c) {
		c.get(products);
		int perImage = blocks * rows * block;
		for (int ch = 0; ch < g.out; ch++)
			for (int r = 0; r < rows; r++) {
				int at = (ch / block) * rows * block + r * block + ch % block;
				double s = 0;
				for (int n = 0; n < g.batch; n++)
					s += products[n * perImage + at];
				sums[ch * rows + r] = (float) s;
			}
	}

	private static FloatBuffer floats(memory m, long count) {
		return new FloatPointer(m.get_data_handle()).capacity(count).asBuffer();
	}
}
