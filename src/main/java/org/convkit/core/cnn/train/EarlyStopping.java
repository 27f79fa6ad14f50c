package org.convkit.core.cnn.train;

/**
 * Stops training after {@code patience} epochs in a row whose validation loss is not lower than the best so far by
 * more than {@link Trainer#MIN_RELATIVE_IMPROVEMENT} (relative). Patience 0 = never.
 */
final class EarlyStopping {
	private final int patience;
	private double best = Double.POSITIVE_INFINITY;
	private int stale;

	EarlyStopping(int patience) {
		this.patience = patience;
	}

	/** Records an epoch's validation loss; true when patience has run out with it. */
	boolean stopAfter(double validationLoss) {
		if (patience <= 0) return false;
		if (validationLoss < best * (1 - Trainer.MIN_RELATIVE_IMPROVEMENT)) {
			best = validationLoss;
			stale = 0;
			return false;
		}
		return ++stale >= patience;
	}
}
