package org.convkit.core.cnn.train;

import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.model.TrainingHistory;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

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
	private final Trainer run;
	private int replicas = 1, averageEvery = 1;

	/**
	 * Averaged training of what {@code run} would train (its data, spec or continued model, input, settings,
	 * validation, patience, augmentation, model files): the same options, one place to set them.
	 */
	public AveragingTrainer(Trainer run) {
		if (run == null) throw new IllegalArgumentException("the training run is required");
		this.run = run;
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
		run.cancel();
	}

	/**
	 * Trains on the pool's replicas. Bad input is reported before anything is written.
	 *
	 * @throws IllegalArgumentException with a user-readable message for bad input (as {@link Trainer#train})
	 * @throws ModelFileException       when saving a model fails
	 */
	public TrainingResult train(ReplicaPool pool, TrainingListener listener) throws ModelFileException {
		TrainingListener l = listener == null ? TrainingListener.NONE : listener;
		Trainer t = run;
		TrainingPlan plan = new TrainingPlan(t.data, t.spec, t.settings, t.format, t.validation, t.split,
				t.continued, t.normalisation);
		Checkpoints checkpoints = t.modelFile == null ? Checkpoints.inMemory()
				: Checkpoints.files(t.modelFile, t.overwrite);
		// the driver only orders the batches; the replicas read, augment and fit them
		TrainingPlan.Start start = plan.start(t.augment);
		MultiLayerNetwork net = start.network;
		TrainingHistory history = start.history;
		EarlyStopping early = new EarlyStopping(start.validation == null ? 0 : t.patience);
		NetworkState state = NetworkState.of(net);

		int first = history.epochs() + 1, lastEpoch = history.epochs() + t.settings.epochs();
		int batchCount = start.training.batchCount(), perRound = replicas * averageEvery, batchSize = plan.settings
				.batchSize();
		long totalBatches = (long) batchCount * t.settings.epochs(), batchesDone = 0;
		List<EpochResult> epochs = new ArrayList<>();
		TrainingResult.Stop stop = TrainingResult.Stop.COMPLETED;
		String message = null;
		InputFormat f = plan.format;
		pool.start(new ReplicaSetup(new ModelBundle(net, plan.spec, plan.classes, f.height(), f.width(), f.channels(),
				start.normalisation, plan.settings, history, f.resize(), t.data.patchInput()), batchSize,
				plan.settings.seed(), t.augment));
		try {
			for (int epoch = first; epoch <= lastEpoch; epoch++) {
				l.epochStarted(epoch, lastEpoch);
				long t0 = System.nanoTime();
				double lossSum = 0;
				long right = 0, examples = 0;
				int[] order = start.training.order(epoch);
				for (int b = 0; b < batchCount && !t.cancelled; b += perRound) {
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
				if (t.cancelled) {
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
						v == null ? trainLoss : valLoss, v);
				epochs.add(new EpochResult(epoch, trainLoss, trainAcc, valLoss, valAcc,
						(System.nanoTime() - t0) / 1e9, examples / fitSeconds, isBest));
				l.epochDone(epochs.get(epochs.size() - 1));
				if (v != null && early.stopAfter(valLoss)) {
					stop = TrainingResult.Stop.EARLY_STOPPED;
					message = "Early stopping after epoch " + epoch + ": the validation loss did not improve for "
							+ t.patience + " epoch(s).";
					break;
				}
			}
		} finally {
			pool.stop();
		}
		if (message == null) message = "Training finished after epoch " + (first + epochs.size() - 1) + ".";
		TrainingResult r = Trainer.result(stop, message, epochs, checkpoints, start.validation,
				plan.validationIndices, t.data, start.inputs);
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
