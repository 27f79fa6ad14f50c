package org.convkit.bench;

import ij.ImageStack;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.data.NormalisationFitter;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.data.StackDataset;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.net.Dl4jRuntime;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.runtime.FreshPageCost;
import org.convkit.core.cnn.runtime.OpenBlasKernels;
import org.convkit.core.cnn.runtime.OpenMpSpinning;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.core.cnn.train.TrainingListener;
import org.convkit.core.cnn.train.TrainingResult;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Training and classification images/s of one {@link CnnCase} (a network at an input size, 10 classes, seeded
 * synthetic images) for ConvKit (Trainer on a Dataset: normalisation, shuffled batches, prefetch; Predictor on
 * ImageProcessors), raw DL4J ({@code MultiLayerNetwork.fit}/{@code output} on pre-built arrays, same configuration)
 * and PyTorch CPU (same network, init, batches, optimizer and thread count; {@link TorchContender}), in interleaved
 * rounds after one untimed warm-up round (ConvKit and raw DL4J take turns at going first); medians and ranges, peak
 * memory per contender. Run with {@code ./convkit --bench N cnn} (every case) or
 * {@code ./convkit --bench N lenet|vgg64|vgg96}. Each round's training is one run of one epoch, unless
 * {@code CONVKIT_BENCH_EPOCHS} says more: a ConvKit run pays what a user's run pays once (the thread rule's look at
 * the cores, the block's plans and buffers, the first best copy, decoding the images) in every round, so one-epoch
 * rounds charge it per epoch where a default run of 15 epochs spreads it; raw DL4J and PyTorch fit that many epochs.
 */
public final class CnnBenchmark {
	static final int CLASSES = CnnCase.CLASSES, BATCH = 64;
	static final long SEED = 42;
	private static final int TRAIN = 0, BATCHED = 1, ONE = 2;
	private static final String[] NAMES = { "ConvKit", "raw DL4J", "PyTorch" };

	private final int rounds;
	private final CnnCase test;
	private final int imageCount, side, channels, singleCount;
	/** Epochs per round's training run ({@code CONVKIT_BENCH_EPOCHS}, 1 when unset). */
	private final int epochs;
	/** [contender][measure] → images/s of each round. */
	private final List<List<List<Double>>> speeds = new ArrayList<>();
	private final long[][] peakHeap = new long[3][3], peakRss = new long[3][3];
	/** The ND4J thread count ConvKit's Trainer chose, per run (warm-up first). */
	private final List<Integer> trainingThreads = new ArrayList<>();

	private CnnBenchmark(int rounds, CnnCase test, int epochs) {
		this.rounds = rounds;
		this.test = test;
		imageCount = test.images;
		side = test.size;
		channels = test.channels;
		singleCount = test.single;
		this.epochs = epochs;
		for (int c = 0; c < 3; c++) {
			List<List<Double>> m = new ArrayList<>();
			for (int k = 0; k < 3; k++) m.add(new ArrayList<>());
			speeds.add(m);
		}
	}

	/** {@code CONVKIT_BENCH_EPOCHS}: a whole number from 1 to 100, or unset/empty for 1. */
	static int epochsPerRound(String value) {
		return epochs("CONVKIT_BENCH_EPOCHS", value, 1);
	}

	/** {@code variable}'s {@code value}: a whole number from 1 to 100, or unset/empty for {@code unset}. */
	static int epochs(String variable, String value, int unset) {
		if (value == null || value.trim().isEmpty()) return unset;
		try {
			int e = Integer.parseInt(value.trim());
			if (e >= 1 && e <= 100) return e;
		} catch (NumberFormatException e) { // the message below
		}
		throw new IllegalArgumentException(variable + " must be a whole number from 1 to 100, got '" + value + "'");
	}

	/** The environment's {@code variable} as by {@link #epochs}; anything else ends the benchmark with a message. */
	static int epochsOrExit(String variable, int unset) {
		try {
			return epochs(variable, System.getenv(variable), unset);
		} catch (IllegalArgumentException e) {
			System.err.println(e.getMessage());
			System.exit(2);
			return unset; // not reached
		}
	}

	public static void run(int rounds, List<CnnCase> cases) throws IOException, ModelFileException {
		int epochs = epochsOrExit("CONVKIT_BENCH_EPOCHS", 1);
		Dl4jRuntime.configure();
		for (CnnCase c : cases) new CnnBenchmark(rounds, c, epochs).runAll();
	}

	private void runAll() throws IOException, ModelFileException {
		ImageStack stack = test.images(SEED);
		StackDataset data = new StackDataset(stack);
		InputFormat f = new InputFormat(side, side, channels, Resize.SCALE);
		int[] all = new int[imageCount];
		for (int i = 0; i < imageCount; i++) all[i] = i;
		Normalisation norm = NormalisationFitter.fit(data, all, f);
		float[] x = new float[imageCount * f.size()];
		int[] y = new int[imageCount];
		List<ImageProcessor> ips = new ArrayList<>();
		for (int i = 0; i < imageCount; i++) {
			ips.add(data.open(i));
			ImageTensor.convert(ips.get(i), f, x, i * f.size());
			ImageTensor.normalise(x, i * f.size(), f, norm);
			y[i] = data.label(i);
		}
		List<DataSet> batches = batches(x, y, f.size());
		List<INDArray> singles = new ArrayList<>();
		for (int i = 0; i < singleCount; i++)
			singles.add(Nd4j.create(Arrays.copyOfRange(x, i * f.size(), (i + 1) * f.size()),
					new long[] { 1, channels, side, side }, 'c'));

		TrainingSettings s = TrainingSettings.DEFAULTS.withBatchSize(BATCH).withEpochs(epochs).withSeed(SEED);
		NetworkSpec spec = NetworkSpec.preset(test.preset);
		MultiLayerNetwork raw = NetworkBuilder.network(spec, side, side, channels, CLASSES, s);
		int threads = Nd4j.getEnvironment().maxThreads();
		Path dir = Files.createTempDirectory("convkit-cnn-bench");
		Path xf = dir.resolve("features.f32"), yf = dir.resolve("labels.i32");
		Files.write(xf, littleEndian(x));
		Files.write(yf, littleEndian(y));
		try (TorchContender torch = new TorchContender(xf, yf, test.torchArch, imageCount, side, channels, CLASSES, BATCH,
				s.learningRate(), s.l2(), threads, singleCount, SEED)) {
			System.out.printf(Locale.ROOT, "%nConvKit CNN benchmark: %s, %d synthetic images, %d classes, "
					+ "batch %d, Adam %s, L2 %s; training runs of %d epoch(s) per round; medians of %d interleaved "
					+ "rounds after 1 warm-up; %d cores, ND4J threads %d, oneDNN %s, Java %s, %s; %s%n", test.title(),
					imageCount, CLASSES, BATCH, s.learningRate(), s.l2(), epochs, rounds,
					Runtime.getRuntime().availableProcessors(), threads,
					Dl4jRuntime.helperLayers(raw) > 0 ? "on (" + Dl4jRuntime.helperLayers(raw) + " layers)" : "off",
					System.getProperty("java.version"),
					torch.unavailable() == null ? torch.toString() : torch.unavailable(), machine());
			ModelBundle bundle = null;
			String[] loss = new String[3];
			for (int round = 0; round <= rounds; round++) {
				boolean timed = round > 0;
				// The two JVM contenders take turns at going first: the first call after training's large blocks were
				// freed faults fresh pages in (glibc's defaults), 15 µs each on these VMs; always ConvKit first made
				// its one-image figure for Small VGG 96x96 RGB 0.81x raw DL4J's; a probe rotating the order gave both
				// the same speed. With an odd number of rounds one side still goes first once more.
				boolean rawFirst = round % 2 == 0;
				// ConvKit: one more epoch of the real pipeline per round (continuing keeps weights and optimizer)
				Trainer t = round == 0 ? new Trainer(data, spec, s) : new Trainer(data, null, s).continueFrom(bundle);
				TrainingResult[] r = new TrainingResult[1];
				inTurn(rawFirst, () -> measure(timed, 0, TRAIN, imageCount * epochs, () -> r[0] = train(t)),
						() -> measure(timed, 1, TRAIN, imageCount * epochs, () -> {
							for (int e = 0; e < epochs; e++) batches.forEach(raw::fit);
						}));
				bundle = r[0].last;
				loss[0] = fmt(r[0].epochs.get(r[0].epochs.size() - 1).trainLoss, "%.4f");
				loss[1] = fmt(raw.score(), "%.4f") + " (last batch)";
				if (torch.unavailable() == null) torch(torch, timed, TRAIN, "train", imageCount, epochs);

				Predictor p = new Predictor(bundle, BATCH);
				inTurn(rawFirst, () -> measure(timed, 0, BATCHED, imageCount, () -> p.predict(ips)),
						() -> measure(timed, 1, BATCHED, imageCount,
								() -> batches.forEach(d -> raw.output(d.getFeatures(), false))));
				if (torch.unavailable() == null) torch(torch, timed, BATCHED, "classify", imageCount, 1);
				inTurn(rawFirst, () -> measure(timed, 0, ONE, singleCount, () -> {
					for (int i = 0; i < singleCount; i++) p.predict(ips.get(i));
				}), () -> measure(timed, 1, ONE, singleCount, () -> singles.forEach(a -> raw.output(a, false))));
				if (torch.unavailable() == null) torch(torch, timed, ONE, "single", singleCount, 1);
			}
			print(torch.unavailable(), loss[0], loss[1]);
		} finally {
			Files.deleteIfExists(xf);
			Files.deleteIfExists(yf);
			Files.deleteIfExists(dir);
		}
	}

	/**
	 * The processor, whether it has AVX-512, the instruction-set narrowing in effect (oneDNN's and OpenBLAS's
	 * environment variables, the JVM's UseAVX), JavaCPP's memory check, whether glibc keeps its memory, what a fresh
	 * page costs ({@link FreshPageCost}) and the load average when the case started.
	 */
	public static String machine() {
		String model = "?", load = "?";
		boolean avx512 = false;
		try {
			for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
				if (line.startsWith("model name") && model.equals("?")) model = line.substring(line.indexOf(':') + 1).trim();
				if (line.startsWith("flags")) avx512 |= line.contains(" avx512f");
			}
			load = new String(Files.readAllBytes(Paths.get("/proc/loadavg"))).trim().replaceAll("^(\\S+ \\S+ \\S+).*", "$1");
		} catch (IOException e) { // not Linux: say nothing
		}
		String useAvx = "?";
		try {
			useAvx = java.lang.management.ManagementFactory.getPlatformMXBean(
					com.sun.management.HotSpotDiagnosticMXBean.class).getVMOption("UseAVX").getValue();
		} catch (RuntimeException e) { // not HotSpot
		}
		String isa = System.getenv("ONEDNN_MAX_CPU_ISA");
		long physical = org.bytedeco.javacpp.Pointer.maxPhysicalBytes(); // JavaCppMemoryCheck, or the user's value
		String blas = OpenBlasKernels.inUse();
		return model + ", " + (avx512 ? "AVX-512" : "AVX2 only") + (isa == null ? "" : ", narrowed: ONEDNN_MAX_CPU_ISA="
				+ isa + " OPENBLAS_CORETYPE=" + System.getenv("OPENBLAS_CORETYPE")) + ", JVM UseAVX=" + useAvx
				+ ", JavaCPP memory check " + (physical == 0 ? "off" : "at " + physical + " bytes") + ", OpenBLAS kernels "
				+ blas + " (" + OpenBlasKernels.VARIABLE + "=" + OpenBlasKernels.requested()
				+ (System.getenv(OpenBlasKernels.VARIABLE) == null ? ", ConvKit's choice" : ", the user's")
				+ ", also given to PyTorch)" + ", OpenMP's idle threads: " + OpenMpSpinning.describe()
				+ (OpenMpSpinning.usersOwn() ? ", PyTorch the same" : ", PyTorch libgomp's default") + ", malloc: "
				+ (System.getenv("MALLOC_MMAP_THRESHOLD_") == null ? "glibc's defaults" : "memory kept (MALLOC_* set)")
				+ String.format(Locale.ROOT, ", a fresh 4 KB page %.1f µs", FreshPageCost.micros()) + ", load average "
				+ load;
	}

	/** ConvKit's measurement, then raw DL4J's; the other way round when {@code rawFirst}. */
	private static void inTurn(boolean rawFirst, Runnable convkit, Runnable raw) {
		(rawFirst ? raw : convkit).run();
		(rawFirst ? convkit : raw).run();
	}

	private TrainingResult train(Trainer t) {
		try {
			return t.train(new TrainingListener() {
				@Override
				public void epochStarted(int epoch, int lastEpoch) { // on the training thread, inside its count
					trainingThreads.add(ComputeThreads.current());
				}
			});
		} catch (ModelFileException e) {
			throw new IllegalStateException(e); // nothing is saved here
		}
	}

	/** Times {@code work} (images/s into the round's list when timed) and records its peak heap and RSS. */
	private void measure(boolean timed, int contender, int what, int images, Runnable work) {
		Memory.resetPeaks();
		long t0 = System.nanoTime();
		work.run();
		double seconds = (System.nanoTime() - t0) / 1e9;
		if (!timed) return;
		speeds.get(contender).get(what).add(images / seconds);
		peakHeap[contender][what] = Math.max(peakHeap[contender][what], Memory.peakHeap());
		peakRss[contender][what] = Math.max(peakRss[contender][what], Memory.peakRss());
	}

	/** PyTorch's {@code command} {@code times} times in a row (epochs of one run), timed as one. */
	private void torch(TorchContender torch, boolean timed, int what, String command, int images, int times) {
		double seconds = 0, peakKb = 0;
		for (int i = 0; i < times; i++) {
			double[] r = torch.run(command);
			seconds += r[0];
			peakKb = Math.max(peakKb, r[1]);
		}
		if (!timed) return;
		speeds.get(2).get(what).add(images * (double) times / seconds);
		peakRss[2][what] = Math.max(peakRss[2][what], (long) peakKb * 1024);
	}

	private void print(String torchMissing, String convkitLoss, String rawLoss) {
		String[] rows = { "training, images/s", "classification, batches of " + BATCH + ", images/s",
				"classification, one image at a time, images/s" };
		System.out.println();
		System.out.println("| " + test.title() + " | ConvKit | raw DL4J | PyTorch | ConvKit / PyTorch | raw DL4J / PyTorch "
				+ "| ConvKit / raw DL4J |");
		System.out.println("|---|---:|---:|---:|---:|---:|---:|");
		for (int k = 0; k < 3; k++) {
			double[] med = new double[3];
			String[] cell = new String[3];
			for (int c = 0; c < 3; c++) {
				List<Double> v = new ArrayList<>(speeds.get(c).get(k));
				v.sort(null);
				med[c] = RuntimeBenchmark.Stats.median(v);
				cell[c] = v.isEmpty() ? (c == 2 && torchMissing != null ? "n/a" : "-")
						: fmt(med[c], "%.0f") + " (" + fmt(v.get(0), "%.0f") + "–" + fmt(v.get(v.size() - 1), "%.0f")
								+ ")";
			}
			System.out.println("| " + rows[k] + " | " + cell[0] + " | " + cell[1] + " | " + cell[2] + " | "
					+ ratio(med[0], med[2]) + " | " + ratio(med[1], med[2]) + " | " + ratio(med[0], med[1]) + " |");
		}
		for (int k = 0; k < 3; k++) {
			String[] what = { "training", "batched classification", "one-at-a-time classification" };
			System.out.println("| peak memory, " + what[k] + " (heap / RSS MB) | " + mem(0, k) + " | " + mem(1, k)
					+ " | " + (torchMissing != null ? "n/a" : "RSS " + peakRss[2][k] / (1 << 20)) + " | | | |");
		}
		System.out.println();
		System.out.println("Training loss after the last round: ConvKit " + convkitLoss + ", raw DL4J " + rawLoss
				+ (torchMissing != null ? "; PyTorch: " + torchMissing : ""));
		System.out.println("ConvKit's training threads per round (the Trainer's choice; warm-up first): "
				+ trainingThreads);
		System.out.println("Peak memory: Java heap in use (sum of the heap pools' peaks) and the process's peak "
				+ "resident set (VmHWM), both reset before each timed run; ConvKit and raw DL4J share one JVM.");
	}

	private String mem(int c, int k) {
		return peakHeap[c][k] / (1 << 20) + " / " + peakRss[c][k] / (1 << 20);
	}

	private static String ratio(double a, double b) {
		return Double.isNaN(a) || Double.isNaN(b) ? "n/a" : fmt(a / b, "%.2f");
	}

	private static String fmt(double v, String pattern) {
		return String.format(Locale.ROOT, pattern, v);
	}

	/** Pre-built batches in index order (what raw DL4J and PyTorch fit each epoch). */
	private List<DataSet> batches(float[] x, int[] y, int size) {
		List<DataSet> out = new ArrayList<>();
		for (int from = 0; from < imageCount; from += BATCH) {
			int n = Math.min(BATCH, imageCount - from);
			float[] oneHot = new float[n * CLASSES];
			for (int j = 0; j < n; j++) oneHot[j * CLASSES + y[from + j]] = 1;
			out.add(new DataSet(Nd4j.create(Arrays.copyOfRange(x, from * size, (from + n) * size),
					new long[] { n, channels, side, side }, 'c'), Nd4j.create(oneHot, new long[] { n, CLASSES }, 'c')));
		}
		return out;
	}

	/** Little-endian float32, as {@code cnn_bench.py} reads its features. */
	static byte[] littleEndian(float[] v) {
		ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
		for (float f : v) b.putFloat(f);
		return b.array();
	}

	/** Little-endian int32, as {@code cnn_bench.py} reads its labels. */
	static byte[] littleEndian(int[] v) {
		ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
		for (int i : v) b.putInt(i);
		return b.array();
	}
}
