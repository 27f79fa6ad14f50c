package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu;

import java.util.function.Supplier;

/** DL4J 1.0.0-M2.1 as shipped, the reference ConvKit's replacements are compared with. */
final class PlainDl4j {
	private PlainDl4j() {
	}

	/** DL4J's own network of LeNet's configuration (28×28 gray): DL4J's layer objects and Adam, no helpers. */
	static MultiLayerNetwork lenet(int classes) {
		MultiLayerNetwork net = new MultiLayerNetwork(NetworkBuilder.configuration(NetworkSpec.preset(NetworkSpec.LENET),
				28, 28, 1, classes, TrainingSettings.DEFAULTS));
		net.init();
		return net;
	}

	/** Runs {@code work} with libnd4j's own oneDNN use off (DL4J's plain path throughout), then restores it. */
	static <T> T path(Supplier<T> work) {
		Nd4jCpu.Environment env = Nd4jCpu.Environment.getInstance();
		boolean used = env.isUseONEDNN();
		env.setUseONEDNN(false);
		try {
			return work.get();
		} finally {
			env.setUseONEDNN(used);
		}
	}
}
