package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.Augmenter;
import org.convkit.core.cnn.data.Batches;
import org.convkit.core.cnn.data.Dataset;
import org.convkit.core.cnn.data.InputCache;
import org.convkit.core.cnn.data.NormalisationFitter;
import org.convkit.core.cnn.data.Split;
import org.convkit.core.cnn.data.SplitRule;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.net.ClassBalance;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.List;
import java.util.Set;

/**
 * What a run trains, checked before anything is written: the network spec, input format and settings (new, or those
 * of a continued bundle), and the stratified, seeded split. {@link #start} then builds the network (or takes the
 * continued one), the normalisation fitted on the training split, and the batches.
 */
final class TrainingPlan {
	final List<String> classes;
	final NetworkSpec spec;
	final InputFormat format;
	final TrainingSettings settings;
	final int[] trainIndices, validationIndices;
	final NormalisationRule rule;
	private final Dataset data;
	private final ModelBundle continued;

	/** What {@link #start} built. */
	static final class Start {
		final MultiLayerNetwork network;
		final Normalisation normalisation;
		final TrainingHistory history;
		final Batches training, validation; // validation null without validation images
		final InputCache inputs; // the examples of both, kept in memory within its budget

		private Start(MultiLayerNetwork network, Normalisation normalisation, TrainingHistory history, Batches training,
				Batches validation, InputCache inputs) {
			this.network = network;
			this.normalisation = normalisation;
			this.history = history;
			this.training = training;
			this.validation = validation;
			this.inputs = inputs;
		}
	}

	/**
	 * @throws IllegalArgumentException with a user-readable message for bad input (no spec, channels or classes that
	 *                                  do not match, a split that leaves a class out, a batch larger than the
	 *                                  training split)
	 */
	TrainingPlan(Dataset data, NetworkSpec spec, TrainingSettings settings, InputFormat requested, double validation,
			SplitRule splitRule, ModelBundle continued, NormalisationRule rule) {
		this.data = data;
		this.continued = continued;
		this.rule = continued != null ? continued.normalisation().rule() : rule;
		classes = data.classes();
		this.spec = continued != null ? continued.spec() : spec;
		if (this.spec == null) throw new IllegalArgumentException("network spec missing");
		format = inputFormat(requested);
		this.settings = continued == null ? settings : continued.settings().withBatchSize(settings.batchSize());
		int[] labels = new int[data.size()];
		for (int i = 0; i < labels.length; i++) labels[i] = data.label(i);
		Split split;
		if (splitRule == SplitRule.BY_IMAGE) {
			String[] sources = new String[labels.length];
			for (int i = 0; i < sources.length; i++) sources[i] = data.source(i);
			split = Split.bySource(labels, sources, classes, validation, this.settings.seed());
		} else split = Split.stratified(labels, classes, validation, this.settings.seed());
		trainIndices = split.train();
		validationIndices = split.validation();
		if (this.settings.batchSize() > trainIndices.length)
			throw new IllegalArgumentException("The batch size " + this.settings.batchSize() + " is larger than the "
					+ trainIndices.length + " training images: choose a batch of at most " + trainIndices.length);
	}

	Start start(Set<Augmenter.Op> augment) {
		MultiLayerNetwork net;
		Normalisation norm;
		TrainingHistory history;
		InputFormat f = format;
		// every image read once, in parallel, and kept for the later epochs as far as the budget allows
		InputCache inputs = InputCache.covers(data) ? new InputCache(data, f, InputCache.defaultBudget(), true)
				: new InputCache(data, f, 0, false); // patches: the dataset cuts them itself (Dataset.read)
		if (continued != null) {
			net = continued.network();
			norm = continued.normalisation();
			history = continued.history();
		} else {
			double[] weights = settings.balance() == ClassBalance.WEIGHTS
					? ClassBalance.inverseFrequencyWeights(trainingCounts()) : null;
			NetworkBuilder.configuration(spec, f.height(), f.width(), f.channels(), classes.size(), settings, weights);
			norm = inputs.covers() ? NormalisationFitter.fit(inputs, trainIndices, rule)
					: NormalisationFitter.fit(data, trainIndices, f, rule);
			net = NetworkBuilder.network(spec, f.height(), f.width(), f.channels(), classes.size(), settings, weights);
			history = TrainingHistory.empty();
		}
		Batches training = new Batches(inputs, trainIndices, norm, settings.batchSize(), true, settings.seed(),
				new Augmenter(augment, settings.seed()));
		if (settings.balance() == ClassBalance.SAMPLING) training.balanceClasses();
		Batches validation = validationIndices.length == 0 ? null
				: new Batches(inputs, validationIndices, norm, settings.batchSize(), false, settings.seed(), null);
		return new Start(net, norm, history, training, validation, inputs);
	}

	/** Training examples per class. */
	int[] trainingCounts() {
		int[] counts = new int[classes.size()];
		for (int i : trainIndices) counts[data.label(i)]++;
		return counts;
	}

	/** A bundle of the plan's network description with the given network, normalisation and history. */
	ModelBundle bundle(MultiLayerNetwork net, Normalisation norm, TrainingHistory history) {
		TrainingSettings stored = settings.withEpochs(Math.min(TrainingSettings.MAX_EPOCHS, history.epochs()));
		return new ModelBundle(net, spec, classes, format.height(), format.width(), format.channels(), norm, stored,
				history, format.resize(), data.patchInput());
	}

	private InputFormat inputFormat(InputFormat requested) {
		if (continued != null) {
			ModelBundle b = continued;
			if (!b.labels().equals(data.classes()))
				throw new IllegalArgumentException("The model's classes " + b.labels() + " differ from the data's "
						+ data.classes() + ": continue training only with the same class folders or labels");
			PatchInput mine = b.patchInput(), theirs = data.patchInput();
			if (mine == null ? theirs != null : !mine.equals(theirs))
				throw new IllegalArgumentException("The model was trained on " + (mine == null ? "whole images"
						: "patches (" + mine + ")") + " but these examples are " + (theirs == null ? "whole images"
								: "patches (" + theirs + ")") + ": continue training only with data cut the same way");
			if (b.inputChannels() != data.channels())
				throw new IllegalArgumentException("The model expects " + b.inputChannels() + " channel(s) but the "
						+ "images have " + data.channels());
			return new InputFormat(b.inputHeight(), b.inputWidth(), b.inputChannels(), b.resize());
		}
		if (requested != null) {
			if (requested.channels() != data.channels())
				throw new IllegalArgumentException("The input is set to " + requested.channels() + " channel(s) but "
						+ "the images have " + data.channels() + " (1 = grayscale, 3 = RGB)");
			return requested;
		}
		int[] wh = data.commonSize();
		int k = Math.max(1, spec.fittingScale(wh[1], wh[0], data.channels())); // too small: scaled up to fit
		return new InputFormat(k * wh[1], k * wh[0], data.channels(), Resize.SCALE);
	}
}
