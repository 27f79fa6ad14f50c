package org.convkit.core.cnn.net;

import org.convkit.core.cnn.runtime.Nd4jNatives;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * ConvKit's set-up of ND4J and DL4J, in one place and without side effects on other DL4J code in the JVM:
 * <ul>
 * <li>{@link #configure()} chooses ND4J's native build for this processor before ND4J loads ({@link Nd4jNatives});
 * ConvKit calls it before it builds, reads or touches a network;</li>
 * <li>DL4J's oneDNN layer helpers are attached by ConvKit's own layer objects ({@link ConvKitLayers},
 * {@link OneDnn}), not by DL4J's JVM-wide switch;</li>
 * <li>the thread count is chosen per call ({@link org.convkit.core.cnn.runtime.ComputeThreads}).</li>
 * </ul>
 * {@code -Dconvkit.fastTraining=false} ({@link FastTraining#ENABLED_PROPERTY}) turns the layer replacements and
 * helpers off.
 */
public final class Dl4jRuntime {
	private Dl4jRuntime() {
	}

	/** Idempotent and cheap; call before anything touches ND4J (the native build cannot change once loaded). */
	public static void configure() {
		Nd4jNatives.select();
	}

	/**
	 * Whether ConvKit's layers get DL4J's oneDNN helpers in this JVM (CPU backend, ND4J's oneDNN build, the switch
	 * on).
	 */
	public static boolean oneDnnAvailable() {
		configure();
		return OneDnn.available();
	}

	/** How many of the network's layers run on a helper (oneDNN); 0 = all on DL4J's plain path. */
	public static int helperLayers(MultiLayerNetwork net) {
		int n = 0;
		for (Layer l : net.getLayers())
			if (l.getHelper() != null) n++;
		return n;
	}
}
