package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.Augmenter;
import org.convkit.core.cnn.data.Batches;
import org.convkit.core.cnn.data.Dataset;
import org.convkit.core.cnn.data.NormalisationFitter;
import org.convkit.core.cnn.data.Split;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.nio.file.Files;
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

	/** The network input (required for a new model). */
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
		List<String> classes = data.classes();
		NetworkSpec netSpec = continued != null ? continued.spec() : spec;
		if (netSpec == null) throw new IllegalArgumentException("network spec missing");
		InputFormat f = inputFormat();
		TrainingSettings s = continued == null ? settings : continued.settings().withBatchSize(settings.batchSize());
		int[] labels = new int[data.size()];
		for (int i = 0; i < labels.length; i++) labels[i] = data.label(i);
		Split split = Split.stratified(labels, classes, validation, s.seed());
		int[] trainIdx = split.train(), valIdx = split.validation();
		if (s.batchSize() > trainIdx.length)
			throw new IllegalArgumentException("The batch size " + s.batchSize() + " is larger than the "
					+ trainIdx.length + " training images: choose a batch of at most " + trainIdx.length);
		Path bestFile = modelFile == null ? null : modelFile.toAbsolutePath().normalize();
		Path lastFile = bestFile == null ? null : Trainer.lastModelPath(bestFile);
		if (bestFile != null) checkWritable(bestFile, lastFile);

		MultiLayerNetwork net;
		Normalisation norm;
		TrainingHistory history;
		if (continued != null) {
			net = continued.network();
			norm = continued.normalisation();
			history = continued.history();
		} else {
			NetworkBuilder.configuration(netSpec, f.height(), f.width(), f.channels(), classes.size(), s); // checks
			norm = NormalisationFitter.fit(data, trainIdx, f);
			net = NetworkBuilder.network(netSpec, f.height(), f.width(), f.channels(), classes.size(), s);
			history = TrainingHistory.empty();
		}
		// the driver only orders the batches; the replicas read, augment and fit them
		Batches trainBatches = new Batches(data, trainIdx, f, norm, s.batchSize(), true, s.seed(), null);
		Batches valBatches = valIdx.length == 0 ? null
				: new Batches(data, valIdx, f, norm, s.batchSize(), false, s.seed(), null);
		ModelBundle start = new ModelBundle(net, netSpec, classes, f.height(), f.width(), f.channels(), norm, s,
				history, f.resize());
		NetworkState state = NetworkState.of(net);

		int first = history.epochs() + 1, lastEpoch = history.epochs() + settings.epochs();
		int batchCount = trainBatches.batchCount(), perRound = replicas * averageEvery;
		long totalBatches = (long) batchCount * settings.epochs();
		List<EpochResult> epochs = new ArrayList<>();
		TrainingResult.Stop stop = TrainingResult.Stop.COMPLETED;
		String message = null;
		double bestLoss = Double.POSITIVE_INFINITY, patienceBest = Double.POSITIVE_INFINITY;
		int stale = 0;
		MultiLayerNetwork bestNet = null;
		ModelBundle lastBundle = null;
		TrainingHistory bestHistory = null;
		long batchesDone = 0;
		pool.start(new ReplicaSetup(start, s.batchSize(), s.seed(), augment));
		try {
			for (int epoch = first; epoch <= lastEpoch; epoch++) {
				l.epochStarted(epoch, lastEpoch);
				long t0 = System.nanoTime();
				double lossSum = 0;
				long right = 0, examples = 0;
				int[] order = trainBatches.order(epoch);
				for (int b = 0; b < batchCount && !cancelled; b += perRound) {
					List<ReplicaResult> results = pool.round(epoch, state, deal(order, b, batchCount, s.batchSize()));
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
							+ "kept.", epoch, s.learningRate());
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
						trainAcc = examples == 0 ? Double.NaN : (double) right / examples, valLoss = Double.NaN,
						valAcc = Double.NaN;
				if (valBatches != null) {
					Trainer.Scores v = Trainer.evaluate(net, valBatches);
					valLoss = v.loss;
					valAcc = v.accuracy;
				}
				history = history.plus(trainLoss, trainAcc, valLoss, valAcc);
				double criterion = valBatches != null ? valLoss : trainLoss;
				boolean isBest = criterion < bestLoss;
				TrainingSettings stored = s.withEpochs(Math.min(TrainingSettings.MAX_EPOCHS, history.epochs()));
				lastBundle = new ModelBundle(net, netSpec, classes, f.height(), f.width(), f.channels(), norm, stored,
						history, f.resize());
				if (lastFile != null) ModelBundleIO.write(lastBundle, lastFile, true);
				if (isBest) {
					bestLoss = criterion;
					if (bestFile != null) ModelBundleIO.write(lastBundle, bestFile, true);
					bestNet = net.clone();
					bestNet.setListeners(new ArrayList<org.deeplearning4j.optimize.api.TrainingListener>());
					bestHistory = history;
				}
				epochs.add(new EpochResult(epoch, trainLoss, trainAcc, valLoss, valAcc,
						(System.nanoTime() - t0) / 1e9, examples / fitSeconds, isBest));
				l.epochDone(epochs.get(epochs.size() - 1));
				if (valBatches != null && patience > 0) {
					if (valLoss < patienceBest * (1 - Trainer.MIN_RELATIVE_IMPROVEMENT)) {
						patienceBest = valLoss;
						stale = 0;
					} else if (++stale >= patience) {
						stop = TrainingResult.Stop.EARLY_STOPPED;
						message = "Early stopping after epoch " + epoch + ": the validation loss did not improve for "
								+ patience + " epoch(s).";
						break;
					}
				}
			}
		} finally {
			pool.stop();
		}
		if (message == null) message = "Training finished after epoch " + (first + epochs.size() - 1) + ".";
		ModelBundle best = bestNet == null ? null : new ModelBundle(bestNet, netSpec, classes, f.height(), f.width(),
				f.channels(), norm, s.withEpochs(bestHistory.epochs()), bestHistory, f.resize());
		long[][] confusion = null;
		int[] valPred = null;
		if (best != null && valBatches != null) {
			Trainer.Scores v = Trainer.evaluate(best.network(), valBatches);
			confusion = Evaluation.confusion(v.actual, v.predicted, classes.size());
			valPred = v.predicted;
			valIdx = v.indices;
		}
		TrainingResult r = new TrainingResult(stop, message, epochs, best, lastBundle,
				best == null ? null : bestFile, lastBundle == null ? null : lastFile, confusion, valIdx, valPred,
				data.skipped());
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

	private InputFormat inputFormat() {
		if (continued != null) {
			ModelBundle b = continued;
			if (!b.labels().equals(data.classes()))
				throw new IllegalArgumentException("The model's classes " + b.labels() + " differ from the data's "
						+ data.classes() + ": continue training only with the same class folders or labels");
			if (b.inputChannels() != data.channels())
				throw new IllegalArgumentException("The model expects " + b.inputChannels() + " channel(s) but the "
						+ "images have " + data.channels());
			return new InputFormat(b.inputHeight(), b.inputWidth(), b.inputChannels(), b.resize());
		}
		if (format == null) throw new IllegalArgumentException("the network input format is missing");
		if (format.channels() != data.channels())
			throw new IllegalArgumentException("The input is set to " + format.channels() + " channel(s) but the "
					+ "images have " + data.channels() + " (1 = grayscale, 3 = RGB)");
		return format;
	}

	private void checkWritable(Path best, Path last) {
		Path dir = best.getParent();
		if (dir == null || !Files.isDirectory(dir))
			throw new IllegalArgumentException("Cannot save the model to " + best + ": the folder " + dir
					+ " does not exist");
		if (!Files.isWritable(dir))
			throw new IllegalArgumentException("Cannot save the model to " + best + ": the folder " + dir
					+ " is not writable");
		for (Path p : new Path[] { best, last })
			if (!overwrite && Files.exists(p))
				throw new IllegalArgumentException("The model file " + p + " already exists (choose overwrite to "
						+ "replace it)");
	}
}
