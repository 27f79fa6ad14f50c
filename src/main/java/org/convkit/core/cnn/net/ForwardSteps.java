package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The layers of {@link SmallBatchForward}, each on a whole batch of {@code n} images. Between spatial layers a batch
 * is held channel-major, {@code [C][n][H][W]}: a convolution's one product {@code [out × taps]·[taps × n·H·W]} gives
 * exactly that ({@link WidthUnfoldedConvolution}'s products reorder to it), and pooling works plane by plane whatever
 * the order. Dense layers hold it feature-major, {@code [features][n]} (image i in column i), so that {@code Wᵀ·X}
 * chains from one dense layer to the next without reordering; the first dense layer after the convolutions reorders
 * once ({@link #toFeatureMajor}).
 */
final class ForwardSteps {
	private ForwardSteps() {
	}

	/** One layer: a batch of n images in, a batch out, in the layouts above (an array of the step's own, reused). */
	interface Step {
		float[] apply(float[] in, int n);
	}

	/** An activation applied in place to a range of values (a loop of its own per kind, for the JIT). */
	interface Act {
		void applyAll(float[] z, int from, int to);
	}

	/** Null when not covered. */
	static Act activation(IActivation a) {
		if (a instanceof ActivationIdentity) return (z, from, to) -> {
		};
		if (a.getClass() == org.nd4j.linalg.activations.impl.ActivationReLU.class)
			return Relu.isPlain(a) ? Relu::apply : null;
		if (a instanceof ActivationLReLU) {
			float alpha = (float) ((ActivationLReLU) a).getAlpha();
			return (z, from, to) -> {
				for (int i = from; i < to; i++) z[i] = z[i] < 0 ? alpha * z[i] : z[i];
			};
		}
		if (a instanceof ActivationTanH) return (z, from, to) -> {
			for (int i = from; i < to; i++) z[i] = (float) Math.tanh(z[i]);
		};
		if (a instanceof ActivationSigmoid) return (z, from, to) -> {
			for (int i = from; i < to; i++) z[i] = (float) (1 / (1 + Math.exp(-z[i])));
		};
		if (a instanceof ActivationELU) {
			double alpha = ((ActivationELU) a).getAlpha();
			return (z, from, to) -> {
				for (int i = from; i < to; i++) z[i] = z[i] >= 0 ? z[i] : (float) (alpha * (Math.exp(z[i]) - 1));
			};
		}
		return null;
	}

	/**
	 * {@code weights [rows × inner] · data [inner × cols]} on OpenBLAS, cols = the batch's width: arrays made for the
	 * last batch size used and kept (a folder's batches all have one size but the last).
	 */
	private static final class Product {
		final INDArray weights;
		final int rows, inner, perImage;
		private int n = -1;
		private INDArray data, result;
		private FloatBuffer dataBuffer, resultBuffer;
		private float[] out;

		Product(float[] weightValues, int rows, int inner, int perImage) {
			weights = NdArrays.array(weightValues, rows, inner);
			this.rows = rows;
			this.inner = inner;
			this.perImage = perImage;
		}

		/**
		 * {@code weights · values}, values being {@code [inner × n·perImage]}; the result is this product's own array,
		 * overwritten by the next call (large arrays made per call cost more than the product: G1 allocates them
		 * outside its regions).
		 */
		float[] times(float[] values, int images) {
			if (images != n) {
				data = NdArrays.detached(null, inner, (long) images * perImage);
				result = NdArrays.detached(null, rows, (long) images * perImage);
				dataBuffer = data.data().asNioFloat();
				resultBuffer = result.data().asNioFloat();
				out = new float[rows * images * perImage];
				n = images;
			}
			dataBuffer.position(0);
			dataBuffer.put(values, 0, inner * images * perImage);
			SmallProducts.multiply(weights, data, result, rows, images * perImage, inner);
			resultBuffer.position(0);
			resultBuffer.get(out);
			return out;
		}
	}

	/** {@link WindowGeometry#of} for an input of {@code c × h × w}. */
	private static int[] geometry(ConvolutionMode mode, int[] k, int[] s, int[] padding, int[] dilation, int c, int h,
			int w) {
		return WindowGeometry.of(Nd4j.create(DataType.FLOAT, 1, c, h, w), mode, k, s, padding, dilation);
	}

	/**
	 * A convolution with bias: the columns of all images side by side, one product, the bias as a row of ones; or, for
	 * stride 1 where the products stay deep enough, {@link WidthUnfoldedConvolution}'s products.
	 */
	static final class Convolution implements Step {
		final Im2Col unfold;
		final Product product;
		final Act act;
		/** The stride-1 path, or null. */
		final WidthUnfoldedConvolution byRows;
		private float[] columns;
		private int columnsFor = -1;

		private Convolution(Im2Col unfold, Product product, Act act, WidthUnfoldedConvolution byRows) {
			this.unfold = unfold;
			this.product = product;
			this.act = act;
			this.byRows = byRows;
		}

		static Convolution of(Layer layer, ConvolutionLayer cl, int c, int h, int w) {
			int[] k = cl.getKernelSize(), s = cl.getStride();
			int[] g = geometry(cl.getConvolutionMode(), k, s, cl.getPadding(), cl.getDilation(), c, h, w);
			if (g == null) return null;
			Im2Col unfold = new Im2Col(c, h, w, k[0], k[1], s[0], s[1], g[2], g[3], g[0], g[1]);
			int nOut = (int) cl.getNOut();
			float[] weights = NdArrays.floats(layer.getParam("W"), null), bias = NdArrays.floats(layer.getParam("b"),
					null);
			Act act = activation(cl.getActivationFn());
			if (s[0] == 1 && s[1] == 1 && WidthUnfolding.suits(c, k[1]))
				return new Convolution(unfold, null, act, new WidthUnfoldedConvolution(
						new WidthUnfolding(c, h, w, k[0], k[1], g[2], g[3], g[0], g[1]), weights, bias, nOut, act));
			float[] withBias = BiasRow.weightsWithBias(weights, bias, nOut, unfold.rows());
			return new Convolution(unfold, new Product(withBias, nOut, unfold.rows(), unfold.positions()), act, null);
		}

		@Override
		public float[] apply(float[] in, int n) {
			if (byRows != null) return byRows.apply(in, n);
			if (columnsFor != n) {
				columns = new float[unfold.rows() * n * unfold.positions()];
				unfold.fillSpreadOnes(columns, n);
				columnsFor = n;
			}
			unfold.fillSpread(in, n, columns);
			float[] z = product.times(columns, n); // [nOut][n][outH·outW]: channel-major again
			act.applyAll(z, 0, z.length);
			return z;
		}
	}

	/** Max or average pooling, plane by plane. */
	static final class Pooling implements Step {
		final boolean max, includePad;
		final int c, h, w, kh, kw, sh, sw, padTop, padLeft, outH, outW;
		private float[] out = new float[0];

		private Pooling(boolean max, boolean includePad, int c, int h, int w, int[] k, int[] s, int[] pad, int[] out) {
			this.max = max;
			this.includePad = includePad;
			this.c = c;
			this.h = h;
			this.w = w;
			kh = k[0];
			kw = k[1];
			sh = s[0];
			sw = s[1];
			padTop = pad[0];
			padLeft = pad[1];
			outH = out[0];
			outW = out[1];
		}

		static Pooling of(SubsamplingLayer l, int c, int h, int w) {
			PoolingType t = l.getPoolingType();
			if ((t != PoolingType.MAX && t != PoolingType.AVG) || l.getCnn2dDataFormat() != CNN2DFormat.NCHW
					|| !Arrays.equals(l.getDilation(), new int[] { 1, 1 }))
				return null;
			int[] k = l.getKernelSize(), s = l.getStride();
			int[] g = geometry(l.getConvolutionMode(), k, s, l.getPadding(), l.getDilation(), c, h, w);
			if (g == null) return null;
			return new Pooling(t == PoolingType.MAX, l.isAvgPoolIncludePadInDivisor(), c, h, w, k, s,
					new int[] { g[2], g[3] }, new int[] { g[0], g[1] });
		}

		@Override
		public float[] apply(float[] in, int n) {
			if (out.length != c * n * outH * outW) out = new float[c * n * outH * outW];
			if (max && kh == 2 && kw == 2 && sh == 2 && sw == 2 && padTop == 0 && padLeft == 0 && 2 * outH <= h
					&& 2 * outW <= w)
				maxTwoByTwo(in, c * n, h, w, outH, outW, out);
			else
				anyWindow(in, c * n, out);
			return out;
		}

		/** Any window, stride and padding; for {@code planes} planes of this step's size. */
		void anyWindow(float[] in, int planes, float[] out) {
			for (int p = 0, o = 0; p < planes; p++) {
				int plane = p * h * w;
				for (int oy = 0; oy < outH; oy++)
					for (int ox = 0; ox < outW; ox++, o++) {
						int y0 = oy * sh - padTop, x0 = ox * sw - padLeft;
						float best = Float.NEGATIVE_INFINITY, sum = 0;
						int count = 0;
						for (int y = Math.max(0, y0); y < Math.min(h, y0 + kh); y++)
							for (int x = Math.max(0, x0); x < Math.min(w, x0 + kw); x++) {
								float v = in[plane + y * w + x];
								best = Math.max(best, v);
								sum += v;
								count++;
							}
						out[o] = max ? best : sum / (includePad ? kh * kw : count);
					}
			}
		}

		/**
		 * Max pooling's common case without bounds checks per window (the caller checks that every window lies
		 * inside): the same maxima as the general loop. (Comparing the floats' bits as {@link MaxPoolingLayer} does for
		 * ReLU outputs was tried here and not kept: in separate JVMs it was no faster than these three
		 * {@code Math.max} on ReLU outputs and slower on signed values.)
		 */
		static void maxTwoByTwo(float[] in, int planes, int h, int w, int outH, int outW, float[] out) {
			for (int p = 0, o = 0; p < planes; p++) {
				int plane = p * h * w;
				for (int oy = 0; oy < outH; oy++) {
					int r0 = plane + 2 * oy * w, r1 = r0 + w;
					for (int ox = 0, x = 0; ox < outW; ox++, o++, x += 2)
						out[o] = Math.max(Math.max(Math.max(in[r0 + x], in[r0 + x + 1]), in[r1 + x]), in[r1 + x + 1]);
				}
			}
		}
	}

	/**
	 * A dense layer {@code Wᵀ·X + b} on feature-major batches; {@code act} null for the output layer (the softmax
	 * comes after the last step).
	 */
	static final class Dense implements Step {
		final Product product;
		final float[] bias;
		final Act act;

		Dense(Layer layer, int nIn, int nOut, IActivation a) {
			bias = NdArrays.floats(layer.getParam("b"), null);
			// W is [nIn, nOut]; its transpose on the left keeps images as columns
			product = new Product(NdArrays.floats(layer.getParam("W").transpose(), null), nOut, nIn, 1);
			act = a == null ? null : activation(a);
		}

		@Override
		public float[] apply(float[] in, int n) {
			float[] z = product.times(in, n);
			for (int o = 0, i = 0; o < product.rows; o++) // row o: unit o of every image
				for (int end = i + n; i < end; i++)
					z[i] += bias[o];
			if (act != null) act.applyAll(z, 0, z.length);
			return z;
		}
	}

	/** Channel-major {@code [C][n][P]} to feature-major {@code [C·P][n]} (DL4J's NCHW flattening per image). */
	static Step toFeatureMajor(int channels, int positions) {
		return new Step() {
			private float[] out = new float[0];

			@Override
			public float[] apply(float[] in, int n) {
				if (n == 1) return in;
				if (out.length != in.length) out = new float[in.length];
				for (int c = 0, src = 0; c < channels; c++)
					for (int i = 0; i < n; i++)
						for (int p = 0, dst = c * positions * n + i; p < positions; p++, src++, dst += n)
							out[dst] = in[src];
				return out;
			}
		};
	}

	/** Images NCHW one after another to channel-major {@code [C][n][H·W]}. */
	static float[] toChannelMajor(float[] nchw, int n, int channels, int plane) {
		if (n == 1 || channels == 1) return nchw;
		float[] out = new float[nchw.length];
		for (int i = 0; i < n; i++)
			for (int c = 0; c < channels; c++)
				System.arraycopy(nchw, (i * channels + c) * plane, out, (c * n + i) * plane, plane);
		return out;
	}
}
