package org.convkit.core.cnn.inspect;

import org.convkit.core.cnn.input.Normalisation;

/**
 * The gradient-based saliency maps, on the network input's grid, of one image's class logit z_c (the class score
 * before the softmax, as Simonyan et al. 2014 and Selvaraju et al. 2017 use it: the softmax would let a confident
 * class's gradient vanish).
 */
final class GradientMaps {
	private GradientMaps() {
	}

	/**
	 * {@code d z_c / d pixel} per channel, in the image's own units (the network's gradient divided by the
	 * normalisation's std): 1 × channels × height × width.
	 */
	static Tensor pixelGradient(InspectionNetwork net, ModelInput in, int classIndex) {
		Tensor g = net.gradient(in.tensor, Objectives.logit(net.outputLayer(), new int[] {classIndex}), -1).gradient;
		Normalisation n = net.bundle().normalisation();
		for (int c = 0; c < g.channels; c++) {
			float inv = (float) (1 / n.std(c));
			for (int i = g.offset(0, c), e = i + g.planeSize(); i < e; i++) g.data[i] *= inv;
		}
		return g;
	}

	/** Gradient: the largest |d z_c / d pixel| over the channels (Simonyan et al.). */
	static float[] gradient(Tensor pixelGradient) {
		float[] map = new float[pixelGradient.planeSize()];
		for (int c = 0; c < pixelGradient.channels; c++) {
			int o = pixelGradient.offset(0, c);
			for (int i = 0; i < map.length; i++) map[i] = Math.max(map[i], Math.abs(pixelGradient.data[o + i]));
		}
		return map;
	}

	/**
	 * Gradient x Input: {@code sum over channels of d z_c / d pixel * (pixel - mean)}, the first-order contribution
	 * of each pixel's difference from the training mean (the network's input times its gradient); signed.
	 */
	static float[] gradientTimesInput(Tensor pixelGradient, ModelInput in, Normalisation n) {
		float[] map = new float[pixelGradient.planeSize()];
		for (int c = 0; c < pixelGradient.channels; c++) {
			int o = pixelGradient.offset(0, c);
			float std = (float) n.std(c);
			for (int i = 0; i < map.length; i++) map[i] += pixelGradient.data[o + i] * in.tensor.data[o + i] * std;
		}
		return map;
	}

	/**
	 * Grad-CAM on a spatial layer: {@code ReLU(sum_k alpha_k A_k)} with {@code alpha_k} the mean over positions of
	 * {@code d z_c / d A_k}; on the layer's grid (height × width of the layer).
	 */
	static Tensor gradCam(InspectionNetwork net, ModelInput in, int classIndex, int layer) {
		InspectionNetwork.Gradient g = net.gradient(in.tensor,
				Objectives.logit(net.outputLayer(), new int[] {classIndex}), layer);
		Tensor a = g.activation, d = g.gradient;
		int plane = a.planeSize();
		float[] cam = new float[plane];
		for (int k = 0; k < a.channels; k++) {
			double alpha = 0;
			int o = a.offset(0, k);
			for (int i = 0; i < plane; i++) alpha += d.data[o + i];
			alpha /= plane;
			for (int i = 0; i < plane; i++) cam[i] += (float) (alpha * a.data[o + i]);
		}
		for (int i = 0; i < plane; i++) cam[i] = Math.max(0, cam[i]);
		return new Tensor(cam, 1, 1, a.height, a.width);
	}
}
