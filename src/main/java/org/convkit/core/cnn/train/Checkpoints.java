package org.convkit.core.cnn.train;

import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.model.ModelFileException;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Locale;

/**
 * The best and last model of a training run, in memory and (when saving) on disk. After every epoch the model is
 * written to the LAST file and, when its criterion (validation loss, or training loss without validation) is the
 * lowest so far, to the BEST file too. Writes go through {@link ModelBundleIO} (temporary file and rename), so
 * killing the process loses at most the epoch in progress.
 */
final class Checkpoints {
	private final Path bestFile, lastFile; // null: not saving
	private double bestCriterion = Double.POSITIVE_INFINITY;
	private ModelBundle best, last;
	private Validation bestValidation;

	private Checkpoints(Path bestFile, Path lastFile) {
		this.bestFile = bestFile;
		this.lastFile = lastFile;
	}

	/** Keeps the models in memory only. */
	static Checkpoints inMemory() {
		return new Checkpoints(null, null);
	}

	/**
	 * Saves to {@code file} (best) and {@link #lastModelPath} (last), after checking that both can be written.
	 *
	 * @throws IllegalArgumentException with a user-readable message when the folder is missing or not writable, or
	 *                                  a file exists and {@code overwrite} is false
	 */
	static Checkpoints files(Path file, boolean overwrite) {
		Path best = file.toAbsolutePath().normalize(), last = lastModelPath(best);
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
		return new Checkpoints(best, last);
	}

	/** "model.zip" → "model-last.zip"; a name without ".zip" gets "-last.zip" appended. */
	static Path lastModelPath(Path best) {
		String n = best.getFileName().toString();
		String stem = n.toLowerCase(Locale.ROOT).endsWith(".zip") ? n.substring(0, n.length() - 4) : n;
		return best.resolveSibling(stem + "-last.zip");
	}

	/**
	 * Records an epoch's model: it becomes the last one, and the best one when {@code criterion} is lower than every
	 * earlier epoch's. The best is kept as a copy of the network, which goes on training, with its validation (null
	 * when there is none).
	 *
	 * @return whether it is the best so far
	 */
	boolean record(ModelBundle epochModel, double criterion, Validation validation) throws ModelFileException {
		last = epochModel;
		if (lastFile != null) ModelBundleIO.write(epochModel, lastFile, true);
		if (!(criterion < bestCriterion)) return false;
		bestCriterion = criterion;
		if (bestFile != null) ModelBundleIO.write(epochModel, bestFile, true);
		MultiLayerNetwork live = epochModel.network(), copy = best == null ? null : best.network();
		if (copy == null || !copyInto(live, copy)) {
			copy = live.clone();
			copy.setListeners(new ArrayList<org.deeplearning4j.optimize.api.TrainingListener>()); // DL4J's, not ours
		}
		best = epochModel.withNetwork(copy);
		bestValidation = validation;
		return true;
	}

	/**
	 * Copies the live network's parameters, optimiser state and counters into the earlier best copy, which no one
	 * else holds, instead of cloning afresh: a clone is new native memory (Small VGG on 96×96 RGB: 38 MB of
	 * parameters and 76 MB of Adam's state every epoch that improves), whose first write costs 10–15 µs per 4 KB page
	 * on the VMs measured here, and the replaced clone's memory goes back to the system. False (nothing copied) when
	 * the two do not match in size.
	 */
	static boolean copyInto(MultiLayerNetwork live, MultiLayerNetwork copy) {
		INDArray from = live.params(), to = copy.params();
		if (from == null || to == null || from.length() != to.length() || from.dataType() != to.dataType()) return false;
		INDArray state = live.getUpdater() == null ? null : live.getUpdater().getStateViewArray();
		INDArray kept = copy.getUpdater() == null ? null : copy.getUpdater().getStateViewArray();
		if (state == null ? kept != null : kept == null || state.length() != kept.length()) return false;
		to.assign(from);
		if (state != null) kept.assign(state);
		copy.getLayerWiseConfigurations().setIterationCount(live.getLayerWiseConfigurations().getIterationCount());
		copy.getLayerWiseConfigurations().setEpochCount(live.getLayerWiseConfigurations().getEpochCount());
		return true;
	}

	/** The best epoch's validation (its predictions make the result's confusion matrix); null without validation. */
	Validation bestValidation() {
		return bestValidation;
	}

	/** The best model so far; null before the first recorded epoch. */
	ModelBundle best() {
		return best;
	}

	ModelBundle last() {
		return last;
	}

	/** Where the best model was saved; null when not saving or nothing was saved yet. */
	Path bestFile() {
		return best == null ? null : bestFile;
	}

	Path lastFile() {
		return last == null ? null : lastFile;
	}
}
