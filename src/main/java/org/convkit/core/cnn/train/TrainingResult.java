package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.Dataset;
import org.convkit.core.cnn.model.ModelBundle;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/** What a training run produced and why it stopped. */
public final class TrainingResult {
	/** Why training ended. */
	public enum Stop {
		/** All requested epochs ran. */
		COMPLETED,
		/** {@link Trainer#cancel()} (Esc): the unfinished epoch is dropped, the best model so far is kept. */
		CANCELLED,
		/** Validation loss did not improve for {@code patience} epochs. */
		EARLY_STOPPED,
		/** The loss became NaN or infinite: the diverged epoch is dropped, the best model so far is kept. */
		DIVERGED
	}

	public final Stop stop;
	/** A sentence for the log: why training ended (for DIVERGED: advice to lower the learning rate). */
	public final String message;
	/** The epochs of this run (a continued run numbers them on from the model's history). */
	public final List<EpochResult> epochs;
	/** The best model (lowest validation loss, or training loss without validation); null if no epoch finished. */
	public final ModelBundle best;
	/** The model after the last finished epoch; null if no epoch finished. */
	public final ModelBundle last;
	/** Where best and last were saved; null when not saving or nothing was saved. */
	public final Path bestFile, lastFile;
	/** Confusion matrix [true][predicted] of the best model on the validation set; null without validation. */
	public final long[][] confusion;
	/** The validation examples (dataset indices) and the best model's predicted class for each. */
	public final int[] validationIndices, validationPredictions;
	/** Images skipped as unreadable. */
	public final List<Dataset.Skipped> skipped;
	/**
	 * Examples kept in memory for the later epochs (the others are read again when needed), their bytes, and the
	 * byte budget for them ({@link org.convkit.core.cnn.data.InputCache}; 0 for patches, which are cut anew).
	 */
	public final long inputsKept, inputBytesKept, inputBudget;

	TrainingResult(Stop stop, String message, List<EpochResult> epochs, ModelBundle best, ModelBundle last,
			Path bestFile, Path lastFile, long[][] confusion, int[] validationIndices, int[] validationPredictions,
			List<Dataset.Skipped> skipped, long inputsKept, long inputBytesKept, long inputBudget) {
		this.stop = stop;
		this.message = message;
		this.epochs = Collections.unmodifiableList(epochs);
		this.best = best;
		this.last = last;
		this.bestFile = bestFile;
		this.lastFile = lastFile;
		this.confusion = confusion;
		this.validationIndices = validationIndices;
		this.validationPredictions = validationPredictions;
		this.skipped = Collections.unmodifiableList(skipped);
		this.inputsKept = inputsKept;
		this.inputBytesKept = inputBytesKept;
		this.inputBudget = inputBudget;
	}
}
