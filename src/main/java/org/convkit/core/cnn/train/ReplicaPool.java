package org.convkit.core.cnn.train;

import java.util.List;

/**
 * Where the replicas of data-parallel training run: executors of a Spark cluster, or this JVM
 * ({@link LocalReplicas}). {@link AveragingTrainer} calls {@link #start} once, then one {@link #round} per averaging
 * step, then {@link #stop}.
 */
public interface ReplicaPool {
	/** Before the first round: what every replica needs (ship it once). */
	void start(ReplicaSetup setup);

	/**
	 * Runs one round: replica r starts from {@code state} and fits the examples {@code examples[r]} (dataset indices,
	 * cut into batches in this order, augmented for {@code epoch}); returns one result per replica, in order.
	 */
	List<ReplicaResult> round(int epoch, NetworkState state, int[][] examples);

	/** After the last round (also after a failure). */
	void stop();
}
