package org.convkit.core.cnn.runtime;

import org.convkit.core.cnn.net.Dl4jRuntime;
import org.convkit.core.cnn.net.FastTraining;
import org.convkit.core.cnn.net.Nd4jStartup;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.testing.ChildJvm;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Main of {@link Nd4jNativesTest}'s child JVMs: optionally loads OpenCV first ({@code opencv-first}, as a filter
 * command run earlier does) or starts ND4J as a CNN command's environment check does ({@code startup-first},
 * {@link Nd4jStartup}), then does what ConvKit does before a network exists, trains one step of a small network and
 * prints {@code loaded=BUILD helpers=N trained maxPhysicalBytes=B} (JavaCPP's limit in effect, {@link JavaCppMemoryCheck})
 * and {@code openblas=KERNELS chosen=VALUE} ({@link OpenBlasKernels}), {@code openmp=...} ({@link OpenMpSpinning}).
 */
public final class NativeBuildProbe {
	private NativeBuildProbe() {
	}

	/**
	 * Runs this class in a child JVM ({@link ChildJvm}) with ND4J on one thread, ConvKit's level override {@code isa}
	 * (null: none) and the changes {@code env} to the environment (a null value removes the variable); returns the
	 * first line of its output that starts with {@code prefix}.
	 */
	static String run(String prefix, String isa, Map<String, String> env, List<String> extraJars, List<String> options,
			String... args) throws IOException, InterruptedException {
		return ChildJvm.line(prefix, extraJars, environment(isa, env), options, NativeBuildProbe.class, args);
	}

	/** Runs this class as {@link #run} does and returns the child's whole output (stdout and stderr). */
	static String output(String isa, Map<String, String> env, List<String> options, String... args)
			throws IOException, InterruptedException {
		return ChildJvm.output(List.of(), environment(isa, env), options, NativeBuildProbe.class, args);
	}

	private static Map<String, String> environment(String isa, Map<String, String> env) {
		Map<String, String> all = new HashMap<>(env);
		all.put(CpuFeatures.OVERRIDE_VARIABLE, isa);
		all.put("OMP_NUM_THREADS", "1");
		return all;
	}

	public static void main(String[] args) {
		if (args.length > 0 && args[0].equals("opencv-first"))
			new org.bytedeco.opencv.opencv_core.Mat(4, 4, org.bytedeco.opencv.global.opencv_core.CV_8UC1).close();
		if (args.length > 0 && args[0].equals("startup-first")) Nd4jStartup.start();
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse("conv 3x3x4 relu; maxpool 2; dense 8 relu"),
				12, 12, 1, 3, TrainingSettings.DEFAULTS);
		FastTraining f = FastTraining.on(net);
		net.fit(new DataSet(Nd4j.rand(8, 1, 12, 12), Nd4j.eye(3).getRows(0, 1, 2, 0, 1, 2, 0, 1)));
		f.off();
		System.out.println("loaded=" + Nd4jNatives.loaded() + " helpers=" + Dl4jRuntime.helperLayers(net)
				+ (Double.isFinite(net.score()) ? " trained" : " failed") + " maxPhysicalBytes="
				+ org.bytedeco.javacpp.Pointer.maxPhysicalBytes());
		System.out.println("openblas=" + OpenBlasKernels.inUse() + " chosen=" + OpenBlasKernels.chosen());
		System.out.println("openmp=" + OpenMpSpinning.describe());
	}
}
