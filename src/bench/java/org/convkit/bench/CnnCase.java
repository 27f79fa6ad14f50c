package org.convkit.bench;

import ij.ImageStack;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One network and input size of {@link CnnBenchmark}: LeNet at 28×28 gray (the digits case), Small VGG at 64×64
 * gray and at 96×96 RGB (microscopy-sized patches), with seeded synthetic images of 10 classes: a jittered bright
 * blob whose position (a 5 × 2 grid) is the class, on noise; for RGB the blob is brighter in one channel chosen by
 * the image, so colour carries no class information.
 */
final class CnnCase {
	static final int CLASSES = 10;
	/**
	 * LeNet's one-image figure classifies 4,000 images a round (0.4 s for ConvKit): with 500 (0.05 s) a transient of
	 * a few tens of milliseconds — code the JIT had not yet compiled, or the JIT's and another process's work on the
	 * two cores — made a round run at about 4,300 images/s instead of 9,000–11,000 (per-thread CPU times,
	 * 2026-12-06, docs/benchmarks.md); with 4,000, ten rounds of two runs stayed within 8,256–11,366.
	 */
	static final CnnCase LENET = new CnnCase("lenet", NetworkSpec.LENET, "lenet", 28, 1, 8000, 4000);
	static final CnnCase VGG64 = new CnnCase("vgg64", NetworkSpec.SMALL_VGG, "smallvgg", 64, 1, 1024, 200);
	static final CnnCase VGG96 = new CnnCase("vgg96", NetworkSpec.SMALL_VGG, "smallvgg", 96, 3, 640, 100);
	static final List<CnnCase> ALL = Arrays.asList(LENET, VGG64, VGG96);

	/** Case name on the command line; ConvKit's preset; the PyTorch script's --arch. */
	final String name, preset, torchArch;
	final int size, channels, images, single;

	private CnnCase(String name, String preset, String torchArch, int size, int channels, int images, int single) {
		this.name = name;
		this.preset = preset;
		this.torchArch = torchArch;
		this.size = size;
		this.channels = channels;
		this.images = images;
		this.single = single;
	}

	static CnnCase named(String name) {
		for (CnnCase c : ALL)
			if (c.name.equals(name)) return c;
		return null;
	}

	/**
	 * The case a bench argument names as {@code prefix} alone (LeNet) or {@code prefix-CASE} (e.g. {@code onednn},
	 * {@code onednn-vgg96}); null for anything else.
	 */
	static CnnCase named(String argument, String prefix) {
		if (argument.equals(prefix)) return LENET;
		return argument.startsWith(prefix + "-") ? named(argument.substring(prefix.length() + 1)) : null;
	}

	/** An untrained model of this case (seeded weights, no normalisation), for the levers that time classification. */
	ModelBundle untrainedModel() {
		NetworkSpec spec = NetworkSpec.preset(preset);
		return new ModelBundle(NetworkBuilder.network(spec, size, size, channels, CLASSES,
				TrainingSettings.DEFAULTS.withSeed(CnnBenchmark.SEED)), spec, labels(), size, size, channels,
				Normalisation.none(channels), TrainingSettings.DEFAULTS, TrainingHistory.empty(), Resize.SCALE);
	}

	/** {@link #images}' slices as a list. */
	List<ImageProcessor> imageList(long seed, int count) {
		ImageStack stack = images(seed, count);
		List<ImageProcessor> list = new ArrayList<>();
		for (int i = 1; i <= count; i++) list.add(stack.getProcessor(i));
		return list;
	}

	/** The class names, in class order: the slice labels of {@link #images}. */
	static List<String> labels() {
		List<String> l = new ArrayList<>();
		for (int c = 0; c < CLASSES; c++) l.add(label(c));
		return l;
	}

	private static String label(int c) {
		return "class " + c;
	}

	/** e.g. "LeNet 28x28 gray" or "Small VGG 96x96 RGB". */
	String title() {
		return preset + " " + size + "x" + size + " " + (channels == 3 ? "RGB" : "gray");
	}

	/** The seeded images, slice labels = class names. */
	ImageStack images(long seed) {
		return images(seed, images);
	}

	/** {@code count} seeded images (the first ones are those of a smaller count). */
	ImageStack images(long seed, int count) {
		Random r = new Random(seed);
		ImageStack stack = new ImageStack(size, size);
		double step = size / 5.6, sigma = size / 11.2;
		for (int i = 0; i < count; i++) {
			int c = i % CLASSES;
			double cx = step * (0.75 + c % 5) + r.nextGaussian() * size / 28.0;
			double cy = size * (c < 5 ? 0.3 : 0.7) + r.nextGaussian() * size / 28.0;
			int bright = r.nextInt(3);
			ImageProcessor ip = channels == 3 ? new ColorProcessor(size, size) : new ByteProcessor(size, size);
			for (int p = 0; p < size * size; p++) {
				double dx = p % size - cx, dy = p / size - cy, blob = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
				if (channels == 1) {
					ip.set(p, clamp(40 + 20 * r.nextGaussian() + 150 * blob));
				} else {
					int rgb = 0;
					for (int ch = 0; ch < 3; ch++)
						rgb = rgb << 8 | clamp(40 + 20 * r.nextGaussian() + (ch == bright ? 150 : 60) * blob);
					ip.set(p, rgb);
				}
			}
			stack.addSlice(label(c), ip);
		}
		return stack;
	}

	private static int clamp(double v) {
		return Math.max(0, Math.min(255, (int) Math.round(v)));
	}
}
