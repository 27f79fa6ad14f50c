package org.convkit.core.cnn.inspect;

/** The scalar functions the explainers take gradients of, one per image of the batch. */
public final class Objectives {
	private Objectives() {
	}

	/** Image i's logit (class score before the softmax) of class {@code classes[i]}. */
	public static InspectionNetwork.Objective logit(int outputLayer, int[] classes) {
		return channelMean(outputLayer, classes);
	}

	/**
	 * Image i's mean activation of channel {@code channels[i]} of the layer (for a flat layer: the unit; for the
	 * output layer: the logit).
	 */
	public static InspectionNetwork.Objective channelMean(int layer, int[] channels) {
		return new InspectionNetwork.Objective() {
			@Override
			public int[] layers() {
				return new int[] {layer};
			}

			@Override
			public Tensor epsilon(int l, Tensor a) {
				if (channels.length != a.n)
					throw new IllegalArgumentException(channels.length + " channels for " + a.n + " images");
				Tensor e = Tensor.zeros(a.n, a.channels, a.height, a.width);
				float v = 1f / a.planeSize();
				for (int i = 0; i < a.n; i++) {
					if (channels[i] < 0 || channels[i] >= a.channels)
						throw new IllegalArgumentException("channel " + channels[i] + " is not in 0.." + (a.channels - 1));
					int o = e.offset(i, channels[i]);
					java.util.Arrays.fill(e.data, o, o + a.planeSize(), v);
				}
				return e;
			}
		};
	}

	/**
	 * Half the mean squared activation of each layer, summed over the layers (DeepDream's objective: it amplifies
	 * whatever the layers already respond to). {@code scale[k]} divides layer k's mean instead of its own size
	 * (tiles pass the whole image's size so that their gradients add up to the whole image's).
	 */
	public static InspectionNetwork.Objective meanSquare(int[] layers, long[] size) {
		return new InspectionNetwork.Objective() {
			@Override
			public int[] layers() {
				return layers.clone();
			}

			@Override
			public Tensor epsilon(int l, Tensor a) {
				long n = a.data.length;
				for (int k = 0; k < layers.length; k++) if (layers[k] == l && size != null) n = size[k];
				float[] e = new float[a.data.length];
				float inv = (float) (1.0 / n);
				for (int i = 0; i < e.length; i++) e[i] = a.data[i] * inv;
				return new Tensor(e, a.n, a.channels, a.height, a.width);
			}
		};
	}
}
