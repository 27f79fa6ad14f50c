package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.Augmenter;
import org.convkit.core.cnn.data.Dataset;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Data-parallel training by synchronous parameter averaging, the scheme of DL4J's ParameterAveragingTrainingMaster:
 * the epoch's batches (the {@link Trainer}'s shuffled order) are dealt to {@code replicas} model replicas,
 * {@code averageEvery} consecutive batches each per round; every replica starts the round from the same state, fits
 * its batches, and the driver averages the replicas' parameters AND optimizer state (Adam's moving averages) into
 * the next round's state. With one replica averaging after every batch this is exactly the {@link Trainer}'s
 * training (the same batches, order, augmentation, steps and state), which the tests check.
 * <p>
 * Everything else is the Trainer's: the split, the normalisation fitted on the training split, validation of the
 * averaged model after each epoch, the per-epoch history, best and last model files, early stopping, divergence,
 * continuing a saved model. Where the replicas run is a {@link ReplicaPool} (Spark executors, or this JVM).
 * <p>
 * Several replicas fit {@code replicas × averageEvery} batches per round, so an epoch has fewer, larger averaged
 * steps than single-machine training: comparable, not equal, accuracy after the same epochs.
 */
public final class AveragingTrainer {
	private final Dataset data;
	private final NetworkSpec spec;
	private final TrainingSettings settings;
	private InputFormat format;
	private double validation;
	private int patience;
	private Set<Augmenter.Op> augment = EnumSet.noneOf(Augmenter.Op.class);
	private Path modelFile;
	private boolean overwrite;
	private ModelBundle continued;
	private int replicas = 1, averageEvery = 1;
	private volatile boolean cancelled;

	/** Spec may be null when continuing from a bundle. */
	public AveragingTrainer(Dataset data, NetworkSpec spec, TrainingSettings settings) {
		if (data == null || settings == null) throw new IllegalArgumentException("data and settings are required");
		this.data = data;
		this.spec = spec;
		this.settings = settings;
	}

	/** As {@link Trainer#input}. */
	public AveragingTrainer input(InputFormat f) {
		format = f;
		return this;
	}

	/** As {@link Trainer#validation}. */
	public AveragingTrainer validation(double fraction) {
		validation = fraction;
		return this;
	}

	/** As {@link Trainer#patience}. */
	public AveragingTrainer patience(int epochs) {
		if (epochs < 0) throw new IllegalArgumentException("patience must be >= 0, got " + epochs);
		patience = epochs;
		return this;
	}

	public AveragingTrainer augment(Set<Augmenter.Op> ops) {
		augment = ops == null || ops.isEmpty() ? EnumSet.noneOf(Augmenter.Op.class) : EnumSet.copyOf(ops);
		return this;
	}

	/** As {@link Trainer#saveTo}. */
	public AveragingTrainer saveTo(Path file, boolean overwrite) {
		this.modelFile = file;
		this.overwrite = overwrite;
		return this;
	}

	public AveragingTrainer continueFrom(ModelBundle bundle) {
		continued = bundle;
		return this;
	}

	/** Model replicas training at once (workers), at least 1. */
	public AveragingTrainer replicas(int n) {
		if (n < 1) throw new IllegalArgumentException("the number of workers must be at least 1, got " + n);
		replicas = n;
		return this;
	}

	/** Batches each replica fits between two averagings, at least 1. */
	public AveragingTrainer averageEvery(int batches) {
		if (batches < 1)
			throw new IllegalArgumentException("averaging must be every 1 or more batches, got " + batches);
		averageEvery = batches;
		return this;
	}

	/** Stops after the current round (any thread); the unfinished epoch is dropped. */
	public void cancel() {
		cancelled = true;
	}

	/**
	 * Trains on the pool's replicas. Bad input is reported before anything is written.
	 *
	 * @throws IllegalArgumentException with a user-readable message for bad input (as {@link Trainer#train})
	 * @throws ModelFileException       when saving a model fails
	 */
	public TrainingResult train(ReplicaPool pool, TrainingListener listener) throws ModelFileException {
		TrainingListener l = listener == null ? TrainingListener.NONE : listener;
		TrainingPlan plan = new TrainingPlan(data, spec, settings, format, validation, continued);
		Checkpoints checkpoints = modelFile == null ? Checkpoints.inMemory() : Checkpoints.files(modelFile, overwrite);
		// the driver only orders the batches; the replicas read, augment and fit them
		TrainingPlan.Start start = plan.start(augment);
		MultiLayerNetwork net = start.network;
		TrainingHistory history = start.history;
		EarlyStopping early = new EarlyStopping(start.validation == null ? 0 : patience);
		NetworkState state = NetworkState.of(net);

		int first = history.epochs() + 1, lastEpoch = history.epochs() + settings.epochs();
		int batchCount = start.training.batchCount(), perRound = replicas * averageEvery, batchSize = plan.settings
				.batchSize();
		long totalBatches = (long) batchCount * settings.epochs(), batchesDone = 0;
		List<EpochResult> epochs = new ArrayList<>();
		TrainingResult.Stop stop = TrainingResult.Stop.COMPLETED;
		String message = null;
		InputFormat f = plan.format;
		pool.start(new ReplicaSetup(new ModelBundle(net, plan.spec, plan.classes, f.height(), f.width(), f.channels(),
				start.normalisation, plan.settings, history, f.resize()), batchSize, plan.settings.seed(), augment));
		try {
			for (int epoch = first; epoch <= lastEpoch; epoch++) {
				l.epochStarted(epoch, lastEpoch);
				long t0 = System.nanoTime();
				double lossSum = 0;
				long right = 0, examples = 0;
				int[] order = start.training.order(epoch);
				for (int b = 0; b < batchCount && !cancelled; b += perRound) {
					List<ReplicaResult> results = pool.round(epoch, state, deal(order, b, batchCount, batchSize));
					List<NetworkState> states = new ArrayList<>();
					for (ReplicaResult r : results) {
						if (r.diverged) stop = TrainingResult.Stop.DIVERGED;
						else if (r.batches > 0) states.add(r.state);
						lossSum += r.lossSum;
						right += r.right;
						examples += r.examples;
					}
					if (stop == TrainingResult.Stop.DIVERGED) break;
					if (!states.isEmpty()) state = NetworkState.average(states);
					int done = Math.min(batchCount, b + perRound);
					batchesDone += done - b;
					l.batchDone(epoch, done, batchCount, (double) batchesDone / totalBatches);
				}
				if (stop == TrainingResult.Stop.DIVERGED) {
					message = String.format(Locale.ROOT, "Training diverged in epoch %d (the loss became NaN or "
							+ "infinite): lower the learning rate (now %s) and train again. The best model so far is "
							+ "kept.", epoch, plan.settings.learningRate());
					break;
				}
				if (cancelled) {
					stop = TrainingResult.Stop.CANCELLED;
					message = "Training was cancelled in epoch " + epoch + "; the best model so far is kept.";
					break;
				}
				state.applyTo(net);
				double fitSeconds = (System.nanoTime() - t0) / 1e9;
				double trainLoss = examples == 0 ? Double.NaN : lossSum / examples,
						trainAcc = examples == 0 ? Double.NaN : (double) right / examples;
				Validation v = start.validation == null ? null : Validation.of(net, start.validation);
				double valLoss = v == null ? Double.NaN : v.loss, valAcc = v == null ? Double.NaN : v.accuracy;
				history = history.plus(trainLoss, trainAcc, valLoss, valAcc);
				boolean isBest = checkpoints.record(plan.bundle(net, start.normalisation, history),
						v == null ? trainLoss : valLoss);
				epochs.add(new EpochResult(epoch, trainLoss, trainAcc, valLoss, valAcc,
						(System.nanoTime() - t0) / 1e9, examples / fitSeconds, isBest));
				l.epochDone(epochs.get(epochs.size() - 1));
				if (v != null && early.stopAfter(valLoss)) {
					stop = TrainingResult.Stop.EARLY_STOPPED;
					message = "Early stopping after epoch " + epoch + ": the validation loss did not improve for "
							+ patience + " epoch(s).";
					break;
				}
			}
		} finally {
			pool.stop();
		}
		if (message == null) message = "Training finished after epoch " + (first + epochs.size() - 1) + ".";
		TrainingResult r = Trainer.result(stop, message, epochs, checkpoints, start.validation,
				plan.validationIndices, data);
		l.finished(r);
		return r;
	}

	/**
	 * The examples of each replica in the round starting at batch {@code from}: replica r gets the
	 * {@code averageEvery} consecutive batches from {@code from + r × averageEvery} of the epoch's order (fewer, or
	 * none, at the end of the epoch; replicas without batches are left out).
	 */
	int[][] deal(int[] order, int from, int batchCount, int batchSize) {
		List<int[]> out = new ArrayList<>();
		for (int r = 0; r < replicas; r++) {
			int b0 = from + r * averageEvery, b1 = Math.min(batchCount, b0 + averageEvery);
			if (b0 >= b1) break;
			out.add(Arrays.copyOfRange(order, b0 * batchSize, Math.min(order.length, b1 * batchSize)));
		}
		return out.toArray(new int[0][]);
	}
}
