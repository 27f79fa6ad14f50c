package org.convkit.spark;

import ij.IJ;
import ij.ImagePlus;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.convkit.core.cnn.classify.FolderClassifier;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.core.cnn.train.TrainingResult;
import org.convkit.plugins.cnn.TrainingSetup;
import org.convkit.plugins.filters.FilterCommandsTest;
import org.convkit.testing.FloatTolerance;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * The Spark jobs embedded ({@code local[2]}, two task threads in this JVM; a task may be tried twice): classify
 * gives the rows of Classify Folder with CNN..., filter the pixels of the menu commands, train with one worker the
 * single-machine training; output is all or nothing, retried tasks give no duplicate or missing rows.
 */
public class SparkEmbeddedTest {
	/** Probabilities may differ by float rounding only (other batches than the menu command's). */
	static final double TOLERANCE = 1e-6;

	@ClassRule
	public static TemporaryFolder shared = new TemporaryFolder();
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	static JavaSparkContext sc;
	static Path model, images;
	static List<String> menuRows;
	static FolderClassifier.Result menuResult;

	@BeforeClass
	public static void start() throws Exception {
		Path root = shared.getRoot().toPath();
		model = SparkFixtures.model(root);
		images = SparkFixtures.classifyFolder(root.resolve("images"), 150);
		menuRows = SparkFixtures.menuCsv(model, images, root.resolve("menu.csv"), true);
		menuResult = new FolderClassifier(new Predictor(ModelBundleIO.read(model))).recursive(true)
				.classify(images, root.resolve("core.csv"));
		sc = SparkSetup.context(SparkSetup.conf("ConvKit test", "local[2,2]", null));
	}

	@AfterClass
	public static void stop() {
		if (sc != null) sc.close();
	}

	static ClassifyJob.Options classify(Path output) {
		return SparkFixtures.classifyOptions(model, images, output);
	}

	static PrintStream console() {
		return new PrintStream(new ByteArrayOutputStream(), true);
	}

	@Test
	public void classifyGivesTheRowsOfClassifyFolderWithCnn() throws Exception {
		Path csv = tmp.getRoot().toPath().resolve("spark.csv");
		ByteArrayOutputStream log = new ByteArrayOutputStream();
		ClassifyJob.Result r = ClassifyJob.run(sc, classify(csv), new PrintStream(log, true));
		FloatTolerance.assertCsvClose(menuRows, Files.readAllLines(csv, StandardCharsets.UTF_8), TOLERANCE);
		assertEquals(150, r.classified);
		assertEquals(10, r.tasks);
		assertEquals(menuResult.skipped.toString(), r.skipped.toString());
		assertEquals(3, r.skipped.size()); // damaged, text, RGB; the hidden file is not even listed
		assertTrue(log.toString(), log.toString().contains("classify: 153/153 files (100%)"));
		assertEquals("no staging or temporary files left", 1, Files.list(tmp.getRoot().toPath()).count());

		// without recursive: the folder's own files only, as the menu command
		Path top = tmp.getRoot().toPath().resolve("top.csv");
		ClassifyJob.Options o = classify(tmp.getRoot().toPath().resolve("top-spark.csv"));
		o.recursive = false;
		ClassifyJob.run(sc, o, console());
		FloatTolerance.assertCsvClose(SparkFixtures.menuCsv(model, images, top, false),
				Files.readAllLines(o.output, StandardCharsets.UTF_8), TOLERANCE);
	}

	@Test
	public void partitionedOutputHoldsTheSameRowsInPartFiles() throws Exception {
		ClassifyJob.Options o = classify(tmp.getRoot().toPath().resolve("parts"));
		o.partitioned = true;
		ClassifyJob.run(sc, o, console());
		List<Path> parts;
		try (Stream<Path> s = Files.list(o.output)) {
			parts = s.sorted().collect(Collectors.toList());
		}
		assertEquals(10, parts.size());
		List<String> rows = new ArrayList<>();
		rows.add(menuRows.get(0));
		for (int i = 0; i < parts.size(); i++) {
			assertEquals(String.format("part-%05d.csv", i), parts.get(i).getFileName().toString());
			List<String> lines = Files.readAllLines(parts.get(i), StandardCharsets.UTF_8);
			assertEquals("each part is a CSV with the header", menuRows.get(0), lines.get(0));
			rows.addAll(lines.subList(1, lines.size()));
		}
		FloatTolerance.assertCsvClose(menuRows, rows, TOLERANCE);
	}

	@Test
	public void anExistingOutputIsAnErrorWithoutOverwrite() throws Exception {
		Path csv = tmp.newFile("exists.csv").toPath();
		Files.write(csv, "keep me".getBytes(StandardCharsets.UTF_8));
		try {
			ClassifyJob.run(sc, classify(csv), console());
			fail("overwrote an existing file");
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("already exists (add --overwrite"));
		}
		assertEquals("keep me", new String(Files.readAllBytes(csv), StandardCharsets.UTF_8));
		ClassifyJob.Options o = classify(csv);
		o.overwrite = true;
		ClassifyJob.run(sc, o, console());
		assertEquals(menuRows.size(), Files.readAllLines(csv, StandardCharsets.UTF_8).size());
	}

	/** Fails reading one file: on every attempt, or only on a task's first attempt. */
	static final class FailingReader implements ClassifyJob.Reader {
		private static final long serialVersionUID = 1L;
		final String file;
		final boolean always;

		FailingReader(String file, boolean always) {
			this.file = file;
			this.always = always;
		}

		@Override
		public ImagePlus read(Path f) throws Exception {
			if (f.endsWith(file) && (always || TaskContext.get().attemptNumber() == 0))
				throw new AssertionError("executor lost while reading " + f);
			return FolderDataset.IMAGEJ.read(f);
		}
	}

	@Test
	public void aFailedJobLeavesNoOutputAndARetriedTaskNoDuplicateRows() throws Exception {
		Path dir = tmp.newFolder("out").toPath(), csv = dir.resolve("result.csv");
		ClassifyJob.Options o = classify(csv);
		o.reader = new FailingReader("img0042.tif", true);
		try {
			ClassifyJob.run(sc, o, console());
			fail("the job should fail");
		} catch (Exception e) { // SparkException
			assertTrue(SparkJobs.rootMessage(e), SparkJobs.rootMessage(e).contains("executor lost while reading"));
		}
		try (Stream<Path> s = Files.list(dir)) {
			assertEquals("nothing written, nothing left over", 0, s.count());
		}
		o.reader = new FailingReader("img0042.tif", false);
		ClassifyJob.run(sc, o, console());
		FloatTolerance.assertCsvClose(menuRows, Files.readAllLines(csv, StandardCharsets.UTF_8), TOLERANCE);
		try (Stream<Path> s = Files.list(dir)) {
			assertEquals(1, s.count());
		}
	}

	@Test
	public void badInputIsReportedBeforeSparkStarts() throws Exception {
		Path text = tmp.newFile("model.zip").toPath(), existing = tmp.newFile("existing.csv").toPath();
		Files.write(text, "no model".getBytes(StandardCharsets.UTF_8));
		String[][] cases = {
				{ "classify", "--model", model.toString(), "--input", "/no/such/folder", "--output", "/tmp/x.csv" },
				{ "classify", "--model", text.toString(), "--input", images.toString(), "--output",
						tmp.getRoot() + "/y.csv" },
				{ "classify", "--model", model.toString(), "--input", images.toString(), "--output",
						existing.toString() },
				{ "filter", "--command", "Apply Kernel...", "--options", "preset=Sharpen border=Median", "--input",
						images.toString(), "--output", tmp.getRoot() + "/f" },
				{ "filter", "--command", "Median...", "--input", images.toString(), "--output", tmp.getRoot() + "/f" },
				{ "filter", "--command", "Apply Kernel...", "--options", "preset=Sharpen", "--input",
						images.toString(), "--output", images.resolve("sub/out").toString() },
				{ "train", "--folder", images.toString(), "--model", tmp.getRoot() + "/m.zip", "--options",
						"epochs=0" },
				{ "train", "--folder", images.toString(), "--model", tmp.getRoot() + "/m.zip", "--options",
						"folder=/x" }, };
		String[] expected = { "does not exist", "model", "already exists (add --overwrite", "border", "Unknown filter command", "inside the input",
				"epochs=0", "folder= does not belong" };
		for (int i = 0; i < cases.length; i++) {
			ByteArrayOutputStream err = new ByteArrayOutputStream();
			int code = SparkJobs.run(cases[i], console(), new PrintStream(err, true));
			assertEquals(err.toString(), 1, code);
			assertTrue(err.toString(), err.toString().contains(expected[i]));
		}
		for (String[] usage : new String[][] { {}, { "classify", "--input" }, { "classify", "--bogus" },
				{ "predict" }, { "train", "--folder", "x", "--model", "m", "--workers", "0" } }) {
			ByteArrayOutputStream err = new ByteArrayOutputStream();
			assertEquals(err.toString(), 2, SparkJobs.run(usage, console(), new PrintStream(err, true)));
			assertTrue(err.toString(), err.toString().contains("Usage:"));
		}
	}

	@Test
	public void filterGivesTheMenuCommandsPixelsAsTiffsAtTheSameRelativePaths() throws Exception {
		Path in = SparkFixtures.filterFolder(tmp.newFolder("in").toPath());
		String[][] runs = { { "Apply Kernel...", "preset=[Sobel X] border=Reflect output=32-bit" },
				{ "High-pass Filter...", "method=Gaussian sigma=2 offset" },
				{ "Edge Detection...", "method=Canny low=20 high=60 stack" } };
		for (String[] run : runs) {
			FilterJob.Options o = new FilterJob.Options();
			o.command = run[0];
			o.options = run[1];
			o.input = in;
			o.output = tmp.getRoot().toPath().resolve("out-" + run[0].charAt(0));
			o.recursive = true;
			o.imagesPerTask = 2;
			FilterJob.Result r = FilterJob.run(sc, o, console());
			assertEquals(10, r.files);
			assertEquals(9, r.written);
			// the real reason, from the checked reader (ImageFileReader), as Classify Folder and training give it
			assertEquals("[sub/damaged.png: a PNG that cannot be decoded]", r.skipped.toString());
			for (String name : new String[] { "gray0.png", "sub/gray1.png", "sub/shorts.tif", "colour.tif",
					"stack.tif" }) {
				ImagePlus input = IJ.openImage(in.resolve(name).toString());
				ImagePlus expected = FilterCommandsTest.menuResult(input, run[0], run[1]);
				ImagePlus written = IJ.openImage(o.output.resolve(FilterJob.outputName(name)).toString());
				FilterCommandsTest.assertSamePixels(run[0] + " " + name, expected, written);
			}
		}
	}

	@Test
	public void filterNeverOverwritesInputsNorAnOutputUnasked() throws Exception {
		Path in = SparkFixtures.filterFolder(tmp.newFolder("in").toPath());
		FilterJob.Options o = new FilterJob.Options();
		o.command = "Apply Kernel...";
		o.options = "preset=Sharpen";
		o.recursive = true;
		for (Path bad : new Path[] { in, in.resolve("sub"), in.getParent() }) {
			o.input = in;
			o.output = bad;
			try {
				FilterJob.run(sc, o, console());
				fail("wrote into " + bad);
			} catch (IllegalArgumentException e) {
				assertTrue(e.getMessage(), e.getMessage().contains("input files are never overwritten"));
			}
		}
		Path out = tmp.newFolder("existing").toPath();
		Files.write(out.resolve("gray0.tif"), new byte[] { 1 });
		Files.write(out.resolve("other.txt"), new byte[] { 2 });
		o.output = out;
		try {
			FilterJob.run(sc, o, console());
			fail("wrote into a folder that is not empty");
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("add --overwrite"));
		}
		assertArrayEquals(new byte[] { 1 }, Files.readAllBytes(out.resolve("gray0.tif")));
		o.overwrite = true;
		FilterJob.run(sc, o, console());
		assertEquals(8, IJ.openImage(out.resolve("gray0.tif").toString()).getBitDepth());
		assertArrayEquals("other files are left alone", new byte[] { 2 }, Files.readAllBytes(out.resolve("other.txt")));
		assertTrue(Files.isRegularFile(out.resolve("sub/shorts.tif")));
		try (Stream<Path> s = Files.list(out.getParent())) {
			assertFalse("no staging folder left", s.anyMatch(p -> p.getFileName().toString().startsWith(".")));
		}
	}

	@Test
	public void trainWithOneWorkerAveragingEveryBatchIsSingleMachineTraining() throws Exception {
		Path data = Synthetic.folder(tmp.newFolder("data").toPath(), 20, 16, 9);
		String options = "architecture=Custom layers=[" + SparkFixtures.SPEC + "] epochs=3 batch=16 validation=0.25 "
				+ "augment=[flip shift] learning=0.003 seed=5";
		Path local = tmp.getRoot().toPath().resolve("local.zip"), spark = tmp.getRoot().toPath().resolve("spark.zip");
		TrainingResult a = TrainingSetup.forFolder(data, local, options).trainer().train(null);
		TrainJob.Options o = new TrainJob.Options();
		o.folder = data;
		o.model = spark;
		o.options = options;
		o.workers = 1;
		o.averageEvery = 1;
		ByteArrayOutputStream log = new ByteArrayOutputStream();
		TrainingResult b = TrainJob.run(sc, o, new PrintStream(log, true));
		assertEquals(log.toString(), 3, b.epochs.size());
		assertTrue(log.toString(), log.toString().contains("train: epoch 3: loss"));
		for (Path[] files : new Path[][] { { local, spark }, { Paths.get(local + "").resolveSibling("local-last.zip"),
				spark.resolveSibling("spark-last.zip") } }) {
			ModelBundle x = ModelBundleIO.read(files[0]), y = ModelBundleIO.read(files[1]);
			assertClose(x.network().params().toFloatVector(), y.network().params().toFloatVector());
			assertClose(x.network().getUpdater().getStateViewArray().toFloatVector(),
					y.network().getUpdater().getStateViewArray().toFloatVector());
			assertEquals(x.history().epochs(), y.history().epochs());
			for (int e = 0; e < x.history().epochs(); e++) {
				assertEquals(x.history().validationLoss().get(e), y.history().validationLoss().get(e), 1e-6);
				assertEquals(x.history().trainLoss().get(e), y.history().trainLoss().get(e), 1e-6);
			}
		}
	}

	/** split=[By image] in --options: whole fields held out, named in the job's output. */
	@Test
	public void trainHoldsOutWholeSourceImagesWithSplitByImage() throws Exception {
		Path data = tmp.newFolder("fields").toPath();
		java.util.Random r = new java.util.Random(4);
		for (int c = 0; c < 2; c++) {
			Path dir = Files.createDirectories(data.resolve(Synthetic.CLASSES[c]));
			for (int f = 0; f < 4; f++)
				for (int i = 0; i < 4; i++)
					Synthetic.save(Synthetic.image(c, 16, r), dir.resolve("field" + f + "_" + c + i), true);
		}
		TrainJob.Options o = new TrainJob.Options();
		o.folder = data;
		o.model = tmp.getRoot().toPath().resolve("fields.zip");
		o.options = "architecture=Custom layers=[" + SparkFixtures.SPEC + "] epochs=1 batch=8 validation=0.25 "
				+ "split=[By image] seed=5";
		o.workers = 2;
		ByteArrayOutputStream log = new ByteArrayOutputStream();
		TrainingResult result = TrainJob.run(sc, o, new PrintStream(log, true));
		// 0.25 of 16 per class: one field's 4 + 4 images
		assertEquals(8, result.validationIndices.length);
		assertTrue(log.toString(), log.toString().matches("(?s).*train: validation images: 8, all from the 1 source "
				+ "image\\(s\\) held out whole: field[0-3]\n.*"));
	}

	/** One worker and the Trainer: the same arithmetic; stated tolerance for another JVM or processor path. */
	static final double WEIGHT_TOLERANCE = 1e-6;

	static void assertClose(float[] a, float[] b) {
		assertEquals(a.length, b.length);
		double max = 0;
		for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
		assertTrue("largest difference " + max, max <= WEIGHT_TOLERANCE);
	}

	static String text(IOException e) {
		return e.getMessage();
	}
}
