package org.convkit.core.cnn.train;

/**
 * One epoch's numbers. Losses are the mean cross-entropy per example (without the L2 term); accuracies are
 * fractions 0..1. Training values come from the forward pass of each batch during the epoch (dropout on, weights
 * changing), as Keras reports them; validation values from the model at the end of the epoch. Without validation
 * both validation values are NaN.
 */
public final class EpochResult {
	public final int epoch;
	public final double trainLoss, trainAccuracy, validationLoss, validationAccuracy;
	/** Wall time of the epoch including validation and saving, in seconds. */
	public final double seconds;
	/** Training images per second of the fitting alone (reading, fitting; without validation and saving). */
	public final double imagesPerSecond;
	/** This epoch's model became the best one (and was saved as such). */
	public final boolean best;

	public EpochResult(int epoch, double trainLoss, double trainAccuracy, double validationLoss,
			double validationAccuracy, double seconds, double imagesPerSecond, boolean best) {
		this.epoch = epoch;
		this.trainLoss = trainLoss;
		this.trainAccuracy = trainAccuracy;
		this.validationLoss = validationLoss;
		this.validationAccuracy = validationAccuracy;
		this.seconds = seconds;
		this.imagesPerSecond = imagesPerSecond;
		this.best = best;
	}

	/** e.g. "epoch 3: loss 0.1234 accuracy 0.9500, validation loss 0.2000 accuracy 0.9333 (2.1 s)". */
	@Override
	public String toString() {
		return String.format(java.util.Locale.ROOT,
				"epoch %d: loss %.4f accuracy %.4f, validation loss %.4f accuracy %.4f (%.1f s)%s", epoch, trainLoss,
				trainAccuracy, validationLoss, validationAccuracy, seconds, best ? " *" : "");
	}
}
