package org.convkit.core.cnn.net;

import org.convkit.core.cnn.net.ForwardSteps.Act;
import org.convkit.core.cnn.net.ForwardSteps.Step;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A stride-1 convolution of {@link SmallBatchForward} as {@code kH} matrix products over the batch's
 * {@link WidthUnfolding} (each input value copied {@code kW} times instead of {@code kH·kW}), each product one kernel
 * row's weights times the unfolding's rows from that row's {@link WidthUnfolding#shift}, added into one result
 * {@code [nOut][outH][n][outW]}, reordered to the step layout {@code [nOut][n][outH][outW]} with the bias and the
 * activation. The same multiply-adds as {@link Im2Col}'s columns in thinner products ({@code C·kW} deep instead of
 * {@code C·kH·kW}): worth it where that depth stays large ({@link WidthUnfolding#suits}). Not thread-safe; buffers for
 * the last batch size.
 */
final class WidthUnfoldedConvolution implements Step {
	private final WidthUnfolding unfolding;
	private final int nOut;
	private final float[] bias;
	private final Act act;
	/** The weights per kernel row: {@code [kH][nOut][C·kW]}. */
	private final INDArray weights;
	private int n = -1;
	private float[] rows, product, out;
	private INDArray unfolded, result;

	/** For a layer with weights {@code [nOut][C][kH][kW]} (DL4J's order) and bias. */
	WidthUnfoldedConvolution(WidthUnfolding unfolding, float[] w, float[] bias, int nOut, Act act) {
		this.unfolding = unfolding;
		this.nOut = nOut;
		this.bias = bias.clone();
		this.act = act;
		float[] byRow = unfolding.weightsByRow(w, nOut, null);
		weights = NdArrays.detached(null, unfolding.kernelH, nOut, unfolding.depth());
		NdArrays.write(weights, 0, byRow, byRow.length);
	}

	@Override
	public float[] apply(float[] in, int images) {
		WidthUnfolding u = unfolding;
		int depth = u.depth(), rowLength = u.rowLength(images), positions = u.positions(images);
		if (images != n) {
			rows = new float[depth * rowLength];
			product = new float[nOut * positions];
			out = new float[nOut * positions];
			unfolded = NdArrays.detached(null, depth, rowLength);
			result = NdArrays.detached(null, nOut, positions);
			n = images;
		}
		u.unfold(in, images, true, rows);
		NdArrays.write(unfolded, 0, rows, rows.length);
		for (int ky = 0; ky < u.kernelH; ky++)
			OpenBlasProduct.multiply(false, false, nOut, positions, depth, 1f, weights, (long) ky * nOut * depth, depth,
					unfolded, u.shift(ky, images), rowLength, ky == 0 ? 0f : 1f, result, 0, positions);
		NdArrays.read(result, 0, product, product.length);
		// [nOut][outH][n][outW] → [nOut][n][outH][outW], with the bias
		int outH = u.outH, outW = u.outW;
		for (int o = 0, src = 0; o < nOut; o++) {
			float b = bias[o];
			for (int oy = 0; oy < outH; oy++)
				for (int i = 0; i < images; i++) {
					int dst = ((o * images + i) * outH + oy) * outW;
					for (int ox = 0; ox < outW; ox++) out[dst + ox] = product[src++] + b;
				}
		}
		act.applyAll(out, 0, out.length);
		return out;
	}
}
