package org.convkit.core.cnn.train;

import ij.ImageStack;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.data.Augmenter;
import org.convkit.core.cnn.data.StackDataset;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.TrainingDefaults;
import org.junit.Assume;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static org.junit.Assert.assertTrue;

/**
 * Opt-in (minutes of CPU): does a DEFAULT LeNet training run generalise on MNIST-like digits? 8,000 generated
 * training digits ({@link Digits}, seed 1) and 2,000 test digits (seed 2); training through the core Trainer with
 * exactly the defaults of a "Train CNN Classifier" run given only folder= and model= (LeNet,
 * {@link TrainingSettings#DEFAULTS}, {@link #VALIDATION}, {@link #PATIENCE}, {@link #AUGMENT}); the BEST saved
 * model (read back from its file) must reach {@value #REQUIRED} test accuracy.
 * <p>
 * {@code mvn -B -o test -Dtest=AccuracyCheck -Dconvkit.accuracy=true} runs the default. To compare settings,
 * {@code -Dconvkit.accuracy.runs="default; epochs=20 patience=0; batch=32 lr=5e-4; augment=shift"} runs each
 * (keys: epochs lr l2 batch seed validation patience augment, augment words joined by '+'); only runs named
 * "default" are asserted. Each epoch's LAST model is also tested, so one long run shows the whole curve. Result
 * rows are appended to {@code target/accuracy.md}.
 */
public class AccuracyCheck {
	/** What the Train command uses when only folder= and model= are given. */
	static final double VALIDATION = TrainingDefaults.VALIDATION;
	static final int PATIENCE = TrainingDefaults.PATIENCE;
	static final String AUGMENT = TrainingDefaults.AUGMENT;
	static final double REQUIRED = 0.985;

	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@Test
	public void defaultLeNetOnDigits() throws Exception {
		Assume.assumeTrue(Boolean.getBoolean("convkit.accuracy"));
		int nTrain = Integer.getInteger("convkit.accuracy.train", 8000), nTest = Integer.getInteger(
				"convkit.accuracy.test", 2000);
		long t0 = System.nanoTime();
		Digits gen = new Digits();
		ImageStack train = gen.stack(nTrain, 1), test = gen.stack(nTest, 2);
		log(String.format(Locale.ROOT, "generated %d + %d digits from %d fonts in %.1f s", nTrain, nTest,
				gen.fonts().size(), (System.nanoTime() - t0) / 1e9));
		List<ImageProcessor> testImages = new ArrayList<>();
		int[] testLabels = new int[nTest];
		for (int i = 0; i < nTest; i++) {
			testImages.add(test.getProcessor(i + 1));
			testLabels[i] = Integer.parseInt(test.getSliceLabel(i + 1));
		}
		List<String> failed = new ArrayList<>();
		for (String run : System.getProperty("convkit.accuracy.runs", "default").split(";")) {
			run = run.trim();
			if (run.isEmpty()) continue;
			double acc = run(run, new StackDataset(train), testImages, testLabels);
			if (run.equals("default") && acc < REQUIRED)
				failed.add(String.format(Locale.ROOT, "default run: test accuracy %.4f < %.3f", acc, REQUIRED));
		}
		assertTrue(String.join("; ", failed), failed.isEmpty());
	}

	/** Not a check: writes target/digits.png, 20 × 10 generated digits (seed 1), to look at. */
	@Test
	public void montage() {
		Assume.assumeTrue(Boolean.getBoolean("convkit.accuracy.montage"));
		ImageStack s = new Digits(distortion(System.getProperty("convkit.accuracy.distortion"))).stack(200, 1);
		ij.ImagePlus m = new ij.plugin.MontageMaker().makeMontage2(new ij.ImagePlus("digits", s), 20, 10, 1, 1,
				200, 1, 0, false);
		new ij.io.FileSaver(m).saveAsPng(Path.of(System.getProperty("convkit.basedir", "."), "target",
				"digits.png").toString());
	}

	/**
	 * Not a check: a cheap difficulty gauge for calibrating {@link Digits}: 3-nearest-neighbour accuracy on raw
	 * pixels, 8,000 training and 2,000 test digits, for each distortion given as
	 * {@code -Dconvkit.accuracy.calibrate="rotation shear aspect alpha sigma pen jitter noise; ..."}. On real MNIST
	 * with 8,000 training images the same classifier gets about 95%.
	 */
	@Test
	public void calibrate() {
		Assume.assumeTrue(System.getProperty("convkit.accuracy.calibrate") != null);
		for (String spec : System.getProperty("convkit.accuracy.calibrate").split(";")) {
			Digits g = new Digits(distortion(spec));
			ImageStack train = g.stack(8000, 1), test = g.stack(2000, 2);
			int n = train.getSize(), right = 0;
			float[][] tr = new float[n][];
			for (int i = 0; i < n; i++) tr[i] = pixels(train, i + 1);
			int[] confused = new int[100];
			for (int t = 1; t <= test.getSize(); t++) {
				float[] x = pixels(test, t);
				int[] idx = { -1, -1, -1 };
				double[] dist = { Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE };
				for (int i = 0; i < n; i++) {
					double d = 0;
					float[] y = tr[i];
					for (int j = 0; j < y.length && d < dist[2]; j++) d += (x[j] - y[j]) * (x[j] - y[j]);
					if (d >= dist[2]) continue;
					int k = 2;
					while (k > 0 && dist[k - 1] > d) {
						dist[k] = dist[k - 1];
						idx[k] = idx[k - 1];
						k--;
					}
					dist[k] = d;
					idx[k] = i;
				}
				int[] votes = new int[10];
				for (int k = 0; k < 3; k++) votes[(idx[k]) % 10] += k == 0 ? 3 : 2; // nearest breaks ties
				int best = 0;
				for (int c = 1; c < 10; c++)
					if (votes[c] > votes[best]) best = c;
				int truth = (t - 1) % 10;
				if (best == truth) right++;
				else confused[truth * 10 + best]++;
			}
			StringBuilder worst = new StringBuilder();
			for (int round = 0; round < 5; round++) {
				int m = 0;
				for (int i = 1; i < 100; i++)
					if (confused[i] > confused[m]) m = i;
				worst.append(' ').append(m / 10).append("→").append(m % 10).append(':').append(confused[m]);
				confused[m] = 0;
			}
			log(String.format(Locale.ROOT, "calibrate [%s]: 3-NN accuracy %.4f; most confused%s", spec.trim(),
					right / 2000.0, worst));
		}
	}

	private static float[] pixels(ImageStack s, int slice) {
		byte[] p = (byte[]) s.getPixels(slice);
		float[] f = new float[p.length];
		for (int i = 0; i < p.length; i++) f[i] = (p[i] & 0xff) / 255f;
		return f;
	}

	/** "rotation shear aspect alpha sigma pen jitter noise", or null for {@link Digits#DEFAULT}. */
	static Digits.Distortion distortion(String spec) {
		if (spec == null || spec.trim().isEmpty()) return Digits.DEFAULT;
		String[] v = spec.trim().split("\\s+");
		return new Digits.Distortion(Double.parseDouble(v[0]), Double.parseDouble(v[1]), Double.parseDouble(v[2]),
				Double.parseDouble(v[3]), Double.parseDouble(v[4]), Double.parseDouble(v[5]), Integer.parseInt(v[6]),
				Double.parseDouble(v[7]));
	}

	/** Trains one configuration; returns the best saved model's test accuracy. */
	private double run(String config, StackDataset data, List<ImageProcessor> testImages, int[] testLabels)
			throws Exception {
		TrainingSettings s = TrainingSettings.DEFAULTS;
		double validation = VALIDATION;
		int patience = PATIENCE;
		Set<Augmenter.Op> augment = Augmenter.parse(AUGMENT);
		for (String kv : config.equals("default") ? new String[0] : config.split("[\\s,]+")) {
			String[] p = kv.split("=", 2);
			if (p.length != 2) throw new IllegalArgumentException("not key=value: " + kv);
			switch (p[0]) {
			case "epochs": s = s.withEpochs(Integer.parseInt(p[1])); break;
			case "lr": s = s.withLearningRate(Double.parseDouble(p[1])); break;
			case "l2": s = s.withL2(Double.parseDouble(p[1])); break;
			case "batch": s = s.withBatchSize(Integer.parseInt(p[1])); break;
			case "seed": s = s.withSeed(Long.parseLong(p[1])); break;
			case "validation": validation = Double.parseDouble(p[1]); break;
			case "patience": patience = Integer.parseInt(p[1]); break;
			case "augment": augment = Augmenter.parse(p[1].replace('+', ' ')); break;
			default: throw new IllegalArgumentException("unknown key " + p[0]);
			}
		}
		Path model = tmp.newFolder().toPath().resolve("model.zip");
		Path last = Trainer.lastModelPath(model);
		List<String> curve = new ArrayList<>();
		long t0 = System.nanoTime();
		TrainingResult r = new Trainer(data, NetworkSpec.preset(NetworkSpec.LENET), s).validation(validation)
				.patience(patience).augment(augment).saveTo(model, false).train(new TrainingListener() {
					@Override
					public void epochDone(EpochResult e) {
						double a = accuracy(read(last), testImages, testLabels);
						curve.add(String.format(Locale.ROOT, "%d:%.4f/%.4f/%.4f%s", e.epoch, e.validationLoss,
								e.validationAccuracy, a, e.best ? "*" : ""));
						log("  " + e + String.format(Locale.ROOT, " test %.4f, %.0f img/s", a, e.imagesPerSecond));
					}
				});
		double minutes = (System.nanoTime() - t0) / 60e9;
		ModelBundle best = read(r.bestFile);
		double acc = accuracy(best, testImages, testLabels);
		log(String.format(Locale.ROOT, "| %s | %.2f%% | %d | %d | %s | %.1f min | %s |", config, 100 * acc,
				best.history().epochs(), r.epochs.size(), r.stop, minutes, String.join(" ", curve)));
		return acc;
	}

	static double accuracy(ModelBundle b, List<ImageProcessor> images, int[] labels) {
		float[][] p = new Predictor(b, 256).predict(images);
		int right = 0;
		for (int i = 0; i < p.length; i++)
			if (b.labels().get(Evaluation.argMax(p[i])).equals(String.valueOf(labels[i]))) right++;
		return (double) right / p.length;
	}

	private static ModelBundle read(Path p) {
		try {
			return ModelBundleIO.read(p);
		} catch (ModelFileException e) {
			throw new IllegalStateException(e);
		}
	}

	private static void log(String line) {
		System.out.println(line);
		Path out = Path.of(System.getProperty("convkit.basedir", "."), "target", "accuracy.md");
		try {
			Files.write(out, (line + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
					StandardOpenOption.APPEND);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
