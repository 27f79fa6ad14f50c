package org.convkit.plugins.inspect;

import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.StackDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.core.cnn.train.TrainingResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

/**
 * Tiny models trained in the tests (seeded, small images, a few epochs: seconds each) and helpers for the Inspect
 * command tests.
 */
final class InspectModels {
	static final int SIZE = 16;
	static final TrainingSettings SETTINGS = TrainingSettings.DEFAULTS.withLearningRate(3e-3).withBatchSize(16)
			.withEpochs(3).withSeed(1);

	private InspectModels() {
	}

	/** Trains {@code spec} on the synthetic disks/bars (16x16 8-bit, 20 per class) and saves it as dir/name. */
	static Path synthetic(Path dir, String name, String spec) throws IOException {
		Path data = dir.resolve("synthetic-data");
		if (!Files.isDirectory(data)) Synthetic.folder(Files.createDirectories(data), 20, SIZE, 7);
		return train(new FolderDataset(data), spec, SETTINGS, dir.resolve(name));
	}

	static Path train(org.convkit.core.cnn.data.Dataset data, String spec, TrainingSettings settings, Path model)
			throws IOException {
		TrainingResult r = new Trainer(data, NetworkSpec.parse(spec), settings).validation(0).saveTo(model, false)
				.train(null);
		assertNotNull("training produced no model", r.best);
		return model;
	}

	/**
	 * A model whose class depends on the LEFT half only: a disk, a horizontal or a vertical bar there, while the
	 * right half holds dark speckles whatever the class. 24x24 8-bit, 150 images.
	 */
	static Path leftHalf(Path dir, String spec, int epochs) throws IOException {
		ImageStack st = new ImageStack(HALF_SIZE, HALF_SIZE);
		Random r = new Random(5);
		for (int i = 0; i < 150; i++) st.addSlice(HALF_CLASSES[i % 3], leftHalfImage(i % 3, r));
		TrainingSettings s = TrainingSettings.DEFAULTS.withLearningRate(3e-3).withBatchSize(16).withEpochs(epochs)
				.withSeed(3);
		return train(new StackDataset(st), spec, s, dir.resolve("left-half.zip"));
	}

	static final int HALF_SIZE = 24;
	static final String[] HALF_CLASSES = {"disk", "hbar", "vbar"};

	/** A disk, a horizontal or a vertical bar (class 0, 1, 2) in the left half; speckles in the right half. */
	static ByteProcessor leftHalfImage(int c, Random r) {
		int n = HALF_SIZE;
		ByteProcessor ip = new ByteProcessor(n, n);
		int cx = 2 + r.nextInt(3), cy = 5 + r.nextInt(n - 10);
		for (int y = 0; y < n; y++)
			for (int x = 0; x < n; x++) {
				boolean on;
				if (x < n / 2) {
					if (c == 0) on = (x - cx - 1) * (x - cx - 1) + (y - cy) * (y - cy) <= 9;
					else if (c == 1) on = Math.abs(y - cy) <= 1 && x >= 1 && x <= 8;
					else on = Math.abs(x - cx - 1) <= 1 && Math.abs(y - cy) <= 5;
				} else {
					on = false;
					if (r.nextDouble() < SPECKLES) {
						ip.set(x, y, (int) Math.max(0, Math.min(255, 40 + SPECKLE_VALUE + r.nextGaussian() * 12)));
						continue;
					}
				}
				ip.set(x, y, (int) Math.max(0, Math.min(255, 40 + (on ? 150 : 0) + r.nextGaussian() * 12)));
			}
		return ip;
	}

	/**
	 * Right-half distractors: 15 % of the pixels 35 below the background. (Bright speckles like the shapes were
	 * tried: Grad-CAM then spreads 30-50 % of its mass onto them in these tiny networks, because its channel
	 * weights are global and the same bright-spot channels fire there; LIME and occlusion still localise.)
	 */
	static final double SPECKLES = 0.15;
	static final int SPECKLE_VALUE = -35;

	static String path(Path p) {
		return "[" + p + "]";
	}

	/** The ids of the open images. */
	static int[] ids() {
		int[] ids = WindowManager.getIDList();
		return ids == null ? new int[0] : ids;
	}

	/** A copy of the current plane's pixels, to check that a command left the image untouched. */
	static Object pixels(ImagePlus imp) {
		ImageProcessor ip = imp.getProcessor();
		Object p = ip.getPixels();
		if (p instanceof byte[]) return ((byte[]) p).clone();
		if (p instanceof short[]) return ((short[]) p).clone();
		if (p instanceof int[]) return ((int[]) p).clone();
		return ((float[]) p).clone();
	}

	static void assertSamePixels(Object before, ImagePlus imp) {
		Object now = imp.getProcessor().getPixels();
		if (before instanceof byte[]) assertArrayEquals((byte[]) before, (byte[]) now);
		else if (before instanceof short[]) assertArrayEquals((short[]) before, (short[]) now);
		else if (before instanceof int[]) assertArrayEquals((int[]) before, (int[]) now);
		else assertArrayEquals((float[]) before, (float[]) now, 0f);
	}

	/** The slice label's "bias=" value. */
	static float bias(String label) {
		int i = label.indexOf("bias=");
		return Float.parseFloat(label.substring(i + 5).trim());
	}

	/** A 32-bit copy of the image normalised by the model: (v - mean) / std, as ImageTensor does. */
	static ImagePlus normalised(ImagePlus imp, ModelBundle b) {
		ImageProcessor fp = imp.getProcessor().convertToFloatProcessor();
		float m = (float) b.normalisation().mean(0), inv = (float) (1 / b.normalisation().std(0));
		float[] v = (float[]) fp.getPixels();
		for (int i = 0; i < v.length; i++) v[i] = (v[i] - m) * inv;
		return new ImagePlus("normalised", fp);
	}

	static void assertSize(ImagePlus imp, int w, int h, int slices) {
		assertEquals(imp.getTitle() + " width", w, imp.getWidth());
		assertEquals(imp.getTitle() + " height", h, imp.getHeight());
		assertEquals(imp.getTitle() + " slices", slices, imp.getStackSize());
	}

	static int[] sorted(int[] a) {
		int[] c = a.clone();
		Arrays.sort(c);
		return c;
	}
}
