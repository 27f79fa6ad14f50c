package org.convkit.bench;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.process.ByteProcessor;
import ij.plugin.filter.Convolver;
import ij.process.FloatProcessor;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.convkit.core.cv.MatPool;
import org.convkit.core.cv.Mats;
import org.convkit.plugins.support.Failures;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import static org.bytedeco.opencv.global.opencv_imgproc.Canny;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.filter2D;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * Times ConvKit's filter commands against ImageJ's built-ins and raw OpenCV calls on the same data, in one run,
 * and prints ratios (absolute times on a shared 2-core machine are noise; ratios within one run are not).
 * Run with {@code ./convkit --bench [repeats [case]]}: it needs the headless ImageJ set-up of the launcher. Case
 * {@code cnn} (also part of {@code all}) runs {@link CnnBenchmark} for every {@link CnnCase} and both
 * {@link MacroBenchmark}s; {@code lenet}, {@code vgg64}, {@code vgg96}, {@code macro} and {@code memory} run one
 * ({@code macro-vgg}, Small VGG through the macro path, only on its own).
 * {@code microscopy} (also part of {@code all}) is {@link MicroscopyBenchmark}.
 */
public final class FilterBenchmark {
	private static final int SIZE = 4096;
	private static final int STACK_DEPTH = 16;

	private final int repeats;
	private final List<String[]> rows = new ArrayList<>();

	private FilterBenchmark(int repeats) {
		this.repeats = repeats;
	}

	/** A benchmark case that runs on its own, for a number of rounds. */
	private interface Lever {
		void run(int rounds) throws Exception;
	}

	public static void main(String[] args) throws Exception {
		// as the launcher and every command: ND4J's build and JavaCPP's settings before any case loads native code
		org.convkit.core.cnn.runtime.Nd4jNatives.select();
		int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 5;
		String only = args.length > 1 ? args[1] : "all"; // all, kernel, ..., cnn, a CNN case, microscopy, inspect, spark...
		if (RuntimeBenchmark.CASES.contains(only)) { // not part of "all": each starts several JVMs
			RuntimeBenchmark.run(repeats, only);
			System.exit(0);
		}
		// cases on their own, not part of "all"; the levers are for comparing with src/bench/run-all.sh's AVX2 narrowing
		java.util.Map<String, Lever> alone = new java.util.LinkedHashMap<>();
		alone.put("levers", LeverBenchmark::run);
		alone.put("pooling", PoolingLever::run);
		alone.put("inference", InferenceLever::run);
		alone.put("small-products", SmallProductsLever::run);
		alone.put("twins", ClassificationTwinLever::run);
		alone.put("channels-last", ClassificationTwinLever::run); // its earlier name
		alone.put("fused", FusedBlockLever::run);
		alone.put("validation", ValidationLever::run);
		alone.put("layouts", LayoutLever::run);
		alone.put("first-layer", FirstLayerLever::run);
		alone.put("winograd-kernels", WinogradLever::run);
		alone.put("native-relu", WinogradLever::reluBackprop);
		alone.put("winograd-passes", org.convkit.core.cnn.net.WinogradPassLever::run);
		alone.put("block-pooling", BlockPoolingLever::run);
		alone.put("pooling-kernels", org.convkit.core.cnn.net.PoolingKernelLever::run);
		alone.put("blas-threads", BlasThreadsLever::run);
		alone.put("after-pause", PauseLever::run);
		alone.put("adam-step", AdamStepLever::run);
		alone.put("hotspots", org.convkit.core.cnn.net.KernelLever::run);
		alone.put("reading", org.convkit.core.io.ReadingLever::run);
		alone.put("spark", org.convkit.spark.SparkBenchmark::run); // it starts a Spark cluster (docs/benchmarks.md)
		if (alone.containsKey(only)) {
			alone.get(only).run(repeats);
			System.exit(0);
		}
		if (TrainerRunsSplit.caseOf(only) != null) { // not part of "all": a training run's time beyond its steps
			TrainerRunsSplit.run(repeats, TrainerRunsSplit.caseOf(only));
			System.exit(0);
		}
		if (OneDnnOps.caseOf(only) != null) { // not part of "all": where a step goes, ConvKit and PyTorch (oneDNN's log)
			OneDnnOps.run(repeats, OneDnnOps.caseOf(only));
			System.exit(0);
		}
		List<String> filters = java.util.Arrays.asList("all", "kernel", "stack", "canny", "pool");
		List<String> others = java.util.Arrays.asList("cnn", "macro", "macro-vgg", "memory", "microscopy", "inspect");
		CnnCase cnnCase = CnnCase.named(only);
		if (!filters.contains(only) && !others.contains(only) && cnnCase == null) {
			System.err.println("unknown benchmark case '" + only + "' (all, kernel, stack, canny, pool, cnn, lenet, "
					+ "vgg64, vgg96, macro, macro-vgg, memory, microscopy, inspect, levers, pooling, inference, "
					+ "small-products, twins (or channels-last), fused, validation, layouts, first-layer, "
					+ "winograd-kernels, winograd-passes, native-relu, "
					+ "block-pooling, pooling-kernels, blas-threads, after-pause, adam-step, hotspots, onednn, "
					+ "onednn-vgg64, onednn-vgg96, "
					+ "runs, runs-vgg64, runs-vgg96, reading, spark "
					+ "or one of " + String.join(", ", RuntimeBenchmark.CASES) + ")");
			System.exit(2);
		}
		if (filters.contains(only)) new FilterBenchmark(repeats).runAll(only);
		if ("all".equals(only) || "cnn".equals(only)) CnnBenchmark.run(repeats, CnnCase.ALL);
		else if (cnnCase != null) CnnBenchmark.run(repeats, Collections.singletonList(cnnCase));
		if ("all".equals(only) || "cnn".equals(only) || "macro".equals(only)) MacroBenchmark.speed(repeats);
		if ("macro-vgg".equals(only)) MacroBenchmark.speedVgg(repeats);
		if ("all".equals(only) || "cnn".equals(only) || "memory".equals(only)) MacroBenchmark.memory(repeats);
		if ("all".equals(only) || "microscopy".equals(only)) MicroscopyBenchmark.run(repeats);
		if ("all".equals(only) || "inspect".equals(only)) InspectBenchmark.run(repeats);
		System.exit(Failures.isEmpty() ? 0 : 1);
	}

	private void runAll(String only) {
		System.out.printf(Locale.ROOT, "ConvKit filter benchmark: %dx%d, medians of %d interleaved rounds after 1 warm-up; "
				+ "%d cores, OpenCV threads %d, Java %s%n", SIZE, SIZE, repeats,
				Runtime.getRuntime().availableProcessors(), opencv_core.getNumThreads(),
				System.getProperty("java.version"));
		float[] pixels = randomFloats(SIZE * SIZE, 42);
		boolean all = "all".equals(only);
		if (all || "kernel".equals(only)) for (int k : new int[] {5, 15}) kernelSingle(pixels, k);
		if (all || "stack".equals(only)) for (int k : new int[] {5, 15}) kernelStack(pixels, k);
		if (all || "canny".equals(only)) canny();
		if (all || "pool".equals(only)) for (String method : new String[] {"Max", "Average"}) pooling(pixels, method);
		print();
	}

	private void kernelSingle(float[] pixels, int k) {
		float[] kernel = randomFloats(k * k, k);
		String text = kernelText(kernel, k);
		FloatProcessor fp = new FloatProcessor(SIZE, SIZE, pixels.clone());
		ImagePlus imp = new ImagePlus("bench", fp);
		FloatProcessor forImageJ = new FloatProcessor(SIZE, SIZE, pixels.clone());
		float[] back = new float[pixels.length];
		try (Mat src = Mats.fromFloats(pixels, SIZE, SIZE); Mat ker = Mats.fromFloats(kernel, k, k);
				Mat dst = new Mat()) {
			double[] t = interleaved(
					new Contender(repeats, () -> {
						fp.setPixels(pixels.clone());
						return () -> IJ.run(imp, "Apply Kernel...", "kernel=[" + text + "] border=Replicate");
					}),
					new Contender(repeats, () -> () -> filter2D(src, dst, -1, ker, new Point(-1, -1), 0,
							opencv_core.BORDER_REPLICATE)),
					new Contender(k > 5 ? 1 : repeats, () -> {
						forImageJ.setPixels(pixels.clone());
						return () -> imageJConvolve(forImageJ, kernel, k);
					}),
					new Contender(repeats, () -> () -> rawWithCopies(pixels, back, ker)));
			row("Apply Kernel " + k + "x" + k + ", 32-bit image", t[0], t[1], t[3], t[2],
					"raw OpenCV: filter2D on data already in native memory");
		}
	}

	private void kernelStack(float[] pixels, int k) {
		float[] kernel = randomFloats(k * k, k);
		String text = kernelText(kernel, k);
		ImageStack stack = new ImageStack(SIZE, SIZE);
		for (int i = 0; i < STACK_DEPTH; i++) stack.addSlice(new FloatProcessor(SIZE, SIZE, pixels.clone()));
		ImagePlus imp = new ImagePlus("bench-stack", stack);
		float[] back = new float[pixels.length];
		try (Mat src = Mats.fromFloats(pixels, SIZE, SIZE); Mat ker = Mats.fromFloats(kernel, k, k);
				Mat dst = new Mat()) {
			double[] t = interleaved(
					new Contender(repeats, () -> () -> IJ.run(imp, "Apply Kernel...",
							"kernel=[" + text + "] border=Replicate stack")),
					new Contender(repeats, () -> () -> {
						for (int i = 0; i < STACK_DEPTH; i++)
							filter2D(src, dst, -1, ker, new Point(-1, -1), 0, opencv_core.BORDER_REPLICATE);
					}),
					// ImageJ's 15x15 on 16 planes takes minutes: timed for 5x5 only
					new Contender(k > 5 ? 0 : 1, () -> () -> imageJConvolveStack(stack, kernel, k)),
					new Contender(repeats, () -> () -> {
						for (int i = 0; i < STACK_DEPTH; i++) rawWithCopies(pixels, back, ker);
					}));
			row("Apply Kernel " + k + "x" + k + ", 32-bit stack x" + STACK_DEPTH, t[0], t[1], t[3], t[2],
					"raw OpenCV: filter2D plane after plane (one call per plane, as a script would)");
		}
	}

	private void canny() {
		byte[] bytes = new byte[SIZE * SIZE];
		float[] f = randomFloats(SIZE * SIZE, 7);
		// a smooth field with structure, so Canny has real edges to trace
		for (int i = 0; i < bytes.length; i++) {
			int x = i % SIZE, y = i / SIZE;
			double v = 128 + 90 * Math.sin(x / 37.0) * Math.cos(y / 23.0) + 10 * f[i];
			bytes[i] = (byte) Math.max(0, Math.min(255, (int) v));
		}
		ImagePlus imp = new ImagePlus("bench-8bit", new ByteProcessor(SIZE, SIZE, bytes.clone()));
		ImagePlus forImageJ = new ImagePlus("bench-8bit-ij", new ByteProcessor(SIZE, SIZE, bytes.clone()));
		try (Mat src = Mats.fromBytes(bytes, SIZE, SIZE); Mat dst = new Mat()) {
			double[] t = interleaved(
					new Contender(repeats, () -> () -> closeNewImages(() ->
							IJ.run(imp, "Edge Detection...", "method=Canny low=50 high=150 aperture=3"))),
					new Contender(repeats, () -> () -> Canny(src, dst, 50, 150, 3, false)),
					new Contender(repeats, () -> {
						forImageJ.getProcessor().setPixels(bytes.clone());
						return () -> IJ.run(forImageJ, "Find Edges", "");
					}),
					// what a script pays: copy in, Canny, copy out into a new array for the new image
					new Contender(repeats, () -> () -> {
						Mat in = Mats.pooledFromBytes(bytes, SIZE, SIZE);
						Mat out = MatPool.borrow(SIZE, SIZE, opencv_core.CV_8U);
						Canny(in, out, 50, 150, 3, false);
						Mats.toBytes(out, null);
						MatPool.release(in);
						MatPool.release(out);
					}));
			row("Edge Detection Canny, 8-bit image", t[0], t[1], t[3], t[2],
					"ImageJ column = Process>Find Edges (3x3 Sobel magnitude, a simpler algorithm)");
		}
	}

	/**
	 * Apply Pooling 2x2, stride 2 (a new 2048x2048 image) against ImageJ's Image>Transform>Bin (the same windows,
	 * in place), OpenCV's resize with INTER_AREA (exactly 2x2 averaging; average only) and a plain Java loop over
	 * each window (in the note).
	 */
	private void pooling(float[] pixels, String method) {
		boolean max = method.equals("Max");
		ImagePlus imp = new ImagePlus("bench-pool", new FloatProcessor(SIZE, SIZE, pixels.clone()));
		ImagePlus forImageJ = new ImagePlus("bench-bin", new FloatProcessor(SIZE, SIZE, pixels.clone()));
		int half = SIZE / 2;
		float[] back = new float[half * half];
		try (Mat src = Mats.fromFloats(pixels, SIZE, SIZE); Mat dst = new Mat();
				org.bytedeco.opencv.opencv_core.Size size = new org.bytedeco.opencv.opencv_core.Size(half, half)) {
			double[] t = interleaved(
					new Contender(repeats, () -> () -> closeNewImages(() -> IJ.run(imp, "Apply Pooling...",
							"method=" + method + " size=2 stride=2 padding=Valid"))),
					new Contender(max ? 0 : repeats, () -> () -> resize(src, dst, size, 0, 0, INTER_AREA)),
					new Contender(repeats, () -> {
						forImageJ.setProcessor(new FloatProcessor(SIZE, SIZE, pixels.clone()));
						return () -> IJ.run(forImageJ, "Bin...", "x=2 y=2 bin=" + (max ? "max" : "average"));
					}),
					new Contender(max ? 0 : repeats, () -> () -> {
						Mat in = Mats.pooledFromFloats(pixels, SIZE, SIZE);
						Mat out = MatPool.borrow(half, half, opencv_core.CV_32F);
						resize(in, out, size, 0, 0, INTER_AREA);
						Mats.toFloats(out, back);
						MatPool.release(in);
						MatPool.release(out);
					}),
					new Contender(repeats, () -> () -> plainPoolingLoop(pixels, back, max)));
			row("Apply Pooling " + method + " 2x2 stride 2, 32-bit image", t[0], t[1], t[3], t[2],
					String.format(Locale.ROOT, "ImageJ column = Image>Transform>Bin (%s); OpenCV = resize INTER_AREA "
							+ "(average only); a plain Java loop over each window: %.1f ms (%.2f x ConvKit)",
							max ? "max" : "average", t[4], t[4] / t[0]));
		}
	}

	/** The textbook loop: each output pixel reduces its 2x2 window, one thread. */
	private static void plainPoolingLoop(float[] in, float[] out, boolean max) {
		int half = SIZE / 2;
		for (int oy = 0; oy < half; oy++)
			for (int ox = 0; ox < half; ox++) {
				int i = 2 * oy * SIZE + 2 * ox;
				float a = in[i], b = in[i + 1], c = in[i + SIZE], d = in[i + SIZE + 1];
				out[oy * half + ox] = max ? Math.max(Math.max(a, b), Math.max(c, d)) : (a + b + c + d) / 4;
			}
	}

	/** Runs {@code action} and closes the images it created (the command's result), so memory stays flat. */
	private static void closeNewImages(Runnable action) {
		int[] before = WindowManager.getIDList();
		action.run();
		int[] after = WindowManager.getIDList();
		if (after == null) return;
		for (int id : after) {
			boolean old = false;
			if (before != null) for (int b : before) old |= b == id;
			if (!old) WindowManager.getImage(id).close();
		}
	}

	/**
	 * ImageJ's Convolve as its command runs it: Convolver (normalize off, edge pixels replicated) on each plane,
	 * planes spread over the cores like PlugInFilterRunner's PARALLELIZE_STACKS. Called directly because the
	 * headless dialog does not read Convolve's kernel text area ({@code text1=}) from macro options.
	 */
	private static void imageJConvolve(FloatProcessor fp, float[] kernel, int k) {
		Convolver c = new Convolver();
		c.setNormalize(false);
		c.convolve(fp, kernel, k, k);
	}

	private static void imageJConvolveStack(ImageStack stack, float[] kernel, int k) {
		IntStream.rangeClosed(1, stack.getSize()).parallel()
				.forEach(i -> imageJConvolve((FloatProcessor) stack.getProcessor(i), kernel, k));
	}

	/** One thing to time: {@code setup} runs untimed before each run and returns the timed action. */
	private static final class Contender {
		final int samples;
		final Supplier<Runnable> setup;

		Contender(int samples, Supplier<Runnable> setup) {
			this.samples = samples;
			this.setup = setup;
		}
	}

	/**
	 * Median wall times (ms; NaN for a contender with no samples) of contenders timed in interleaved rounds
	 * after one untimed warm-up each, so that load from elsewhere on the machine hits all of them alike.
	 */
	private double[] interleaved(Contender... contenders) {
		List<List<Double>> times = new ArrayList<>();
		for (Contender c : contenders) {
			times.add(new ArrayList<>());
			if (c.samples > 0) timeOnce(c);
		}
		for (int round = 0; round < repeats; round++)
			for (int i = 0; i < contenders.length; i++)
				if (round < contenders[i].samples) times.get(i).add(timeOnce(contenders[i]));
		double[] medians = new double[contenders.length];
		for (int i = 0; i < medians.length; i++) {
			List<Double> t = times.get(i);
			Collections.sort(t);
			medians[i] = RuntimeBenchmark.Stats.median(t);
		}
		return medians;
	}

	private static double timeOnce(Contender c) {
		Runnable action = c.setup.get();
		long start = System.nanoTime();
		action.run();
		double ms = (System.nanoTime() - start) / 1e6;
		if (!Failures.isEmpty()) throw new IllegalStateException("command failed: " + Failures.drain());
		return ms;
	}

	/** filter2D as a script calls it from ImageJ: copy in, filter, copy out (reused native buffers). */
	private static void rawWithCopies(float[] pixels, float[] back, Mat kernel) {
		Mat in = Mats.pooledFromFloats(pixels, SIZE, SIZE);
		Mat out = MatPool.borrow(SIZE, SIZE, opencv_core.CV_32F);
		try (Point anchor = new Point(-1, -1)) {
			filter2D(in, out, -1, kernel, anchor, 0, opencv_core.BORDER_REPLICATE);
			Mats.toFloats(out, back);
		} finally {
			MatPool.release(in);
			MatPool.release(out);
		}
	}

	private void row(String what, double convkit, double opencv, double opencvCopies, double imagej, String note) {
		rows.add(new String[] {what, ms(convkit), ms(opencv), ms(opencvCopies), ms(imagej), ratio(opencv, convkit),
				ratio(opencvCopies, convkit), ratio(imagej, convkit), note});
	}

	private static String ratio(double a, double b) {
		return Double.isNaN(a) ? "n/a" : String.format(Locale.ROOT, "%.2f", a / b);
	}

	private void print() {
		System.out.println();
		System.out.println("| case | ConvKit ms | raw OpenCV ms | raw OpenCV + copies ms | ImageJ ms "
				+ "| OpenCV / ConvKit | (OpenCV + copies) / ConvKit | ImageJ / ConvKit | note |");
		System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---|");
		for (String[] r : rows) System.out.println("| " + String.join(" | ", r) + " |");
	}

	private static String ms(double v) {
		return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f", v);
	}

	private static String kernelText(float[] kernel, int k) {
		StringBuilder sb = new StringBuilder();
		for (int y = 0; y < k; y++) {
			if (y > 0) sb.append('\n');
			for (int x = 0; x < k; x++) sb.append(x > 0 ? " " : "").append(kernel[y * k + x]);
		}
		return sb.toString();
	}

	private static float[] randomFloats(int n, long seed) {
		SplittableRandom r = new SplittableRandom(seed);
		float[] a = new float[n];
		for (int i = 0; i < n; i++) a[i] = (float) r.nextDouble();
		return a;
	}
}
