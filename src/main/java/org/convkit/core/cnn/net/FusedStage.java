package org.convkit.core.cnn.net;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.bytedeco.dnnl.global.dnnl.*;

/**
 * One layer of a {@link FusedConvStack} for one batch size: oneDNN's primitives and the layer's activations and errors
 * in the layouts oneDNN chose (the blocked ones of its fast kernels), so nothing is reordered between layers. Built
 * on the previous stage's output memory; its error memory is the previous stage's input error.
 */
abstract class FusedStage {
	final PlanMemory d;
	/** Input (the previous stage's output) and its error, which {@link #backward} writes (null: not wanted). */
	memory src;
	final memory diffSrc;
	memory.desc srcDesc;
	/** This stage's output and the error with respect to it, which the next stage (or the stack) writes. */
	memory dst, diffDst;
	memory.desc dstDesc;

	FusedStage(PlanMemory d, memory src, memory.desc srcDesc, memory diffSrc) {
		this.d = d;
		this.src = src;
		this.srcDesc = srcDesc;
		this.diffSrc = diffSrc;
	}

	abstract void forward();

	/** Whether oneDNN gave one of this layer's passes its reference implementation ({@link #reference}). */
	boolean slow;

	/** Whether oneDNN chose its reference implementation (plain loops, tens of times slower than its others). */
	static boolean reference(org.bytedeco.dnnl.primitive_desc_base pd) {
		return pd.impl_info_str().getString().startsWith("ref");
	}

	abstract void backward();

	/** Whether this layer's backprop runs a ReLU's (its own, or the convolution's below it). */
	abstract boolean reluBackprop();

	/**
	 * A convolution with its bias, followed by ReLU or nothing, on the layer's own weight and gradient arrays. Made for
	 * inference ({@code wGrad} null) it has no backward primitives, gradient or error memories.
	 */
	static final class Conv extends FusedStage {
		private final convolution_forward fwd;
		private final String implementation;
		private final convolution_backward_weights bwdWeights;
		private final convolution_backward_data bwdData;
		/** This layer's ReLU backprop as a oneDNN pass (null: none, or done above: {@link #takeReluBackpropOf}). */
		private eltwise_backward reluBackward;
		/** The output of the ReLU convolution below, whose backprop this layer's native pass runs (null: none). */
		private memory reluBelow;
		private final memory userWeights, userBias, userWeightGrad, userBiasGrad, weights, dataWeights, weightGrad;
		private final reorder toWeights, toDataWeights, fromWeightGrad;
		/** The block's input in the layout this first layer chose, from DL4J's NCHW (null: not the first layer). */
		private final memory userSrc;
		private final reorder toSrc;
		/** The error in NCHW for a weight gradient that runs there (null: it runs on {@link #diffDst}). */
		private final memory plainError;
		private final reorder toPlainError;
		/** The weight gradient of a one-channel first layer as a product, where oneDNN's kernel is its reference. */
		private final OneChannelWeightGradient oneChannel;
		/** Each primitive's arguments, made at its first run (they name memories whose data ConvKit re-points). */
		private IntMemoryMap fwdArgs, reluArgs, weightArgs, dataArgs;
		private final INDArray w, b, wGrad, bGrad;
		private final boolean relu;
		/** ConvKit's Winograd kernels for all three passes (null: oneDNN's kernels). */
		private final WinogradKernels winograd;

		/**
		 * @param g        the layer's geometry, input channels and batch size included
		 * @param first    whether this is the block's first layer: its input, DL4J's NCHW, is reordered into the
		 *                 layout oneDNN chooses (with AVX2 only, oneDNN 2.5 has no fast weight gradient on NCHW input
		 *                 of one channel, 370 ms for LeNet's), and no error is computed for it
		 * @param diffSrc  where the error with respect to the input goes (null: not computed)
		 * @param w        weights [out][in][kh][kw], C order; {@code b} the bias [1][out]; the gradients alike (null:
		 *                 inference only)
		 * @param winograd whether oneDNN may take Winograd kernels (3×3, stride 1: fewer multiplications)
		 * @param reluBackpropAbove whether the max pooling above this layer runs ReLU's backprop on its smaller output
		 *                 ({@link Pool}), so this layer's error arrives with it done
		 * @param channelsLast whether the output (and the first layer's input) is laid out channels last (NHWC)
		 *                 instead of in the layout oneDNN would choose
		 */
		Conv(PlanMemory d, FusedBlockShape.Geometry g, boolean first, memory src, memory.desc srcDesc, memory diffSrc,
				boolean relu, INDArray w, INDArray b, INDArray wGrad, INDArray bGrad, boolean winograd,
				boolean reluBackpropAbove, boolean channelsLast) {
			super(d, src, srcDesc, diffSrc);
			boolean training = wGrad != null;
			this.w = w;
			this.b = b;
			this.wGrad = wGrad;
			this.bGrad = bGrad;
			this.relu = relu;
			memory.format_tag chosen = channelsLast ? memory.format_tag.nhwc : memory.format_tag.any;
			long[] wDims = { g.out, g.in, g.kh, g.kw }, strides = { g.sh, g.sw }, padL = { g.padTop, g.padLeft },
					padR = { g.padBottom, g.padRight };
			memory.desc anyWeights = Dnnl.desc(wDims, memory.format_tag.any),
					biasDesc = Dnnl.desc(new long[] { g.out }, memory.format_tag.x),
					anyDst = Dnnl.desc(new long[] { g.batch, g.out, g.outH, g.outW }, chosen);
			algorithm alg = winograd ? algorithm.convolution_auto : algorithm.convolution_direct;
			primitive_attr attr = new primitive_attr();
			if (relu) {
				post_ops ops = new post_ops();
				ops.append_eltwise(1f, algorithm.eltwise_relu, 0f, 0f);
				attr.set_post_ops(ops);
			}
			memory.desc anySrc = Dnnl.desc(new long[] { g.batch, g.in, g.inH, g.inW }, chosen),
					plainDst = Dnnl.desc(new long[] { g.batch, g.out, g.outH, g.outW }, memory.format_tag.nchw);
			prop_kind kind = training ? prop_kind.forward_training : prop_kind.forward_inference;
			convolution_forward.primitive_desc fpd = null;
			convolution_backward_weights.primitive_desc wpd = null, plainWpd = null;
			// oneDNN's choice of layouts; where that leaves the weight gradient on oneDNN's slow reference kernel (with
			// AVX2 only, oneDNN 2.5 has no fast weight gradient of a one-channel first layer in its blocked layout:
			// 370 ms a step for LeNet's, against 3 ms), ConvKit's product on that layout, else that pass alone on plain
			// NCHW error (im2col and products) after a reorder. If neither helps, plain NCHW output for the whole layer.
			OneChannelWeightGradient product = null;
			for (memory.desc dstWanted : new memory.desc[] { anyDst, plainDst }) {
				memory.desc srcWanted = first ? (dstWanted == anyDst ? anySrc : srcDesc) : srcDesc;
				fpd = new convolution_forward.primitive_desc(new convolution_forward.desc(kind, alg, srcWanted,
						anyWeights, biasDesc, dstWanted, strides, padL, padR), attr, d.engine, false);
				if (!training) break;
				wpd = weightGradient(d, alg, fpd, fpd.dst_desc(), anyWeights, biasDesc, strides, padL, padR);
				if (!reference(wpd) || dstWanted == plainDst) break;
				if (first && FastTraining.switchedOn(FusedLayers.PRODUCT_PROPERTY))
					product = OneChannelWeightGradient.of(d, g, fpd.src_desc(), fpd.dst_desc());
				if (product != null) break;
				plainWpd = weightGradient(d, alg, fpd, plainDst, anyWeights, biasDesc, strides, padL, padR);
				if (!reference(plainWpd)) break;
				plainWpd = null;
			}
			implementation = fpd.impl_info_str().getString();
			if (first && !fpd.src_desc().equals(srcDesc)) {
				userSrc = src;
				this.srcDesc = srcDesc = fpd.src_desc();
				this.src = training ? d.owned(srcDesc) : d.alternating(srcDesc);
				toSrc = new reorder(userSrc, this.src);
			} else {
				userSrc = null;
				toSrc = null;
			}
			dstDesc = fpd.dst_desc();
			dst = training ? d.owned(dstDesc) : d.alternating(dstDesc);
			diffDst = training ? d.alternating(dstDesc) : null; // written by the layer above, read by this one only
			// ConvKit's kernels run all three passes where they apply: oneDNN's primitives for them are not made
			WinogradKernels own = WinogradKernels.wanted(implementation) && (diffSrc == null
					|| diffSrc.get_desc().equals(this.srcDesc))
							? WinogradKernels.of(g, this.srcDesc, dstDesc, diffSrc != null, training) : null;
			this.winograd = own;
			if (plainWpd != null) wpd = plainWpd; // the weight gradient on the error reordered to plain NCHW
			oneChannel = own == null ? product : null;
			if (product != null || own != null) wpd = null; // oneDNN's kernel described, not used
			slow = reference(fpd) || wpd != null && reference(wpd);
			plainError = wpd == null || plainWpd == null ? null : d.owned(plainDst);
			toPlainError = plainError == null ? null : new reorder(diffDst, plainError);
			memory.desc plainWeights = Dnnl.desc(wDims, memory.format_tag.oihw);
			userWeights = d.user(plainWeights);
			userBias = d.user(biasDesc);
			if (!fpd.bias_desc().equals(biasDesc) || wpd != null && !wpd.diff_bias_desc().equals(biasDesc))
				throw new IllegalStateException("oneDNN wants the bias in another layout");
			fwd = own == null ? new convolution_forward(fpd) : null;
			weights = own == null ? d.owned(fpd.weights_desc()) : null;
			toWeights = own == null ? new reorder(userWeights, weights) : null;
			userWeightGrad = training ? d.user(plainWeights) : null;
			userBiasGrad = training ? d.user(biasDesc) : null;
			if (wpd != null) {
				bwdWeights = new convolution_backward_weights(wpd);
				weightGrad = d.owned(wpd.diff_weights_desc());
				fromWeightGrad = new reorder(weightGrad, userWeightGrad);
			} else {
				bwdWeights = null;
				weightGrad = null;
				fromWeightGrad = null;
			}
			if (diffSrc != null && own == null) {
				convolution_backward_data.primitive_desc dpd = new convolution_backward_data.primitive_desc(
						new convolution_backward_data.desc(alg, srcDesc, anyWeights, dstDesc, strides, padL, padR),
						d.engine, fpd);
				bwdData = new convolution_backward_data(dpd);
				slow |= reference(dpd);
				dataWeights = d.owned(dpd.weights_desc());
				toDataWeights = new reorder(userWeights, dataWeights);
			} else {
				bwdData = null;
				dataWeights = null;
				toDataWeights = null;
			}
			reluBackward = relu && training && !reluBackpropAbove ? reluBackward(d, dstDesc) : null;
		}

		/** ReLU's backprop in place on an error of layout {@code desc}, from the ReLU's output. */
		static eltwise_backward reluBackward(PlanMemory d, memory.desc desc) {
			eltwise_forward.primitive_desc efpd = new eltwise_forward.primitive_desc(new eltwise_forward.desc(
					prop_kind.forward_training, algorithm.eltwise_relu_use_dst_for_bwd, desc, 0f, 0f), d.engine);
			return new eltwise_backward(new eltwise_backward.primitive_desc(new eltwise_backward.desc(
					algorithm.eltwise_relu_use_dst_for_bwd, desc, desc, 0f, 0f), d.engine, efpd));
		}

		/** Whether the forward pass (and in training the two backward passes) runs on {@link WinogradKernels}. */
		boolean nativeWinograd() {
			return winograd != null;
		}

		/** Whether the weight gradient runs as {@link OneChannelWeightGradient}'s product. */
		boolean weightGradientAsProduct() {
			return oneChannel != null;
		}

		/** oneDNN's implementation of the forward pass, e.g. "jit:avx2" or "jit_wino_4x3:avx512_core". */
		String implementation() {
			return implementation;
		}

		@Override
		boolean reluBackprop() {
			return reluBackward != null || reluBelow != null;
		}

		/**
		 * Takes over the ReLU backprop of the convolution {@code below} (whose error this layer's backward pass writes)
		 * when this layer's backward pass to the input runs on {@link WinogradKernels} and {@code below} would run it
		 * as a oneDNN pass: the kernels apply it as they store the error, one pass over it less. Otherwise nothing.
		 */
		void takeReluBackpropOf(Conv below) {
			if (winograd == null || diffSrc == null || below.reluBackward == null || below.diffDst != diffSrc) return;
			reluBelow = below.dst;
			below.reluBackward = null;
		}

		private static convolution_backward_weights.primitive_desc weightGradient(PlanMemory d, algorithm alg,
				convolution_forward.primitive_desc fpd, memory.desc error, memory.desc anyWeights, memory.desc bias,
				long[] strides, long[] padL, long[] padR) {
			return new convolution_backward_weights.primitive_desc(new convolution_backward_weights.desc(alg,
					fpd.src_desc(), anyWeights, bias, error, strides, padL, padR), d.engine, fpd);
		}

		@Override
		void forward() {
			if (toSrc != null) toSrc.execute(d.stream, userSrc, src);
			Dnnl.point(userWeights, w);
			Dnnl.point(userBias, b);
			if (winograd != null) {
				winograd.forward(Dnnl.address(src), Dnnl.address(userWeights), Dnnl.address(userBias),
						Dnnl.address(dst), relu);
				return;
			}
			toWeights.execute(d.stream, userWeights, weights);
			if (fwdArgs == null) fwdArgs = Dnnl.args(DNNL_ARG_SRC, src, DNNL_ARG_WEIGHTS, weights, DNNL_ARG_BIAS,
					userBias, DNNL_ARG_DST, dst);
			fwd.execute(d.stream, fwdArgs);
		}

		@Override
		void backward() {
			if (reluArgs == null) {
				reluArgs = Dnnl.args(DNNL_ARG_DST, dst, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_DIFF_SRC, diffDst);
				weightArgs = bwdWeights == null ? null : Dnnl.args(DNNL_ARG_SRC, src, DNNL_ARG_DIFF_DST,
						plainError != null ? plainError : diffDst, DNNL_ARG_DIFF_WEIGHTS, weightGrad,
						DNNL_ARG_DIFF_BIAS, userBiasGrad);
				dataArgs = bwdData == null ? null : Dnnl.args(DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_WEIGHTS, dataWeights,
						DNNL_ARG_DIFF_SRC, diffSrc);
			}
			if (reluBackward != null) reluBackward.execute(d.stream, reluArgs); // in place: the pre-activation's error
			Dnnl.point(userWeightGrad, wGrad);
			Dnnl.point(userBiasGrad, bGrad);
			if (winograd != null) {
				winograd.weightGradient(Dnnl.address(src), Dnnl.address(diffDst), Dnnl.address(userWeightGrad),
						Dnnl.address(userBiasGrad));
				if (diffSrc != null) {
					Dnnl.point(userWeights, w);
					winograd.backwardData(Dnnl.address(diffDst), Dnnl.address(userWeights), Dnnl.address(diffSrc),
							reluBelow == null ? 0 : Dnnl.address(reluBelow));
				}
				return;
			}
			if (oneChannel != null) {
				oneChannel.run(d, src, diffDst, userWeightGrad, userBiasGrad);
			} else {
				if (toPlainError != null) toPlainError.execute(d.stream, diffDst, plainError);
				bwdWeights.execute(d.stream, weightArgs);
				fromWeightGrad.execute(d.stream, weightGrad, userWeightGrad);
			}
			if (bwdData != null) {
				Dnnl.point(userWeights, w);
				toDataWeights.execute(d.stream, userWeights, dataWeights);
				bwdData.execute(d.stream, dataArgs);
			}
		}
	}

	/**
	 * Max or average pooling (average over the window's input values; ConvKit's pooling has no padding here). Made for
	 * inference ({@code training} false) it has no backward primitive, workspace or error memory.
	 */
	static final class Pool extends FusedStage {
		private final pooling_forward fwd;
		private final pooling_backward bwd;
		private final memory workspace;
		/** The ReLU backprop of the convolution below, on this layer's output and error (null: none here). */
		private final eltwise_backward reluBackward;
		/** Training's max pooling in Java, where oneDNN's kernel is slow (null: oneDNN's). */
		private final BlockMaxPooling java;
		/** Whether this pooling runs the ReLU backprop of the convolution below (in {@link #java} or oneDNN's). */
		private final boolean reluBackprop;
		private IntMemoryMap fwdArgs, bwdArgs, reluArgs;

		/**
		 * @param reluBackprop whether this max pooling runs the ReLU backprop of the convolution below (which then
		 *                     skips it): the window's maximum is the ReLU output the error goes back to, so masking
		 *                     the error where this layer's output is 0 before pooling's backprop gives the same values
		 *                     as masking the convolution's error after it, on a quarter of the values for 2×2 windows
		 */
		Pool(PlanMemory d, FusedBlockShape.Geometry g, boolean training, boolean max, memory src, memory.desc srcDesc,
				memory diffSrc, boolean reluBackprop) {
			super(d, src, srcDesc, diffSrc);
			if (reluBackprop && !(max && training && diffSrc != null))
				throw new IllegalArgumentException("ReLU's backprop folds only into a max pooling that trains");
			long[] strides = { g.sh, g.sw }, kernel = { g.kh, g.kw }, padL = { g.padTop, g.padLeft },
					padR = { g.padBottom, g.padRight };
			algorithm alg = max ? algorithm.pooling_max : algorithm.pooling_avg_exclude_padding;
			memory.desc anyDst = Dnnl.desc(new long[] { g.batch, g.out, g.outH, g.outW }, memory.format_tag.any);
			pooling_forward.primitive_desc fpd = new pooling_forward.primitive_desc(new pooling_forward.desc(
					training ? prop_kind.forward_training : prop_kind.forward_inference, alg, srcDesc, anyDst, strides,
					kernel, padL, padR), d.engine);
			fwd = new pooling_forward(fpd);
			dstDesc = fpd.dst_desc();
			dst = training ? d.owned(dstDesc) : d.alternating(dstDesc);
			diffDst = training ? d.alternating(dstDesc) : null; // written by the layer above, read by this one only
			java = max && training && diffSrc != null && BlockMaxPooling.wanted(fpd.impl_info_str().getString())
					? BlockMaxPooling.of(g, srcDesc, dstDesc, reluBackprop) : null;
			workspace = max && training && java == null ? d.owned(fpd.workspace_desc()) : null;
			pooling_backward.primitive_desc bpd = diffSrc == null || java != null ? null
					: new pooling_backward.primitive_desc(new pooling_backward.desc(alg, srcDesc, dstDesc, strides,
							kernel, padL, padR), d.engine, fpd);
			bwd = bpd == null ? null : new pooling_backward(bpd);
			slow = java == null && (reference(fpd) || bpd != null && reference(bpd)); // oneDNN's, where it runs
			reluBackward = reluBackprop && java == null ? Conv.reluBackward(d, dstDesc) : null;
			this.reluBackprop = reluBackprop;
		}

		@Override
		boolean reluBackprop() {
			return reluBackprop;
		}

		/** Whether this pooling runs in Java ({@link BlockMaxPooling}). */
		boolean inJava() {
			return java != null;
		}

		@Override
		void forward() {
			if (java != null) {
				java.forward(src, dst);
				return;
			}
			if (fwdArgs == null) fwdArgs = workspace == null ? Dnnl.args(DNNL_ARG_SRC, src, DNNL_ARG_DST, dst)
					: Dnnl.args(DNNL_ARG_SRC, src, DNNL_ARG_DST, dst, DNNL_ARG_WORKSPACE, workspace);
			fwd.execute(d.stream, fwdArgs);
		}

		@Override
		void backward() {
			if (java != null) {
				java.backward(diffDst, diffSrc);
				return;
			}
			if (bwd == null) return;
			if (bwdArgs == null) {
				bwdArgs = workspace == null ? Dnnl.args(DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_DIFF_SRC, diffSrc)
						: Dnnl.args(DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_DIFF_SRC, diffSrc, DNNL_ARG_WORKSPACE, workspace);
				reluArgs = Dnnl.args(DNNL_ARG_DST, dst, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_DIFF_SRC, diffDst);
			}
			if (reluBackward != null) reluBackward.execute(d.stream, reluArgs); // in place
			bwd.execute(d.stream, bwdArgs);
		}
	}
}
