package org.convkit.bench;

import org.convkit.core.cnn.net.Dl4jRuntime;
import org.convkit.core.cnn.net.FastTraining;
import org.convkit.core.cnn.net.NdArrays;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.runtime.Nd4jNatives;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * One contender of {@link RuntimeBenchmark}, in its own JVM (a JVM loads one ND4J native build): a network of a
 * preset on seeded synthetic gray images, driven by commands on stdin so the contenders' rounds interleave.
 * ND4J is set up as ConvKit does it (native build choice, oneDNN helpers, thread rule unless
 * {@code -Dconvkit.threads=N}); training is ConvKit's training step ({@link FastTraining} on,
 * {@code MultiLayerNetwork.fit} on pre-built batches of 64), classification DL4J's {@code output}.
 * <pre>
 *   args: PRESET SIZE IMAGES SINGLE [CHANNELS]   (1 channel unless given)
 *   train | classify | single  -> "COMMAND WALL_SECONDS CPU_SECONDS MINOR_PAGE_FAULTS" (-1: not known)     quit
 * </pre>
 */
public final class RuntimeBenchWorker {
	static final int CLASSES = 10, BATCH = 64;

	private RuntimeBenchWorker() {
	}

	public static void main(String[] args) throws Exception {
		String preset = args[0];
		int size = Integer.parseInt(args[1]), images = Integer.parseInt(args[2]), single = Integer.parseInt(args[3]);
		int channels = args.length > 4 ? Integer.parseInt(args[4]) : 1;
		Nd4jNatives.Selection natives = Nd4jNatives.select();
		NetworkSpec spec = NetworkSpec.preset(preset);
		MultiLayerNetwork net = NetworkBuilder.network(spec, size, size, channels, CLASSES,
				TrainingSettings.DEFAULTS.withBatchSize(BATCH).withSeed(42));
		List<DataSet> batches = batches(size, images, BATCH, channels);
		List<INDArray> singles = new ArrayList<>();
		for (int i = 0; i < single; i++) {
			DataSet b = batches.get(i / BATCH);
			singles.add(b.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i % BATCH, i % BATCH + 1))
					.dup());
		}
		int trainThreads = ComputeThreads.forCall(spec, size, size, channels, CLASSES, BATCH);
		int oneThreads = ComputeThreads.forCall(spec, size, size, channels, CLASSES, 1);
		System.out.println("ready " + Nd4jNatives.loaded() + " (" + natives + "); threads " + trainThreads
				+ " per batch, " + oneThreads + " per image; oneDNN helpers on " + Dl4jRuntime.helperLayers(net)
				+ " layers; " + String.format(Locale.ROOT, "%.1f", ComputeThreads.multiplyAdds(spec, size, size,
						channels, CLASSES) / 1e6) + " M multiply-adds per image");
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory
				.getOperatingSystemMXBean();
		for (String cmd; (cmd = in.readLine()) != null && !cmd.equals("quit");) {
			long f0 = minorFaults(), c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
			switch (cmd) {
				case "train":
					try (ComputeThreads.Scope s = ComputeThreads.use(trainThreads)) {
						FastTraining f = FastTraining.on(net);
						batches.forEach(net::fit);
						f.off();
					}
					break;
				case "classify":
					try (ComputeThreads.Scope s = ComputeThreads.use(trainThreads)) {
						batches.forEach(b -> net.output(b.getFeatures(), false));
					}
					break;
				case "single":
					try (ComputeThreads.Scope s = ComputeThreads.use(oneThreads)) {
						singles.forEach(x -> net.output(x, false));
					}
					break;
				default:
					System.out.println("unknown command " + cmd);
					continue;
			}
			long f1 = minorFaults();
			System.out.printf(Locale.ROOT, "%s %.4f %.4f %d%n", cmd, (System.nanoTime() - t0) / 1e9,
					(os.getProcessCpuTime() - c0) / 1e9, f0 < 0 || f1 < 0 ? -1 : f1 - f0);
		}
	}

	/**
	 * The process's minor page faults so far ({@code /proc/self/stat}, field 10): each is a page of memory touched for
	 * the first time since it was mapped. -1 where that file cannot be read (not Linux).
	 */
	static long minorFaults() {
		try {
			String stat = new String(Files.readAllBytes(Paths.get("/proc/self/stat")), StandardCharsets.US_ASCII);
			// the command name, in parentheses, may hold spaces: count the fields after its closing parenthesis
			return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]);
		} catch (IOException | RuntimeException e) {
			return -1;
		}
	}

	/**
	 * A worker JVM's command: {@code java -Xmx1536m -Djava.awt.headless=true OPTIONS -cp CLASSPATH} this class with
	 * its arguments, stderr discarded (ND4J's and DL4J's start-up messages); the caller adds to the environment.
	 */
	static ProcessBuilder command(List<String> classPath, List<String> options, String preset, int size, int images,
			int single) {
		return command(classPath, options, preset, size, 1, images, single);
	}

	/** {@link #command} for images of {@code channels} channels. */
	static ProcessBuilder command(List<String> classPath, List<String> options, String preset, int size, int channels,
			int images, int single) {
		List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx1536m", "-Djava.awt.headless=true"));
		cmd.addAll(options);
		cmd.addAll(List.of("-cp", String.join(File.pathSeparator, classPath), RuntimeBenchWorker.class.getName(), preset,
				"" + size, "" + images, "" + single, "" + channels));
		return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
	}

	/** {@link #batches(int, int, int)} in batches of 64. */
	static List<DataSet> batches(int size, int images) {
		return batches(size, images, BATCH);
	}

	/** Seeded gray images: a bright blob whose position (a 5 × 2 grid, jittered) is the class, on noise. */
	static List<DataSet> batches(int size, int images, int batch) {
		return batches(size, images, batch, 1);
	}

	/**
	 * {@link #batches(int, int, int)} with {@code channels} channels: with more than one, the blob is brighter in one
	 * channel chosen at random per image (as in {@link CnnCase}), so colour carries no class; one channel gives the gray
	 * images of the three-argument form, value for value.
	 */
	static List<DataSet> batches(int size, int images, int batch, int channels) {
		Random r = new Random(42);
		List<DataSet> out = new ArrayList<>();
		float scale = size / 28f;
		int plane = size * size;
		for (int from = 0; from < images; from += batch) {
			int n = Math.min(batch, images - from);
			float[] x = new float[n * channels * plane], y = new float[n * CLASSES];
			for (int j = 0; j < n; j++) {
				int c = (from + j) % CLASSES;
				y[j * CLASSES + c] = 1;
				double cx = (4 + (c % 5) * 5 + r.nextGaussian()) * scale, cy = (8 + (c / 5) * 12 + r.nextGaussian()) * scale;
				int bright = channels == 1 ? 0 : r.nextInt(channels);
				for (int ch = 0; ch < channels; ch++)
					for (int p = 0; p < plane; p++) {
						double dx = p % size - cx, dy = p / size - cy, s = 2.5 * scale;
						double v = 40 + 20 * r.nextGaussian()
								+ (ch == bright ? 150 : 60) * Math.exp(-(dx * dx + dy * dy) / (2 * s * s));
						x[(j * channels + ch) * plane + p] = (float) ((Math.max(0, Math.min(255, v)) - 60) / 60);
					}
			}
			out.add(new DataSet(NdArrays.array(x, n, channels, size, size), NdArrays.array(y, n, CLASSES)));
		}
		return out;
	}
}
