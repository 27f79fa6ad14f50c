package org.convkit.core.cnn.train;

/**
 * Callbacks from {@link Trainer#train} for progress bars, live plots and logs. All are called on the training
 * thread; keep them short. Default methods do nothing, so a listener implements only what it shows.
 */
public interface TrainingListener {
	/** Before the first batch of an epoch. Epoch numbers count on from a continued model's history (1-based). */
	default void epochStarted(int epoch, int lastEpoch) {
	}

	/** After each training batch: {@code progress} is the fraction of this run's batches done (0..1). */
	default void batchDone(int epoch, int batch, int batches, double progress) {
	}

	/** After the epoch's validation and model saving. */
	default void epochDone(EpochResult result) {
	}

	/** Once at the end, also after cancellation, early stopping or divergence (not after an exception). */
	default void finished(TrainingResult result) {
	}

	/** A listener that ignores everything. */
	TrainingListener NONE = new TrainingListener() {
	};
}
