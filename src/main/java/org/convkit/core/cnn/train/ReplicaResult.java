package org.convkit.core.cnn.train;

import java.io.Serializable;

/** What one replica did in one round of data-parallel training. */
public final class ReplicaResult implements Serializable {
	private static final long serialVersionUID = 1L;

	/** The replica's network after its batches. */
	public final NetworkState state;
	/** Training loss summed over its examples, correctly classified examples, examples, batches fitted. */
	public final double lossSum;
	public final long right, examples;
	public final int batches;
	/** The loss became NaN or infinite: the state is not to be used. */
	public final boolean diverged;

	ReplicaResult(NetworkState state, double lossSum, long right, long examples, int batches, boolean diverged) {
		this.state = state;
		this.lossSum = lossSum;
		this.right = right;
		this.examples = examples;
		this.batches = batches;
		this.diverged = diverged;
	}
}
