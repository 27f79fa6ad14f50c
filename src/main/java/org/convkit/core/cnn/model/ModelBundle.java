package org.convkit.core.cnn.model;

import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything needed to use a trained classifier again, as one value: the network (configuration, weights and
 * optimizer state), the class labels in output order, the input size, the normalisation, the layer spec, the
 * training settings and history, and for models trained on patches of larger images (ROIs) how those are cut
 * ({@link PatchInput}). {@link ModelBundleIO} stores it as one .zip file.
 * <p>
 * The fields are immutable; the DL4J network itself is not (training changes it in place), so a bundle taken during
 * training snapshots nothing: write it before training continues.
 */
public final class ModelBundle {
	private final MultiLayerNetwork network;
	private final NetworkSpec spec;
	private final List<String> labels;
	private final int inputHeight, inputWidth, inputChannels;
	private final Normalisation normalisation;
	private final TrainingSettings settings;
	private final TrainingHistory history;
	private final Resize resize;
	private final PatchInput patchInput;

	/**
	 * @throws IllegalArgumentException when the parts do not fit together (labels vs. output size, channels vs.
	 *                                  normalisation, spec vs. parameter count), or labels are blank or repeated
	 */
	public ModelBundle(MultiLayerNetwork network, NetworkSpec spec, List<String> labels, int inputHeight,
			int inputWidth, int inputChannels, Normalisation normalisation, TrainingSettings settings,
			TrainingHistory history) {
		this(network, spec, labels, inputHeight, inputWidth, inputChannels, normalisation, settings, history,
				Resize.SCALE);
	}

	/** As above, with the rule that brings images of other sizes to the input size (null = Scale). */
	public ModelBundle(MultiLayerNetwork network, NetworkSpec spec, List<String> labels, int inputHeight,
			int inputWidth, int inputChannels, Normalisation normalisation, TrainingSettings settings,
			TrainingHistory history, Resize resize) {
		this(network, spec, labels, inputHeight, inputWidth, inputChannels, normalisation, settings, history, resize,
				null);
	}

	/**
	 * As above, for a model whose examples are patches cut from larger images (null: whole images).
	 *
	 * @throws IllegalArgumentException also when the patch input's channel count is not the input's
	 */
	public ModelBundle(MultiLayerNetwork network, NetworkSpec spec, List<String> labels, int inputHeight,
			int inputWidth, int inputChannels, Normalisation normalisation, TrainingSettings settings,
			TrainingHistory history, Resize resize, PatchInput patchInput) {
		if (patchInput != null && patchInput.inputChannels() != inputChannels)
			throw new IllegalArgumentException("the patch input has " + patchInput.inputChannels()
					+ " channels but the network input " + inputChannels);
		if (network == null || spec == null || labels == null || normalisation == null || settings == null
				|| history == null)
			throw new IllegalArgumentException("model bundle: network, spec, labels, normalisation, settings and "
					+ "history are all required");
		checkLabels(labels);
		if (normalisation.channels() != inputChannels)
			throw new IllegalArgumentException("normalisation has " + normalisation.channels()
					+ " channels but the input has " + inputChannels);
		long expected = spec.parameterCount(inputHeight, inputWidth, inputChannels, labels.size());
		if (network.numParams() != expected)
			throw new IllegalArgumentException("the network has " + network.numParams() + " parameters but the spec '"
					+ spec + "' for " + inputHeight + "x" + inputWidth + "x" + inputChannels + " and " + labels.size()
					+ " classes has " + expected);
		long outputs = outputCount(network.getLayerWiseConfigurations());
		if (outputs != labels.size())
			throw new IllegalArgumentException("the network has " + outputs + " outputs but there are "
					+ labels.size() + " labels");
		this.network = network;
		this.spec = spec;
		this.labels = Collections.unmodifiableList(new ArrayList<>(labels));
		this.inputHeight = inputHeight;
		this.inputWidth = inputWidth;
		this.inputChannels = inputChannels;
		this.normalisation = normalisation;
		this.settings = settings;
		this.history = history;
		this.resize = resize == null ? Resize.SCALE : resize;
		this.patchInput = patchInput;
	}

	static void checkLabels(List<String> labels) {
		if (labels.size() < 2)
			throw new IllegalArgumentException("a classifier needs at least 2 class labels, got " + labels.size());
		Set<String> seen = new HashSet<>();
		for (String l : labels) {
			if (l == null || l.trim().isEmpty()) throw new IllegalArgumentException("a class label is empty");
			if (!seen.add(l)) throw new IllegalArgumentException("class label '" + l + "' appears twice");
		}
	}

	/** nOut of the last layer, or -1 when it is not a feed-forward layer. */
	static long outputCount(MultiLayerConfiguration conf) {
		Layer last = conf.getConf(conf.getConfs().size() - 1).getLayer();
		return last instanceof FeedForwardLayer ? ((FeedForwardLayer) last).getNOut() : -1;
	}

	/** A copy with a new history (e.g. after one more epoch). */
	public ModelBundle withHistory(TrainingHistory h) {
		return new ModelBundle(network, spec, labels, inputHeight, inputWidth, inputChannels, normalisation, settings,
				h, resize, patchInput);
	}

	/** A copy with another network of the same configuration (e.g. a snapshot of one that goes on training). */
	public ModelBundle withNetwork(MultiLayerNetwork n) {
		return new ModelBundle(n, spec, labels, inputHeight, inputWidth, inputChannels, normalisation, settings,
				history, resize, patchInput);
	}

	/** The DL4J network (live object: training changes it). */
	public MultiLayerNetwork network() {
		return network;
	}

	public NetworkSpec spec() {
		return spec;
	}

	/** Class labels in the order of the network's outputs. */
	public List<String> labels() {
		return labels;
	}

	public int inputHeight() {
		return inputHeight;
	}

	public int inputWidth() {
		return inputWidth;
	}

	public int inputChannels() {
		return inputChannels;
	}

	public Normalisation normalisation() {
		return normalisation;
	}

	public TrainingSettings settings() {
		return settings;
	}

	public TrainingHistory history() {
		return history;
	}

	/** How images of another size are brought to the input size (training and classification alike). */
	public Resize resize() {
		return resize;
	}

	/** How examples are cut from larger images, or null for a model of whole images (folders, stacks). */
	public PatchInput patchInput() {
		return patchInput;
	}
}
