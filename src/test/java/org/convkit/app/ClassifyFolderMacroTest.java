package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Evaluation;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.testing.FloatTolerance;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.Assert.*;

/** macros/classify-folder.ijm run headless: the CSV it writes holds the Predictor's probabilities for every image. */
public class ClassifyFolderMacroTest {
	@ClassRule
	public static TemporaryFolder shared = new TemporaryFolder();
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	private static final Path MACRO = HeadlessProcess.basedir().resolve("macros/classify-folder.ijm");
	static Path model;

	@BeforeClass
	public static void trainModel() throws Exception {
		Path root = shared.getRoot().toPath();
		Path data = Synthetic.folder(Files.createDirectories(root.resolve("training")), 15, 16, 3);
		model = root.resolve("my model.zip");
		new Trainer(new FolderDataset(data), NetworkSpec.parse("conv 3x3x4; maxpool 2; dense 8"),
				TrainingSettings.DEFAULTS.withBatchSize(15).withEpochs(2).withSeed(2)).saveTo(model, false)
				.train(null);
	}

	@Test
	public void writesOneRowPerImageWithThePredictorsProbabilities() throws Exception {
		Path images = tmp.newFolder("my images").toPath();
		Random r = new Random(9);
		Synthetic.save(Synthetic.image(0, 16, r), images.resolve("one"), true);
		Synthetic.save(Synthetic.image(1, 16, r), images.resolve("two"), false);
		Files.createDirectories(images.resolve("sub"));
		Synthetic.save(Synthetic.image(2, 16, r), images.resolve("sub/three"), true);
		Files.write(images.resolve("readme.txt"), "no image".getBytes(StandardCharsets.UTF_8));
		Path csv = tmp.getRoot().toPath().resolve("out put.csv");

		HeadlessProcess.Result res = HeadlessProcess.run(MACRO, "model=[" + model + "] folder=[" + images
				+ "] output=[" + csv + "] recursive");
		assertEquals(res.toString(), 0, res.exitCode);
		assertTrue(res.toString(), res.stdout.contains("classify-folder: 3 images classified into " + csv));
		assertTrue(res.toString(), res.stdout.contains("skipped readme.txt: not an image ImageJ can read"));

		List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
		assertEquals("file,class,probability,disk,hbar,vbar", lines.get(0));
		ModelBundle b = ModelBundleIO.read(model);
		Predictor p = new Predictor(b);
		List<String> files = Arrays.asList("one.png", "sub/three.png", "two.tif");
		assertEquals(1 + files.size(), lines.size());
		for (int i = 0; i < files.size(); i++) {
			String[] f = lines.get(1 + i).split(",");
			assertEquals(files.get(i), f[0]);
			ImagePlus imp = IJ.openImage(images.resolve(files.get(i)).toString());
			float[] expected = p.predict(imp.getProcessor());
			int best = Evaluation.argMax(expected);
			assertEquals(b.labels().get(best), f[1]);
			// another process and batch (3 files at once there, one here): equal up to float rounding
			assertEquals(expected[best], Float.parseFloat(f[2]), FloatTolerance.PROBABILITY);
			for (int c = 0; c < 3; c++)
				assertEquals(lines.get(1 + i), expected[c], Float.parseFloat(f[3 + c]), FloatTolerance.PROBABILITY);
		}
	}

	@Test
	public void anExistingOutputFailsTheRunAndStaysAsItWas() throws Exception {
		Path images = tmp.newFolder("imgs").toPath();
		Synthetic.save(Synthetic.image(0, 16, new Random(1)), images.resolve("a"), false);
		Path csv = images.resolve("results.csv"); // the default output
		Files.write(csv, "keep me".getBytes(StandardCharsets.UTF_8));
		HeadlessProcess.Result res = HeadlessProcess.run(MACRO, "model=[" + model + "] folder=[" + images + "]");
		assertEquals(res.toString(), HeadlessRunner.EXIT_FAILED, res.exitCode);
		assertTrue(res.toString(), (res.stdout + res.stderr).contains("already exists (add overwrite to replace it)"));
		assertEquals("keep me", new String(Files.readAllBytes(csv), StandardCharsets.UTF_8));
	}
}
