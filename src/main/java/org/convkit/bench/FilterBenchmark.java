package org.convkit.bench;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
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
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import static org.bytedeco.opencv.global.opencv_imgproc.Canny;
import static org.bytedeco.opencv.global.opencv_imgproc.filter2D;

/**
 * Times ConvKit's filter commands against ImageJ's built-ins and raw OpenCV calls on the same data, in one run,
 * and prints ratios (absolute times on a shared 2-core machine are noise; ratios within one run are not).
 * Run with {@code ./convkit --bench [repeats]}: it needs the headless ImageJ set-up of the launcher.
 */
public final class FilterBenchmark {
	private static final int SIZE = 4096;
	private static final int STACK_DEPTH = 16;

	private final int repeats;
	private final List<String[]> rows = new ArrayList<>();

	private FilterBenchmark(int repeats) {
		this.repeats = repeats;
	}

	public static void main(String[] args) {
		int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 5;
		new FilterBenchmark(repeats).runAll();
		System.exit(Failures.isEmpty() ? 0 : 1);
	}

	private void runAll() {
		System.out.printf(Locale.ROOT, "ConvKit filter benchmark: %dx%d, median of %d runs after 1 warm-up; "
				+ "%d cores, OpenCV threads %d, Java %s%n", SIZE, SIZE, repeats,
				Runtime.getRuntime().availableProcessors(), opencv_core.getNumThreads(),
				System.getProperty("java.version"));
		float[] pixels = randomFloats(SIZE * SIZE, 42);
		for (int k : new int[] {5, 15}) kernelSingle(pixels, k);
		for (int k : new int[] {5, 15}) kernelStack(pixels, k);
		canny();
		print();
	}

	private void kernelSingle(float[] pixels, int k) {
		float[] kernel = randomFloats(k * k, k);
		String text = kernelText(kernel, k);
		FloatProcessor fp = new FloatProcessor(SIZE, SIZE, pixels.clone());
		ImagePlus imp = new ImagePlus("bench", fp);
		double convkit = time(() -> {
			fp.setPixels(pixels.clone());
			return () -> IJ.run(imp, "Apply Kernel...", "kernel=[" + text + "] border=Replicate");
		});
		double imagej = time(k > 5 ? 1 : repeats, () -> {
			fp.setPixels(pixels.clone());
			return () -> imageJConvolve(fp, kernel, k);
		});
		double opencv;
		try (Mat src = Mats.fromFloats(pixels, SIZE, SIZE); Mat ker = Mats.fromFloats(kernel, k, k);
				Mat dst = new Mat()) {
			opencv = time(() -> () -> filter2D(src, dst, -1, ker, new Point(-1, -1), 0,
					opencv_core.BORDER_REPLICATE));
		}
		float[] back = new float[pixels.length];
		double copies = time(() -> () -> {
			Mat m = Mats.pooledFromFloats(pixels, SIZE, SIZE);
			Mats.toFloats(m, back);
			MatPool.release(m);
		});		row("Apply Kernel " + k + "x" + k + ", 32-bit image", convkit, opencv, imagej,
				"raw OpenCV filter2D (no copies); copies in+out alone: " + ms(copies));
	}

	private void kernelStack(float[] pixels, int k) {
		float[] kernel = randomFloats(k * k, k);
		String text = kernelText(kernel, k);
		ImageStack stack = new ImageStack(SIZE, SIZE);
		for (int i = 0; i < STACK_DEPTH; i++) stack.addSlice(new FloatProcessor(SIZE, SIZE, pixels.clone()));
		ImagePlus imp = new ImagePlus("bench-stack", stack);
		double convkit = time(() -> () -> IJ.run(imp, "Apply Kernel...",
				"kernel=[" + text + "] border=Replicate stack"));
		double imagej = k > 5 ? Double.NaN : time(1, () -> () -> imageJConvolveStack(stack, kernel, k));
		double opencv;
		try (Mat src = Mats.fromFloats(pixels, SIZE, SIZE); Mat ker = Mats.fromFloats(kernel, k, k);
				Mat dst = new Mat()) {
			opencv = time(() -> () -> {
				for (int i = 0; i < STACK_DEPTH; i++)
					filter2D(src, dst, -1, ker, new Point(-1, -1), 0, opencv_core.BORDER_REPLICATE);
			});
		}
		row("Apply Kernel " + k + "x" + k + ", 32-bit stack x" + STACK_DEPTH, convkit, opencv, imagej,
				"raw OpenCV: filter2D slice after slice on one thread");
	}

	private void canny() {
		if (ij.Menus.getCommands() == null || ij.Menus.getCommands().get("Edge Detection...") == null) {
			IJ.run("Misc...", ""); // initialises ImageJ's menus headless
			if (ij.Menus.getCommands().get("Edge Detection...") == null) {
				System.out.println("Edge Detection... is not installed: Canny case skipped");
				return;
			}
		}
		byte[] bytes = new byte[SIZE * SIZE];
		float[] f = randomFloats(SIZE * SIZE, 7);
		// a smooth field with structure, so Canny has real edges to trace
		for (int i = 0; i < bytes.length; i++) {
			int x = i % SIZE, y = i / SIZE;
			double v = 128 + 90 * Math.sin(x / 37.0) * Math.cos(y / 23.0) + 10 * f[i];
			bytes[i] = (byte) Math.max(0, Math.min(255, (int) v));
		}
		ImagePlus imp = new ImagePlus("bench-8bit", new ByteProcessor(SIZE, SIZE, bytes.clone()));
		double convkit = time(() -> () -> {
			IJ.run(imp, "Edge Detection...", "method=Canny low=50 high=150 aperture=3");
			ImagePlus out = ij.WindowManager.getCurrentImage();
			if (out != null && out != imp) out.close();
		});
		ImagePlus forImageJ = new ImagePlus("bench-8bit-ij", new ByteProcessor(SIZE, SIZE, bytes.clone()));
		double imagej = time(() -> {
			forImageJ.getProcessor().setPixels(bytes.clone());
			return () -> IJ.run(forImageJ, "Find Edges", "");
		});
		double opencv;
		try (Mat src = Mats.fromBytes(bytes, SIZE, SIZE); Mat dst = new Mat()) {
			opencv = time(() -> () -> Canny(src, dst, 50, 150, 3, false));
		}
		row("Edge Detection Canny, 8-bit image", convkit, opencv, imagej,
				"ImageJ column = Process>Find Edges (3x3 Sobel, a cheaper algorithm)");
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

	private double time(Supplier<Runnable> setup) {
		return time(repeats, setup);
	}

	/** Median wall time in ms; {@code setup} runs untimed before each run and returns the timed action. */
	private double time(int repeats, Supplier<Runnable> setup) {
		double[] t = new double[repeats];
		for (int i = -1; i < repeats; i++) {
			Runnable action = setup.get();
			long start = System.nanoTime();
			action.run();
			long elapsed = System.nanoTime() - start;
			if (i >= 0) t[i] = elapsed / 1e6;
			if (!Failures.isEmpty()) throw new IllegalStateException("command failed: " + Failures.drain());
		}
		Arrays.sort(t);
		return t[repeats / 2];
	}

	private void row(String what, double convkit, double opencv, double imagej, String note) {
		rows.add(new String[] {what, ms(convkit), ms(opencv), ms(imagej),
				String.format(Locale.ROOT, "%.2f", opencv / convkit),
				Double.isNaN(imagej) ? "n/a" : String.format(Locale.ROOT, "%.1f", imagej / convkit), note});
	}

	private void print() {
		System.out.println();
		System.out.println("| case | ConvKit ms | raw OpenCV ms | ImageJ ms | OpenCV/ConvKit (≥0.8 goal) "
				+ "| ImageJ/ConvKit (≥10 goal for kernels) | note |");
		System.out.println("|---|---:|---:|---:|---:|---:|---|");
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
