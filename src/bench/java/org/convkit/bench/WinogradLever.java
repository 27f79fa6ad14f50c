package org.convkit.bench;

import org.convkit.core.cnn.model.ModelFileException;

/**
 * The Winograd kernels lever ({@code ./convkit --bench ROUNDS winograd-kernels}): training images/s of ConvKit's
 * Trainer with the fused block's 3×3 convolutions on oneDNN's direct kernels ({@code -Dconvkit.nativeWinograd=false})
 * and on ConvKit's native Winograd F(4×4, 3×3) kernels (the default where oneDNN's kernels are AVX2 ones), as
 * {@link TrainingContenders} compares. Only where oneDNN lays the block out in blocks of 8 channels (AVX2; narrow a
 * machine with AVX-512 as docs/benchmarks.md says) and only Small VGG's inner layers change; LeNet (5×5 kernels) is a
 * control. Threads as the Trainer chooses them (set {@code OMP_NUM_THREADS} to fix them).
 */
final class WinogradLever {
	private WinogradLever() {
	}

	static void run(int rounds) throws ModelFileException {
		TrainingContenders.table(rounds, "Winograd kernels", "convkit.nativeWinograd", "false",
				"oneDNN's direct kernels", "true", "ConvKit's Winograd kernels");
	}

	/**
	 * {@code ./convkit --bench ROUNDS native-relu}: with ConvKit's kernels on, the ReLU backprop of the convolution
	 * below one of them as a oneDNN pass ({@code -Dconvkit.nativeReluBackprop=false}) against in the kernels' store.
	 */
	static void reluBackprop(int rounds) throws ModelFileException {
		TrainingContenders.table(rounds, "ReLU backprop in ConvKit's Winograd kernels", "convkit.nativeReluBackprop",
				"false", "oneDNN's ReLU backprop pass", "true", "in the kernels' store");
	}
}
