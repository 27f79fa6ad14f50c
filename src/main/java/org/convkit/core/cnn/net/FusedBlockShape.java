package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;

/**
 * Which of a network's bottom layers a {@link FusedConvStack} takes, and their sizes for one batch: what the
 * configuration alone answers (the thread count's rule asks before there is a network: {@link FusedLayers#coverage}).
 */
final class FusedBlockShape {
	private FusedBlockShape() {
	}

	/** A layer's sizes for one batch: input channels and size, output channels and size, window, steps, padding. */
	static final class Geometry {
		final long batch, in, inH, inW, out, outH, outW, kh, kw, sh, sw, padTop, padLeft, padBottom, padRight;

		Geometry(long batch, long in, long inH, long inW, long out, long outH, long outW, long kh, long kw, long sh,
				long sw, long padTop, long padLeft) {
			this.batch = batch;
			this.in = in;
			this.inH = inH;
			this.inW = inW;
			this.out = out;
			this.outH = outH;
			this.outW = outW;
			this.kh = kh;
			this.kw = kw;
			this.sh = sh;
			this.sw = sw;
			this.padTop = padTop;
			this.padLeft = padLeft;
			// what makes oneDNN's size formula give DL4J's output size exactly (0 for every plan made here)
			padBottom = (outH - 1) * sh + kh - inH - padTop;
			padRight = (outW - 1) * sw + kw - inW - padLeft;
		}
	}

	/**
	 * How many of the bottom layers of a network so configured a block would take (0: none), whether or not oneDNN's
	 * library loads here.
	 */
	static int blockLength(MultiLayerConfiguration conf) {
		if (conf.getDataType() != DataType.FLOAT) return 0;
		int k = 0;
		for (int i = 0; i < conf.getConfs().size(); i++) {
			if (i > 0 && conf.getInputPreProcess(i) != null) break;
			org.deeplearning4j.nn.conf.layers.Layer c = conf.getConf(i).getLayer();
			if (c.getClass() == ConvolutionLayer.class && supported((ConvolutionLayer) c)) k++;
			else if (i > 0 && c.getClass() == SubsamplingLayer.class && supported((SubsamplingLayer) c)) k++;
			else break;
		}
		return k;
	}

	private static boolean supported(ConvolutionLayer c) {
		IActivation a = c.getActivationFn();
		return c.hasBias() && (Relu.isPlain(a) || a.getClass() == ActivationIdentity.class) && unit(c.getDilation())
				&& padding(c.getConvolutionMode(), c.getKernelSize(), c.getStride(), c.getPadding());
	}

	private static boolean supported(SubsamplingLayer s) {
		return (s.getPoolingType() == org.deeplearning4j.nn.conf.layers.PoolingType.MAX
				|| s.getPoolingType() == org.deeplearning4j.nn.conf.layers.PoolingType.AVG) && unit(s.getDilation())
				&& padding(s.getConvolutionMode(), s.getKernelSize(), s.getStride(), s.getPadding());
	}

	private static boolean unit(int[] dilation) {
		return dilation == null || dilation[0] == 1 && dilation[1] == 1;
	}

	/** "Same" with stride 1 and odd kernels (symmetric padding), or truncation without padding. */
	private static boolean padding(ConvolutionMode mode, int[] k, int[] s, int[] p) {
		if (mode == ConvolutionMode.Same) return s[0] == 1 && s[1] == 1 && k[0] % 2 == 1 && k[1] % 2 == 1;
		return mode == ConvolutionMode.Truncate && p[0] == 0 && p[1] == 0;
	}

	/** Each of the block's layers' geometry for a batch of {@code shape} (NCHW), or null when a size does not fit. */
	static List<Geometry> geometry(Layer[] layers, long[] shape) {
		long n = shape[0], c = shape[1], h = shape[2], w = shape[3];
		List<Geometry> out = new ArrayList<>();
		for (Layer l : layers) {
			org.deeplearning4j.nn.conf.layers.Layer conf = l.conf().getLayer();
			int[] k, s;
			ConvolutionMode mode;
			long channels;
			if (conf instanceof ConvolutionLayer) {
				ConvolutionLayer cl = (ConvolutionLayer) conf;
				if (cl.getNIn() != c) return null;
				k = cl.getKernelSize();
				s = cl.getStride();
				mode = cl.getConvolutionMode();
				channels = cl.getNOut();
			} else {
				SubsamplingLayer sl = (SubsamplingLayer) conf;
				k = sl.getKernelSize();
				s = sl.getStride();
				mode = sl.getConvolutionMode();
				channels = c;
			}
			long oh, ow, pt = 0, pl = 0;
			if (mode == ConvolutionMode.Same) {
				oh = h;
				ow = w;
				pt = (k[0] - 1) / 2;
				pl = (k[1] - 1) / 2;
			} else {
				if (h < k[0] || w < k[1] || (h - k[0]) % s[0] != 0 || (w - k[1]) % s[1] != 0) return null;
				oh = (h - k[0]) / s[0] + 1;
				ow = (w - k[1]) / s[1] + 1;
			}
			out.add(new Geometry(n, c, h, w, channels, oh, ow, k[0], k[1], s[0], s[1], pt, pl));
			c = channels;
			h = oh;
			w = ow;
		}
		return out;
	}
}
