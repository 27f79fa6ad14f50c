package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.Augmenter;
import org.convkit.core.cnn.data.Batches;
import org.convkit.core.cnn.data.Dataset;
import org.convkit.core.cnn.data.InputCache;
import org.convkit.core.cnn.data.SplitRule;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.net.ColumnRule;
import org.convkit.core.cnn.net.FastTraining;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.io.OutputLock;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Trains a classifier on a {@link Dataset}: split (seeded; stratified, or by source image), normalisation fitted on
 * the training split (by the {@link NormalisationRule}; class balancing by the settings' {@code balance}), network
 * from the spec ({@link NetworkBuilder}) — the {@link TrainingPlan} — then per epoch: shuffled (seeded)
 * augmented training batches ({@link EpochRunner}), validation ({@link Validation}), listener callbacks, saving
 * ({@link Checkpoints}) and early stopping ({@link EarlyStopping}).
 * <p>
 * Saving (when {@link #saveTo} was given): after every epoch the current model is written to the LAST file and,
 * when it is the best so far (lowest validation loss; lowest training loss when validation is 0), to the BEST file.
 * The best file is the given path ({@code model.zip}); the last file is its sibling with "-last" before ".zip"
 * ({@code model-last.zip}, see {@link #lastModelPath}). Writes go through a temporary file and a rename, so killing
 * the process loses at most the epoch in progress. Both files hold the optimizer state.
 * <p>
 * Speed: during its own {@code fit} calls some of DL4J's objects are replaced at run time ({@link FastTraining}),
 * each giving DL4J's numbers; the network handed back behaves as DL4J's. ND4J's thread count during the epochs is
 * ConvKit's choice for the network and batch ({@link ComputeThreads}), on this thread only.
 * <p>
 * Stopping: {@link #cancel()} is checked between batches (the unfinished epoch is dropped); early stopping after
 * {@code patience} epochs in a row whose validation loss is not lower than the best by more than
 * {@value #MIN_RELATIVE_IMPROVEMENT} (relative) — off with patience 0 or without validation; a NaN or infinite loss
 * stops with advice to lower the learning rate. In every case the best model so far is kept.
 * <p>
 * Continuing ({@link #continueFrom}): the bundle's network (weights and optimizer state), spec, input format,
 * normalisation, seed and history are kept, as are its optimizer, learning rate, initialisation and L2; the settings
 * given here only choose how many MORE epochs to run and the batch size. Epoch numbers and the history continue;
 * "best" is the best of the continued run. The seed being the bundle's, the split is the same as before (with the
 * same validation fraction and split rule).
 */
public final class Trainer {
	/** Relative decrease of the validation loss that counts as an improvement for early stopping. */
	public static final double MIN_RELATIVE_IMPROVEMENT = 1e-4;

	// package-private: AveragingTrainer trains the run set up here
	final Dataset data;
	final NetworkSpec spec;
	final TrainingSettings settings;
	InputFormat format;
	double validation;
	SplitRule split = SplitRule.RANDOM;
	int patience;
	Set<Augmenter.Op> augment = EnumSet.noneOf(Augmenter.Op.class);
	Path modelFile;
	boolean overwrite;
	ModelBundle continued;
	NormalisationRule normalisation = NormalisationRule.MEAN_STD;
	volatile boolean cancelled;

	/** Spec may be null when continuing from a bundle. */
	public Trainer(Dataset data, NetworkSpec spec, TrainingSettings settings) {
		if (data == null || settings == null) throw new IllegalArgumentException("data and settings are required");
		this.data = data;
		this.spec = spec;
		this.settings = settings;
	}

	/**
	 * The network input; default: the data's most common size (scaled up by the smallest whole factor the network
	 * accepts when it is too small) and channels, resize SCALE.
	 */
	public Trainer input(InputFormat f) {
		format = f;
		return this;
	}

	/** Fraction held out for validation, 0 &lt;= f &lt; 1 (default 0: train on everything, no early stopping). */
	public Trainer validation(double fraction) {
		validation = fraction;
		return this;
	}

	/** How the validation examples are chosen (default: at random within each class). */
	public Trainer split(SplitRule rule) {
		if (rule == null) throw new IllegalArgumentException("split rule missing");
		split = rule;
		return this;
	}

	/** Early stopping patience in epochs; 0 (default) = off. */
	public Trainer patience(int epochs) {
		if (epochs < 0) throw new IllegalArgumentException("patience must be >= 0, got " + epochs);
		patience = epochs;
		return this;
	}

	/** How pixel values are normalised (default: mean and std of the training split); a continued model keeps its own. */
	public Trainer normalisation(NormalisationRule rule) {
		if (rule == null) throw new IllegalArgumentException("normalisation rule missing");
		normalisation = rule;
		return this;
	}

	public Trainer augment(Set<Augmenter.Op> ops) {
		// EnumSet.copyOf refuses an empty set that is not an EnumSet
		augment = ops == null || ops.isEmpty() ? EnumSet.noneOf(Augmenter.Op.class) : EnumSet.copyOf(ops);
		return this;
	}

	/** Save the best model to {@code file} and the last one to {@link #lastModelPath(Path)}. */
	public Trainer saveTo(Path file, boolean overwrite) {
		this.modelFile = file;
		this.overwrite = overwrite;
		return this;
	}

	public Trainer continueFrom(ModelBundle bundle) {
		continued = bundle;
		return this;
	}

	/** Stops training after the current batch (callable from any thread, e.g. on Esc). */
	public void cancel() {
		cancelled = true;
	}

	/** "model.zip" → "model-last.zip"; a name without ".zip" gets "-last.zip" appended. */
	public static Path lastModelPath(Path best) {
		return Checkpoints.lastModelPath(best);
	}

	/**
	 * Trains. Bad input is reported before anything is written.
	 *
	 * @throws IllegalArgumentException with a user-readable message for bad input (sizes, split, batch size,
	 *                                  existing or unwritable model files, mixed image types found while reading)
	 * @throws ModelFileException       when saving a model fails
	 */
	public TrainingResult train(TrainingListener listener) throws ModelFileException {
		// Owns both model files (OutputLock) from before the first check to the end: a second run fails.
		Path best = modelFile == null ? null : modelFile.toAbsolutePath().normalize();
		try (OutputLock lock = best == null ? null : OutputLock.acquire("training", best, lastModelPath(best))) {
			return trainOwning(listener);
		}
	}

	private TrainingResult trainOwning(TrainingListener listener) throws ModelFileException {
		TrainingListener l = listener == null ? TrainingListener.NONE : listener;
		TrainingPlan plan = new TrainingPlan(data, spec, settings, format, validation, split, continued,
				normalisation);
		Checkpoints checkpoints = modelFile == null ? Checkpoints.inMemory() : Checkpoints.files(modelFile, overwrite);
		TrainingPlan.Start start = plan.start(augment);
		TrainingHistory history = start.history;
		EarlyStopping early = new EarlyStopping(start.validation == null ? 0 : patience);
		int first = history.epochs() + 1, lastEpoch = history.epochs() + settings.epochs();
		int totalBatches = start.training.batchCount() * settings.epochs();
		int[] batchesDone = { 0 };
		List<EpochResult> epochs = new ArrayList<>();
		TrainingResult.Stop stop = TrainingResult.Stop.COMPLETED;
		String message = null;
		try (ComputeThreads.Scope threads = ComputeThreads.use(trainingThreads(plan));
				EpochRunner runner = new EpochRunner(start.network, start.training, () -> cancelled)) {
			for (int epoch = first; epoch <= lastEpoch; epoch++) {
				l.epochStarted(epoch, lastEpoch);
				long t0 = System.nanoTime();
				int e = epoch;
				EpochRunner.Outcome outcome = runner.run(epoch,
						(batch, batches) -> l.batchDone(e, batch, batches, (double) ++batchesDone[0] / totalBatches));
				if (outcome == EpochRunner.Outcome.DIVERGED) {
					stop = TrainingResult.Stop.DIVERGED;
					message = String.format(Locale.ROOT, "Training diverged in epoch %d (the loss became NaN or "
							+ "infinite): lower the learning rate (now %s) and train again. The best model so far is "
							+ "kept.", epoch, plan.settings.learningRate());
					break;
				}
				if (outcome == EpochRunner.Outcome.CANCELLED) {
					stop = TrainingResult.Stop.CANCELLED;
					message = "Training was cancelled in epoch " + epoch + "; the best model so far is kept.";
					break;
				}
				double fitSeconds = (System.nanoTime() - t0) / 1e9;
				Validation v = start.validation == null ? null : Validation.of(start.network, start.validation);
				double valLoss = v == null ? Double.NaN : v.loss, valAcc = v == null ? Double.NaN : v.accuracy;
				history = history.plus(runner.loss(), runner.accuracy(), valLoss, valAcc);
				boolean isBest = checkpoints.record(plan.bundle(start.network, start.normalisation, history),
						v == null ? runner.loss() : valLoss, v);
				epochs.add(new EpochResult(epoch, runner.loss(), runner.accuracy(), valLoss, valAcc,
						(System.nanoTime() - t0) / 1e9, runner.examples() / fitSeconds, isBest));
				l.epochDone(epochs.get(epochs.size() - 1));
				if (v != null && early.stopAfter(valLoss)) {
					stop = TrainingResult.Stop.EARLY_STOPPED;
					message = "Early stopping after epoch " + epoch + ": the validation loss did not improve for "
							+ patience + " epoch(s).";
					break;
				}
			}
		}
		if (message == null) message = "Training finished after epoch " + (first + epochs.size() - 1) + ".";
		TrainingResult r = result(stop, message, epochs, checkpoints, start.validation, plan.validationIndices, data,
				start.inputs);
		l.finished(r);
		return r;
	}

	/** This thread's ND4J thread count for the run's batches (restored at the end): the rule's, capped as below. */
	private static int trainingThreads(TrainingPlan plan) {
		InputFormat f = plan.format;
		int classes = plan.classes.size(), batch = plan.settings.batchSize();
		return trainingThreads(plan.spec, f.height(), f.width(), f.channels(), classes, batch,
				ComputeThreads.forTraining(plan.spec, f.height(), f.width(), f.channels(), classes, batch));
	}

	/**
	 * The rule's {@code count}, or 1 on small machines when inner convolutions train as column products
	 * ({@link ComputeThreads#forColumnTraining}).
	 */
	static int trainingThreads(NetworkSpec spec, int height, int width, int channels, int classes, int batch,
			int count) {
		return ColumnRule.anyInner(spec, height, width, channels, classes, batch)
				? ComputeThreads.forColumnTraining(count) : count;
	}

	/**
	 * The result, with the best model's confusion matrix and predictions on the validation images (also
	 * {@link AveragingTrainer}'s).
	 */
	static TrainingResult result(TrainingResult.Stop stop, String message, List<EpochResult> epochs,
			Checkpoints checkpoints, Batches validationBatches, int[] validationIndices, Dataset data,
			InputCache inputs) {
		ModelBundle best = checkpoints.best();
		long[][] confusion = null;
		int[] predictions = null;
		if (best != null && validationBatches != null) {
			// the best epoch's own validation; computed again only when it was not kept
			Validation v = checkpoints.bestValidation();
			if (v == null) try (ComputeThreads.Scope threads = ComputeThreads.use(ComputeThreads.forCall(best.spec(),
					best.inputHeight(), best.inputWidth(), best.inputChannels(), best.labels().size(),
					validationBatches.batchSize()))) {
				v = Validation.of(best.network(), validationBatches);
			}
			confusion = Evaluation.confusion(v.actual, v.predicted, best.labels().size());
			predictions = v.predicted;
			validationIndices = v.indices;
		}
		return new TrainingResult(stop, message, epochs, best, checkpoints.last(), checkpoints.bestFile(),
				checkpoints.lastFile(), confusion, validationIndices, predictions, data.skipped(), inputs.keptCount(),
				inputs.keptBytes(), inputs.budget());
	}
}
