package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Switches DL4J 1.0.0-M2.1 onto ND4J's oneDNN kernels for convolution and pooling layers (about 2x faster LeNet
 * training on this project's machines, see docs/benchmarks.md). Two things keep them off in M2.1:
 * <ol>
 * <li>the system property {@value #HELPERS_DISABLE} defaults to true, so DL4J never even creates its layer helpers:
 * {@link #configure()} sets it to false unless the user set it explicitly (-D...=true still forces the plain path);
 * <li>the helpers' support check looks up a class that M2.1 no longer has: the bridge
 * {@link org.nd4j.nativeblas.Nd4jCpu} answers it from the real environment.
 * </ol>
 * Both must hold before a layer is created: DL4J decides per layer, when the network is initialised (and the check
 * remembers a failure for the rest of the JVM). Hence {@link NetworkBuilder#network} and the model file reader call
 * {@link #configure()}. Without ND4J's oneDNN build (the pom's {@code -onednn} natives; the bridge checks libnd4j's
 * build info for HAVE_ONEDNN) or on another backend the check answers false and every layer keeps DL4J's plain Java path: the same results up to float rounding
 * (Dl4jRuntimeTest), just slower. The property is JVM-wide: other DL4J code in the same Fiji gets the helpers too.
 */
public final class Dl4jRuntime {
	/** DL4J's switch for all layer helpers (oneDNN on CPU, cuDNN on CUDA); "true" by default in M2.1. */
	public static final String HELPERS_DISABLE = "org.eclipse.deeplearning4j.helpers.disable";

	private static volatile boolean configured;

	private Dl4jRuntime() {
	}

	/** Idempotent and cheap; call before building or loading a network. */
	public static void configure() {
		if (configured) return;
		synchronized (Dl4jRuntime.class) {
			if (configured) return;
			if (System.getProperty(HELPERS_DISABLE) == null) System.setProperty(HELPERS_DISABLE, "false");
			configured = true;
		}
	}

	/**
	 * Whether DL4J's oneDNN support check passes in this JVM (CPU backend, ND4J's oneDNN build, the bridge found).
	 * New layers use oneDNN when this holds and {@link #configure()} has run.
	 */
	public static boolean oneDnnAvailable() {
		return BaseMKLDNNHelper.mklDnnEnabled();
	}

	/** How many of the network's layers run on a helper (oneDNN); 0 = all on DL4J's plain path. */
	public static int helperLayers(MultiLayerNetwork net) {
		int n = 0;
		for (Layer l : net.getLayers()) {
			LayerHelper h = l.getHelper();
			if (h != null) n++;
		}
		return n;
	}
}
