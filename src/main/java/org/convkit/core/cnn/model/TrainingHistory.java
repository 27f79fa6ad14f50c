package org.convkit.core.cnn.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Per-epoch training and validation loss and accuracy: kept in the model file so "CNN Model Info" can plot how the
 * model learned, and so continued training extends the same curves. Missing values (no validation set) are NaN.
 */
public final class TrainingHistory {
	private static final TrainingHistory EMPTY = new TrainingHistory(List.of(), List.of(), List.of(), List.of());

	private final List<Double> trainLoss, trainAccuracy, validationLoss, validationAccuracy;

	/** Four lists of equal length (one value per epoch); null values are read as NaN. */
	public TrainingHistory(List<Double> trainLoss, List<Double> trainAccuracy, List<Double> validationLoss,
			List<Double> validationAccuracy) {
		int n = trainLoss.size();
		if (trainAccuracy.size() != n || validationLoss.size() != n || validationAccuracy.size() != n)
			throw new IllegalArgumentException("training history lists differ in length");
		this.trainLoss = copy(trainLoss);
		this.trainAccuracy = copy(trainAccuracy);
		this.validationLoss = copy(validationLoss);
		this.validationAccuracy = copy(validationAccuracy);
	}

	public static TrainingHistory empty() {
		return EMPTY;
	}

	private static List<Double> copy(List<Double> values) {
		List<Double> out = new ArrayList<>(values.size());
		for (Double v : values) out.add(v == null ? Double.NaN : v);
		return Collections.unmodifiableList(out);
	}

	/** A new history with one more epoch. */
	public TrainingHistory plus(double trainLoss, double trainAccuracy, double validationLoss,
			double validationAccuracy) {
		return new TrainingHistory(append(this.trainLoss, trainLoss), append(this.trainAccuracy, trainAccuracy),
				append(this.validationLoss, validationLoss), append(this.validationAccuracy, validationAccuracy));
	}

	private static List<Double> append(List<Double> list, double v) {
		List<Double> out = new ArrayList<>(list);
		out.add(v);
		return out;
	}

	public int epochs() {
		return trainLoss.size();
	}

	public List<Double> trainLoss() {
		return trainLoss;
	}

	public List<Double> trainAccuracy() {
		return trainAccuracy;
	}

	public List<Double> validationLoss() {
		return validationLoss;
	}

	public List<Double> validationAccuracy() {
		return validationAccuracy;
	}

	/** Double.equals semantics: NaN equals NaN, so a history without validation equals its reloaded copy. */
	@Override
	public boolean equals(Object o) {
		if (!(o instanceof TrainingHistory)) return false;
		TrainingHistory h = (TrainingHistory) o;
		return trainLoss.equals(h.trainLoss) && trainAccuracy.equals(h.trainAccuracy)
				&& validationLoss.equals(h.validationLoss) && validationAccuracy.equals(h.validationAccuracy);
	}

	@Override
	public int hashCode() {
		return trainLoss.hashCode() * 31 + validationLoss.hashCode();
	}

	@Override
	public String toString() {
		return epochs() + " epochs, train loss " + trainLoss + ", validation loss " + validationLoss;
	}
}
