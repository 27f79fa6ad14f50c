package org.convkit.bench;

import ij.ImagePlus;
import ij.gui.OvalRoi;
import ij.gui.Roi;
import org.convkit.app.MicroscopySample;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.input.SourcePlanes;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.patch.Outline;
import org.convkit.core.cnn.patch.PatchClassifier;
import org.convkit.core.cnn.patch.ProbabilityMap;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.filter.Border;
import org.convkit.plugins.support.RoiOutlines;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The microscopy workflow's speed and memory ({@code ./convkit --bench N microscopy}):
 * <ul>
 * <li>tiles/s of CNN Probability Map ({@link ProbabilityMap}: windows cut as in training, batches of 256) on a
 * 2048×2048 2-channel 16-bit synthetic field, against classifying the same windows one call each (the same patches
 * through {@link PatchClassifier} with batch size 1, on the first {@value #SINGLE} windows), in interleaved rounds;</li>
 * <li>the live heap while classifying 100, 1,000 and 10,000 ROIs ({@link PatchClassifier}, rows streamed): the heap
 * after a full GC every few batches, minus the heap before (image and ROIs), to show it does not grow with the
 * number of ROIs.</li>
 * </ul>
 * Two networks: the tests' small one and LeNet, both on 32×32×2 patches, percentile normalisation per image.
 */
final class MicroscopyBenchmark {
	static final int SIZE = 2048, PATCH = 32, STRIDE = 8, SINGLE = 2000;
	static final String SMALL = "conv 3x3x8 pad=same; maxpool 2; conv 3x3x16 pad=same; maxpool 2; dense 32";

	private MicroscopyBenchmark() {
	}

	static void run(int rounds) {
		System.out.println("\n== Microscopy: probability map and ROI classification (" + rounds + " rounds) ==");
		long t0 = System.nanoTime();
		MicroscopySample.Field field = MicroscopySample.field(SIZE, SIZE, 4000, 5, false);
		System.out.printf(Locale.ROOT, "field %dx%d, 2 channels 16-bit, %d cells (%.1f s to generate)%n", SIZE, SIZE,
				field.rois.size(), (System.nanoTime() - t0) / 1e9);
		for (String spec : new String[] { SMALL, NetworkSpec.LENET }) {
			ModelBundle model = model(spec);
			System.out.println("\nnetwork: " + (spec.equals(SMALL) ? "small (" + SMALL + ")" : "LeNet"));
			tiles(model, field.image, rounds);
			memory(model, field.image);
		}
	}

	/** A 4-class patch model with seeded random weights (speed and memory do not depend on the weights). */
	static ModelBundle model(String spec) {
		NetworkSpec s = spec.equals(NetworkSpec.LENET) ? NetworkSpec.preset(spec) : NetworkSpec.parse(spec);
		TrainingSettings settings = TrainingSettings.DEFAULTS.withSeed(1);
		NormalisationRule rule = new NormalisationRule(NormalisationRule.Method.PERCENTILE, NormalisationRule.Per.IMAGE,
				1, 99.8);
		return new ModelBundle(NetworkBuilder.network(s, PATCH, PATCH, 2, 4, settings), s, Arrays.asList("a", "b", "c",
				"d"), PATCH, PATCH, 2, Normalisation.identity(rule, 2), settings, TrainingHistory.empty(), Resize.SCALE,
				new PatchInput(new int[] { 1, 2 }, 2, false, Border.REFLECT, 0, false));
	}

	private static void tiles(ModelBundle model, ImagePlus imp, int rounds) {
		ProbabilityMap map = new ProbabilityMap(model, STRIDE);
		long windows = map.windows(SIZE, SIZE);
		List<Outline> first = new ArrayList<>();
		int[] c = ProbabilityMap.centres(SIZE, STRIDE);
		for (int j = 0; j < c.length && first.size() < SINGLE; j++)
			for (int i = 0; i < c.length && first.size() < SINGLE; i++)
				first.add(new Outline("w", imp, 1, 1, c[i] + 0.5, c[j] + 0.5, null));
		PatchClassifier one = new PatchClassifier(model).batchSize(1);
		double[] mapRate = new double[rounds], oneRate = new double[rounds];
		long[] mapHeap = new long[rounds];
		for (int r = -1; r < rounds; r++) { // round -1: warm-up, not counted
			Memory.resetPeaks();
			long before = used();
			long t = System.nanoTime();
			float[][] out = new float[4][SIZE * SIZE];
			map.compute(SourcePlanes.of(imp, model.patchInput(), 1, 1), out);
			double s = (System.nanoTime() - t) / 1e9;
			if (r >= 0) {
				mapRate[r] = windows / s;
				mapHeap[r] = Memory.peakHeap() - before;
			}
			out = null;
			t = System.nanoTime();
			one.classify(first, (k, p) -> {
			});
			s = (System.nanoTime() - t) / 1e9;
			if (r >= 0) oneRate[r] = first.size() / s;
		}
		System.out.printf(Locale.ROOT, "probability map, stride %d (%d windows of %dx%dx2): %s windows/s; one call per "
				+ "window (first %d): %s windows/s; batched / one call: %s (medians of %d interleaved rounds)%n",
				STRIDE, windows, PATCH, PATCH, range(mapRate), first.size(), range(oneRate), ratio(mapRate, oneRate),
				rounds);
		System.out.printf(Locale.ROOT, "  map: output %d MB (4 classes x %d^2 floats); peak heap above the start %s MB"
				+ " (includes garbage between collections)%n", 4L * SIZE * SIZE * 4 >> 20, SIZE, mb(mapHeap));
	}

	private static void memory(ModelBundle model, ImagePlus imp) {
		System.out.println("  ROIs | ROIs/s | live heap before (MB) | max live heap while classifying, above before (MB)");
		for (int n : new int[] { 100, 1000, 10_000 }) {
			Random r = new Random(n);
			List<Roi> rois = new ArrayList<>();
			for (int i = 0; i < n; i++)
				rois.add(new OvalRoi(4 + r.nextInt(SIZE - 30), 4 + r.nextInt(SIZE - 30), 14 + r.nextInt(8), 14 + r
						.nextInt(8)));
			List<Outline> outlines = RoiOutlines.outlines(rois, imp);
			PatchClassifier pc = new PatchClassifier(model);
			pc.classify(outlines.subList(0, Math.min(64, n)), (k, p) -> {
			}); // warm-up
			long before = used();
			long[] max = { before };
			int[] batches = { 0 };
			pc.progress((done, total) -> {
				if (++batches[0] % 8 == 0) max[0] = Math.max(max[0], used()); // every 8 batches: the live heap
			});
			long t = System.nanoTime();
			pc.classify(outlines, (k, p) -> {
			});
			double s = (System.nanoTime() - t) / 1e9;
			max[0] = Math.max(max[0], used());
			System.out.printf(Locale.ROOT, "  %d | %.0f | %.1f | %.1f%n", n, n / s, before / 1048576.0,
					(max[0] - before) / 1048576.0);
		}
	}

	/** The live heap: used after a full collection. */
	private static long used() {
		Runtime rt = Runtime.getRuntime();
		for (int i = 0; i < 2; i++) System.gc();
		return rt.totalMemory() - rt.freeMemory();
	}

	private static String range(double[] v) {
		double[] s = v.clone();
		Arrays.sort(s);
		return String.format(Locale.ROOT, "%.0f (%.0f-%.0f)", RuntimeBenchmark.Stats.median(s), s[0],
				s[s.length - 1]);
	}

	private static String ratio(double[] a, double[] b) {
		double[] r = new double[a.length];
		for (int i = 0; i < a.length; i++) r[i] = a[i] / b[i];
		Arrays.sort(r);
		return String.format(Locale.ROOT, "%.1fx (%.1f-%.1f)", RuntimeBenchmark.Stats.median(r), r[0],
				r[r.length - 1]);
	}

	private static String mb(long[] v) {
		long[] s = v.clone();
		Arrays.sort(s);
		double[] d = Arrays.stream(s).asDoubleStream().toArray();
		return String.format(Locale.ROOT, "%d (%d-%d)", (long) RuntimeBenchmark.Stats.median(d) >> 20, s[0] >> 20,
				s[s.length - 1] >> 20);
	}
}
