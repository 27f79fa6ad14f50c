package org.convkit.bench;

import static org.convkit.bench.RuntimeBenchmark.Stats.median;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.inspect.Progress;
import org.convkit.core.cnn.inspect.Saliency;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.net.Dl4jRuntime;
import org.convkit.core.cnn.net.NdArrays;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Predictor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * The Inspect commands against the classification they explain, in interleaved rounds after one untimed warm-up,
 * medians of the rounds (run with {@code ./convkit --bench N inspect}):
 * <ol>
 * <li>CNN Feature Maps... of every layer ({@code layer=All}) for one image against one Classify with CNN... call,
 * both through {@code IJ.run} as a macro calls them, for LeNet (28×28) and Small VGG (64×64);</li>
 * <li>whole-image conv1 maps of a 2048×2048 image: time, peak heap and resident memory, against raw DL4J's
 * {@code feedForwardToLayer(0)} on the whole image in one call;</li>
 * <li>Occlusion and LIME (batched) in images/s against classifying the same altered images one at a time with the
 * Predictor.</li>
 * </ol>
 * Networks have seeded random weights: speed does not depend on training.
 */
public final class InspectBenchmark {
	private final int rounds;
	private final Path dir;

	private InspectBenchmark(int rounds) throws IOException {
		this.rounds = rounds;
		this.dir = Files.createTempDirectory("convkit-inspect-bench");
	}

	public static void run(int rounds) throws IOException, ModelFileException {
		Dl4jRuntime.configure();
		new InspectBenchmark(rounds).runAll();
	}

	private void runAll() throws IOException, ModelFileException {
		Path lenet = model("lenet.zip", NetworkSpec.LENET_SPEC, 28);
		Path vgg = model("vgg.zip", NetworkSpec.SMALL_VGG_SPEC, 64);
		System.out.println("\n## Inspect (" + rounds + " rounds, medians)\n");
		System.out.println("| case | Inspect | reference | ratio |");
		System.out.println("|---|---:|---:|---:|");
		featureMapsVsClassify("LeNet 28x28", lenet, 28);
		featureMapsVsClassify("Small VGG 64x64", vgg, 64);
		wholeImage(lenet, "LeNet");
		wholeImage(vgg, "Small VGG");
		perturbations(lenet);
	}

	/** A model file with seeded random weights (the bundle cache then reads it once, as in a macro loop). */
	private Path model(String name, String spec, int size) throws IOException, ModelFileException {
		TrainingSettings s = TrainingSettings.DEFAULTS.withSeed(7);
		NetworkSpec ns = NetworkSpec.parse(spec);
		MultiLayerNetwork net = NetworkBuilder.network(ns, size, size, 1, 10, s);
		List<String> labels = new ArrayList<>();
		for (int i = 0; i < 10; i++) labels.add("c" + i);
		ModelBundle b = new ModelBundle(net, ns, labels, size, size, 1, new Normalisation(new double[] {100},
				new double[] {50}), s, TrainingHistory.empty());
		Path file = dir.resolve(name);
		ModelBundleIO.write(b, file, true);
		return file;
	}

	private static ImagePlus image(int w, int h, long seed) {
		ByteProcessor ip = new ByteProcessor(w, h);
		Random r = new Random(seed);
		byte[] px = (byte[]) ip.getPixels();
		for (int i = 0; i < px.length; i++) px[i] = (byte) (40 + r.nextInt(160));
		ip.blurGaussian(2);
		return new ImagePlus("bench", ip);
	}

	/** Runs the command and closes what it opened; returns milliseconds. */
	private static double timed(ImagePlus imp, String command, String options) {
		Set<Integer> before = ids();
		long t0 = System.nanoTime();
		IJ.run(imp, command, options);
		double ms = (System.nanoTime() - t0) / 1e6;
		for (int id : ids()) if (!before.contains(id)) WindowManager.getImage(id).close();
		return ms;
	}

	private static Set<Integer> ids() {
		Set<Integer> s = new HashSet<>();
		int[] list = WindowManager.getIDList();
		if (list != null) for (int id : list) s.add(id);
		return s;
	}

	private void featureMapsVsClassify(String name, Path model, int size) {
		ImagePlus imp = image(size, size, 1);
		String m = "model=[" + model + "]";
		int reps = 20;
		double[] maps = new double[rounds], classify = new double[rounds];
		for (int r = -1; r < rounds; r++) {
			double a = 0, b = 0;
			for (int i = 0; i < reps; i++) {
				a += timed(imp, "CNN Feature Maps...", m + " layer=All input=[Model size]");
				b += timed(imp, "Classify with CNN...", m + " target=Image");
			}
			if (r >= 0) {
				maps[r] = a / reps;
				classify[r] = b / reps;
			}
		}
		double mapsMs = median(maps), classifyMs = median(classify);
		row("Feature maps, every layer, " + name + " (ms per call; Classify with CNN... as reference)", mapsMs,
				classifyMs, mapsMs / classifyMs);
	}

	private void wholeImage(Path model, String name) throws ModelFileException {
		ImagePlus imp = image(2048, 2048, 2);
		String options = "model=[" + model + "] layer=conv1 input=[Whole image]";
		ModelBundle b = ModelBundleIO.read(model);
		float[] x = new float[2048 * 2048];
		for (int i = 0; i < x.length; i++) x[i] = (float) b.normalisation().apply(imp.getProcessor().getf(i), 0);
		double[] ours = new double[rounds], raw = new double[rounds];
		long heapOurs = 0, rssOurs = 0, heapRaw = 0, rssRaw = 0;
		for (int r = -1; r < Math.min(rounds, 3); r++) {
			System.gc();
			Memory.resetPeaks();
			double t = timed(imp, "CNN Feature Maps...", options);
			if (r >= 0) {
				ours[r] = t;
				heapOurs = Math.max(heapOurs, Memory.peakHeap());
				rssOurs = Math.max(rssOurs, Memory.peakRss());
			}
			System.gc();
			Memory.resetPeaks();
			long t0 = System.nanoTime();
			INDArray in = NdArrays.array(x, 1, 1, 2048, 2048);
			List<INDArray> a = b.network().feedForwardToLayer(0, in);
			float[] maps = NdArrays.floats(a.get(1), null);
			double t2 = (System.nanoTime() - t0) / 1e6;
			if (maps.length == 0) throw new IllegalStateException();
			if (r >= 0) {
				raw[r] = t2;
				heapRaw = Math.max(heapRaw, Memory.peakHeap());
				rssRaw = Math.max(rssRaw, Memory.peakRss());
			}
		}
		int n = Math.min(rounds, 3);
		double mo = median(Arrays.copyOf(ours, n)), mr = median(Arrays.copyOf(raw, n));
		row("Whole-image conv1 maps, " + name + ", 2048x2048 (ms; raw DL4J feedForwardToLayer(0) in one call)", mo,
				mr, mo / mr);
		System.out.println(String.format(Locale.ROOT, "| &nbsp;&nbsp;peak heap / RSS, MB | %d / %d | %d / %d | |",
				heapOurs >> 20, rssOurs >> 20, heapRaw >> 20, rssRaw >> 20));
	}

	private void perturbations(Path model) throws ModelFileException {
		ModelBundle b = ModelBundleIO.read(model);
		ImagePlus imp = image(28, 28, 3);
		Saliency.Params occlusion = new Saliency.Params(Saliency.Method.OCCLUSION, "c0", "", 4, 1, 50, 500, 1);
		Saliency.Params lime = new Saliency.Params(Saliency.Method.LIME, "c0", "", 4, 1, 40, 1000, 1);
		int occluded = 25 * 25;
		double[] occ = new double[rounds], lim = new double[rounds], one = new double[rounds];
		Predictor predictor = new Predictor(b);
		for (int r = -1; r < rounds; r++) {
			long t0 = System.nanoTime();
			Saliency.compute(b, imp.getProcessor(), occlusion, Progress.NONE);
			double tOcc = (System.nanoTime() - t0) / 1e9;
			t0 = System.nanoTime();
			Saliency.compute(b, imp.getProcessor(), lime, Progress.NONE);
			double tLime = (System.nanoTime() - t0) / 1e9;
			// the reference: the same 625 occluded images, each classified on its own
			t0 = System.nanoTime();
			ImageProcessor work = imp.getProcessor().duplicate();
			for (int y = 0; y < 25; y++)
				for (int xx = 0; xx < 25; xx++) {
					ImageProcessor ip = work.duplicate();
					ip.setValue(100);
					ip.setRoi(xx, y, 4, 4);
					ip.fill();
					ip.resetRoi();
					predictor.predict(ip);
				}
			double tOne = (System.nanoTime() - t0) / 1e9;
			if (r >= 0) {
				occ[r] = occluded / tOcc;
				lim[r] = 1000 / tLime;
				one[r] = occluded / tOne;
			}
		}
		row("Occlusion, LeNet 28x28, patch 4 stride 1 (images/s; one Predictor call per image as reference)",
				median(occ), median(one), median(occ) / median(one));
		row("LIME, LeNet 28x28, 1000 samples (images/s; same reference)", median(lim), median(one),
				median(lim) / median(one));
	}

	private static void row(String what, double a, double b, double ratio) {
		System.out.println(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.2f |", what, a, b, ratio));
	}

}
