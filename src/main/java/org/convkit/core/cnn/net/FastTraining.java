package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.Collections;
import java.util.List;

/**
 * The run-time replacements that make {@code MultiLayerNetwork.fit} faster in ConvKit's Trainer, switched on and off
 * together. Each gives DL4J's numbers (see its tests; all together: {@code FastTrainingTest}) and is measured in
 * docs/benchmarks.md:
 * <ul>
 * <li>{@link ColumnConvolutionLayer}: the first convolution trains as OpenBLAS products on unfolded columns without
 * the gradient with respect to the images, large inner ones too where glibc gives memory back ({@link ColumnRule});
 * the other plain ReLU convolutions do the ReLU backprop in Java before oneDNN's;</li>
 * <li>{@link CachingDenseLayer}: dense layers keep their pre-activation for backprop;</li>
 * <li>{@link TrainableNetwork}: the unused L2 score is left out of every step, and the updater works on the
 * network's own gradient array (DL4J 1.0.0-M2.1 treats it as a foreign one);</li>
 * <li>{@link JavaAdamUpdater}: Adam's step in Java (this one stays installed: it is DL4J's arithmetic);</li>
 * <li>{@link MaxPoolingLayer} (where oneDNN lacks AVX-512, and right after the first convolution, which hands it its
 * output and takes its error back in Java: {@link PoolingHandoff}): its training buffers are freed at {@link #off};</li>
 * <li>{@link FusedLayers}: the convolution and pooling layers at the network's bottom train as one block on oneDNN
 * called directly ({@link FusedConvStack}), standing in for the layer objects above while it is in (they still train
 * what the block does not take); put in at {@link #on}, taken out and its native memory freed at {@link #off}.</li>
 * </ul>
 * The layer objects are ConvKit's from the network's initialisation on ({@link ConvKitLayers}, which also attaches
 * DL4J's oneDNN helpers); outside {@link #on}…{@link #off} they behave as DL4J's layers. Networks that are not
 * {@link TrainableNetwork}s train on DL4J's paths.
 * <p>
 * <b>The switch:</b> {@code -Dconvkit.fastTraining=false} ({@value #ENABLED_PROPERTY}) turns every run-time
 * replacement off — ConvKit's layer objects, the oneDNN helpers and everything above — so networks built or loaded
 * afterwards are DL4J 1.0.0-M2.1's exactly as shipped (about 3x slower training; the same results within float
 * rounding, {@code FastTrainingTest}). For telling whether a problem comes from ConvKit's replacements.
 */
public final class FastTraining {
	/** The system property of the switch; anything but "false" (any case) leaves the replacements on. */
	public static final String ENABLED_PROPERTY = "convkit.fastTraining";
	/**
	 * The switch of the fused convolution block alone ({@link FusedLayers}): {@code false} keeps it out of training and
	 * of classification ({@link FusedForward}).
	 */
	public static final String FUSED_PROPERTY = "convkit.fusedConvolutions";

	private final MultiLayerNetwork net;
	private final boolean active;
	private final List<ColumnConvolutionLayer> convolutions;
	private final List<CachingDenseLayer> denseLayers;
	private final List<MaxPoolingLayer> pooling;
	private final FusedLayers fused;

	private FastTraining(MultiLayerNetwork net, boolean active) {
		this.net = net;
		this.active = active;
		convolutions = active ? ColumnConvolutionLayer.install(net) : Collections.emptyList();
		denseLayers = active ? CachingDenseLayer.install(net) : Collections.emptyList();
		pooling = active ? ConvKitLayers.all(net, MaxPoolingLayer.class) : Collections.emptyList();
		if (active) JavaAdamUpdater.install(net);
		fused = active ? FusedLayers.install((TrainableNetwork) net) : null;
	}

	/** Whether the replacements are on in this JVM (read at each use: tests switch it). */
	public static boolean enabled() {
		return switchedOn(ENABLED_PROPERTY);
	}

	/**
	 * Whether the system property {@code property}, one of the training path's switches (for tests and benchmarks),
	 * is not set to {@code false}; read at each use.
	 */
	static boolean switchedOn(String property) {
		return !"false".equalsIgnoreCase(System.getProperty(property, "").trim());
	}

	/** Installs the replacements (idempotent) and switches them on for the network's fit calls. */
	public static FastTraining on(MultiLayerNetwork net) {
		FastTraining f = new FastTraining(net, enabled() && net instanceof TrainableNetwork);
		f.switchTo(true);
		return f;
	}

	/** Back to DL4J's paths; frees the replacements' buffers. */
	public void off() {
		switchTo(false);
	}

	/** Whether the replacements take part (false with the switch off or on a network of another class). */
	public boolean active() {
		return active;
	}

	private void switchTo(boolean on) {
		ColumnConvolutionLayer.training(convolutions, on);
		CachingDenseLayer.training(denseLayers, on);
		if (active) {
			((TrainableNetwork) net).skipRegularizationScore(on);
			((TrainableNetwork) net).stepShortcuts(on);
		}
		if (!on && fused != null) fused.uninstall();
		if (!on) MaxPoolingLayer.releaseAll(pooling);
	}
}
