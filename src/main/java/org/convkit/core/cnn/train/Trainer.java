package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.Augmenter;
import org.convkit.core.cnn.data.Batches;
import org.convkit.core.cnn.data.Dataset;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.data.NormalisationFitter;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.data.Split;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.net.FastTraining;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.net.NdArrays;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Trains a classifier on a {@link Dataset}: split (stratified, seeded), normalisation fitted on the training split,
 * network from the spec ({@link NetworkBuilder}), then per epoch: shuffled (seeded) augmented training batches,
 * validation, listener callbacks, and saving.
 * <p>
 * Saving (when {@link #saveTo} was given): after every epoch the current model is written to the LAST file and,
 * when it is the best so far (lowest validation loss; lowest training loss when validation is 0), to the BEST file.
 * The best file is the given path ({@code model.zip}); the last file is its sibling with "-last" before ".zip"
 * ({@code model-last.zip}, see {@link #lastModelPath}). Writes go through {@link ModelBundleIO} (temporary file and
 * rename), so killing the process loses at most the epoch in progress. Both files hold the optimizer state.
 * <p>
 * Speed: during its own {@code fit} calls some of DL4J's objects are replaced at run time ({@link FastTraining}),
 * each giving DL4J's numbers; the network handed back behaves as DL4J's.
 * <p>
 * Stopping: {@link #cancel()} is checked between batches (the unfinished epoch is dropped); early stopping after
 * {@code patience} epochs in a row whose validation loss is not lower than the best by more than
 * {@value #MIN_RELATIVE_IMPROVEMENT} (relative) — off with patience 0 or without validation; a NaN or infinite loss
 * stops with advice to lower the learning rate. In every case the best model so far is kept.
 * <p>
 * Continuing ({@link #continueFrom}): the bundle's network (weights and optimizer state), spec, input format,
 * normalisation, seed and history are kept, as are its optimizer, learning rate, initialisation and L2; the settings
 * given here only choose how many MORE epochs to run and the batch size. Epoch numbers and the history continue;
 * "best" is the best of the continued run. The seed being the bundle's, the split is the same as before.
 */
public final class Trainer {
	/** Relative decrease of the validation loss that counts as an improvement for early stopping. */
	public static final double MIN_RELATIVE_IMPROVEMENT = 1e-4;

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
	private volatile boolean cancelled;

	/** Spec may be null when continuing from a bundle. */
	public Trainer(Dataset data, NetworkSpec spec, TrainingSettings settings) {
		if (data == null || settings == null) throw new IllegalArgumentException("data and settings are required");
		this.data = data;
		this.spec = spec;
		this.settings = settings;
	}

	/** The network input; default: the data's most common size and channels, scaled. */
	public Trainer input(InputFormat f) {
		format = f;
		return this;
	}

	/** Fraction held out for validation, 0 &lt;= f &lt; 1 (default 0: train on everything, no early stopping). */
	public Trainer validation(double fraction) {
		validation = fraction;
		return this;
	}

	/** Early stopping patience in epochs; 0 (default) = off. */
	public Trainer patience(int epochs) {
		if (epochs < 0) throw new IllegalArgumentException("patience must be >= 0, got " + epochs);
		patience = epochs;
		return this;
	}

	public Trainer augment(Set<Augmenter.Op> ops) {
		augment = ops == null ? EnumSet.noneOf(Augmenter.Op.class) : EnumSet.copyOf(ops);
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
		String n = best.getFileName().toString();
		String stem = n.toLowerCase(Locale.ROOT).endsWith(".zip") ? n.substring(0, n.length() - 4) : n;
		return best.resolveSibling(stem + "-last.zip");
	}

	/**
	 * Trains. Bad input is reported before anything is written.
	 *
	 * @throws IllegalArgumentException with a user-readable message for bad input (sizes, split, batch size,
	 *                                  existing or unwritable model files, mixed image types found while reading)
	 * @throws ModelFileException       when saving a model fails
	 */
	public TrainingResult train(TrainingListener listener) throws ModelFileException {
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
		Path lastFile = bestFile == null ? null : lastModelPath(bestFile);
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
		Batches trainBatches = new Batches(data, trainIdx, f, norm, s.batchSize(), true, s.seed(),
				new Augmenter(augment, s.seed()));
		Batches valBatches = valIdx.length == 0 ? null
				: new Batches(data, valIdx, f, norm, s.batchSize(), false, s.seed(), null);

		BatchStats stats = new BatchStats(net);
		net.addListeners(stats);
		FastTraining fast = FastTraining.on(net); // faster fit, DL4J's numbers
		ComputeThreads.Scope threads = ComputeThreads.use(ComputeThreads.forCall(netSpec, f.height(), f.width(),
				f.channels(), classes.size(), s.batchSize())); // this thread's ND4J thread count, restored below
		int first = history.epochs() + 1, lastEpoch = history.epochs() + settings.epochs();
		List<EpochResult> epochs = new ArrayList<>();
		TrainingResult.Stop stop = TrainingResult.Stop.COMPLETED;
		String message = null;
		double bestLoss = Double.POSITIVE_INFINITY, patienceBest = Double.POSITIVE_INFINITY;
		int stale = 0;
		MultiLayerNetwork bestNet = null;
		ModelBundle lastBundle = null;
		TrainingHistory bestHistory = null;
		int batchesDone = 0, totalBatches = trainBatches.batchCount() * settings.epochs();
		try {
			for (int epoch = first; epoch <= lastEpoch; epoch++) {
				l.epochStarted(epoch, lastEpoch);
				long t0 = System.nanoTime();
				stats.reset();
				int batch = 0;
				try (Batches.Epoch it = trainBatches.epoch(epoch)) {
					while (!cancelled && it.hasNext()) {
						DataSet ds = it.next();
						stats.begin(ds.getLabels());
						net.fit(ds);
						if (!stats.counted()) stats.add(NdArrays.rows(net.output(ds.getFeatures(), false)),
								NdArrays.rows(ds.getLabels()));
						if (!Double.isFinite(net.score()) || !Double.isFinite(stats.loss())) {
							stop = TrainingResult.Stop.DIVERGED;
							break;
						}
						l.batchDone(epoch, ++batch, trainBatches.batchCount(), (double) ++batchesDone / totalBatches);
					}
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
				double fitSeconds = (System.nanoTime() - t0) / 1e9;
				double trainLoss = stats.loss(), trainAcc = stats.accuracy(), valLoss = Double.NaN,
						valAcc = Double.NaN;
				if (valBatches != null) {
					Scores v = evaluate(net, valBatches);
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
						(System.nanoTime() - t0) / 1e9, stats.examples() / fitSeconds, isBest));
				l.epochDone(epochs.get(epochs.size() - 1));
				if (valBatches != null && patience > 0) {
					if (valLoss < patienceBest * (1 - MIN_RELATIVE_IMPROVEMENT)) {
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
			net.getListeners().remove(stats);
			fast.off();
			threads.close();
		}
		if (message == null) message = "Training finished after epoch " + (first + epochs.size() - 1) + ".";
		ModelBundle best = bestNet == null ? null : new ModelBundle(bestNet, netSpec, classes, f.height(), f.width(),
				f.channels(), norm, s.withEpochs(bestHistory.epochs()), bestHistory, f.resize());
		long[][] confusion = null;
		int[] valPred = null;
		if (best != null && valBatches != null) {
			Scores v = evaluate(best.network(), valBatches);
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
		if (format != null) {
			if (format.channels() != data.channels())
				throw new IllegalArgumentException("The input is set to " + format.channels() + " channel(s) but the "
						+ "images have " + data.channels() + " (1 = grayscale, 3 = RGB)");
			return format;
		}
		int[] wh = data.commonSize();
		return new InputFormat(wh[1], wh[0], data.channels(), Resize.SCALE);
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

	/** Loss, accuracy and predictions over all batches, in batch order. */
	static Scores evaluate(MultiLayerNetwork net, Batches batches) {
		Scores s = new Scores();
		List<int[]> idx = new ArrayList<>();
		List<float[][]> probs = new ArrayList<>(), ys = new ArrayList<>();
		try (Batches.Epoch it = batches.epoch(0)) {
			while (it.hasNext()) {
				DataSet ds = it.next();
				probs.add(NdArrays.rows(net.output(ds.getFeatures(), false)));
				ys.add(NdArrays.rows(ds.getLabels()));
				idx.add(it.currentIndices());
			}
		}
		int n = idx.stream().mapToInt(a -> a.length).sum(), k = 0;
		s.indices = new int[n];
		s.actual = new int[n];
		s.predicted = new int[n];
		double loss = 0;
		long right = 0;
		for (int b = 0; b < idx.size(); b++)
			for (int j = 0; j < idx.get(b).length; j++, k++) {
				float[] p = probs.get(b)[j];
				s.indices[k] = idx.get(b)[j];
				s.actual[k] = Evaluation.argMax(ys.get(b)[j]);
				s.predicted[k] = Evaluation.argMax(p);
				loss += BatchStats.crossEntropy(p, s.actual[k]);
				if (s.actual[k] == s.predicted[k]) right++;
			}
		s.loss = n == 0 ? Double.NaN : loss / n;
		s.accuracy = n == 0 ? Double.NaN : (double) right / n;
		return s;
	}

	static final class Scores {
		double loss, accuracy;
		int[] indices, actual, predicted;
	}
}
