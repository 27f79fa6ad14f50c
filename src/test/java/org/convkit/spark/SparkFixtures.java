package org.convkit.spark;

import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.ShortProcessor;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.testing.MacroHarness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.Assert.assertTrue;

/** Small models and folders for the Spark job tests: seconds to make, enough files for several tasks. */
final class SparkFixtures {
	static final String SPEC = "conv 3x3x4 pad=same; maxpool 2; dense 16";
	static final int SIZE = 16;

	private SparkFixtures() {
	}

	/** A tiny model trained for two epochs on synthetic 16x16 images (disk, hbar, vbar). */
	static Path model(Path dir) throws IOException {
		Path data = Synthetic.folder(Files.createDirectories(dir.resolve("training")), 12, SIZE, 5);
		Path model = dir.resolve("model.zip");
		new Trainer(new FolderDataset(data), NetworkSpec.parse(SPEC), TrainingSettings.DEFAULTS.withLearningRate(3e-3)
				.withBatchSize(12).withEpochs(2).withSeed(3)).input(new InputFormat(SIZE, SIZE, 1, Resize.SCALE))
				.saveTo(model, false).train(null);
		return model;
	}

	/**
	 * {@code n} synthetic images in the folder and two subfolders (PNG and TIFF, some of another size), plus files
	 * to skip: a damaged TIFF, a text file, an RGB image (the model is grayscale) and a hidden file.
	 */
	static Path classifyFolder(Path dir, int n) throws IOException {
		Random r = new Random(17);
		Files.createDirectories(dir.resolve("sub/deeper"));
		for (int i = 0; i < n; i++) {
			String sub = i % 3 == 0 ? "" : i % 3 == 1 ? "sub/" : "sub/deeper/";
			Synthetic.save(Synthetic.image(i % 3, i % 7 == 0 ? 20 : SIZE, r), dir.resolve(sub + String.format(
					"img%04d", i)), i % 4 == 0);
		}
		Files.write(dir.resolve("sub/damaged.tif"), new byte[] { 'I', 'I', 42, 0, 8, 0, 0, 0, 1, 2, 3 });
		Files.write(dir.resolve("notes.txt"), "not an image".getBytes(StandardCharsets.UTF_8));
		ColorProcessor rgb = new ColorProcessor(SIZE, SIZE);
		rgb.setColor(0x336699);
		rgb.fill();
		assertTrue(new FileSaver(new ImagePlus("rgb", rgb)).saveAsPng(dir.resolve("sub/colour.png").toString()));
		Files.write(dir.resolve(".hidden.tif"), new byte[] { 1, 2, 3 });
		return dir;
	}

	/** Images of every kind for the filters: 8-bit PNG, 16-bit TIFF, RGB, a stack, in a subfolder too; one damaged. */
	static Path filterFolder(Path dir) throws IOException {
		Random r = new Random(23);
		Files.createDirectories(dir.resolve("sub"));
		for (int i = 0; i < 6; i++) {
			byte[] p = new byte[40 * 30];
			r.nextBytes(p);
			save(new ImagePlus("g" + i, new ByteProcessor(40, 30, p)), dir.resolve((i % 2 == 0 ? "" : "sub/") + "gray"
					+ i + ".png"));
		}
		short[] s = new short[36 * 28];
		for (int i = 0; i < s.length; i++) s[i] = (short) (300 + r.nextInt(3000));
		save(new ImagePlus("s", new ShortProcessor(36, 28, s, null)), dir.resolve("sub/shorts.tif"));
		ColorProcessor cp = new ColorProcessor(30, 22);
		for (int i = 0; i < 30 * 22; i++) cp.set(i, r.nextInt(1 << 24));
		save(new ImagePlus("c", cp), dir.resolve("colour.tif"));
		ImageStack st = new ImageStack(32, 24);
		for (int k = 0; k < 3; k++) {
			byte[] p = new byte[32 * 24];
			r.nextBytes(p);
			st.addSlice(new ByteProcessor(32, 24, p));
		}
		save(new ImagePlus("stack", st), dir.resolve("stack.tif"));
		Files.write(dir.resolve("sub/damaged.png"), new byte[] { (byte) 0x89, 'P', 'N', 'G', 1, 2 });
		return dir;
	}

	private static void save(ImagePlus imp, Path file) {
		String f = file.toString();
		assertTrue(f, f.endsWith(".png") ? new FileSaver(imp).saveAsPng(f) : new FileSaver(imp).saveAsTiff(f));
	}

	/** The classify job on {@code images} (recursive), in tasks of 16 images: several tasks on few images. */
	static ClassifyJob.Options classifyOptions(Path model, Path images, Path output) {
		ClassifyJob.Options o = new ClassifyJob.Options();
		o.model = model;
		o.input = images;
		o.output = output;
		o.recursive = true;
		o.imagesPerTask = 16;
		return o;
	}

	/** The CSV Classify Folder with CNN... writes for the folder, run as a macro line. */
	static List<String> menuCsv(Path model, Path folder, Path csv, boolean recursive) throws IOException {
		MacroHarness.run(null, "Classify Folder with CNN...", "model=[" + model + "] folder=[" + folder + "] output=["
				+ csv + "]" + (recursive ? " recursive" : ""));
		return Files.readAllLines(csv, StandardCharsets.UTF_8);
	}
}
