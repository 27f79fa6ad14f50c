package org.convkit.plugins.cnn;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.ResultsTable;
import ij.process.ColorProcessor;
import org.convkit.core.cnn.classify.FolderClassifier;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.model.ModelSummary;
import org.convkit.core.cnn.train.Evaluation;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.plugins.support.NamedTables;
import org.convkit.scripting.ConvKitService;
import org.convkit.testing.FloatTolerance;
import org.convkit.testing.MacroHarness;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.scijava.Context;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.convkit.plugins.cnn.CnnFixtures.macroPath;
import static org.junit.Assert.*;

/** Classify Folder with CNN... run as a macro, and its core (FolderClassifier): CSV contents, streaming, errors. */
public class ClassifyFolderWithCnnTest {
	@ClassRule
	public static TemporaryFolder shared = new TemporaryFolder();
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	static CnnFixtures fx;
	static final String HEADER = "file,class,probability,disk,hbar,vbar";
	/** The classifiable files of {@link #folder()} in CSV order, recursive. */
	static final List<String> RECURSIVE = Arrays.asList("a/b.png", "a/deeper/c.tif", "b.png", "c,d \"q\".tif",
			"stack.tif", "x.tif");

	@BeforeClass
	public static void trainModel() throws Exception {
		fx = CnnFixtures.train(shared.getRoot().toPath());
	}

	/**
	 * b.png, x.tif, a 2-slice stack.tif, a name with a comma and quotes, a/b.png and a/deeper/c.tif in subfolders;
	 * also a corrupt .tif, a text file, an RGB image (the model is gray) and hidden files, which are not classified.
	 */
	private Path folder() throws IOException {
		Path root = tmp.newFolder("images").toPath();
		Random r = new Random(11);
		Synthetic.save(Synthetic.image(0, CnnFixtures.SIZE, r), root.resolve("b"), true);
		Synthetic.save(Synthetic.image(1, 24, r), root.resolve("x"), false); // another size: scaled
		Synthetic.save(Synthetic.image(2, CnnFixtures.SIZE, r), root.resolve("c,d \"q\""), false);
		ImageStack st = new ImageStack(CnnFixtures.SIZE, CnnFixtures.SIZE);
		st.addSlice(Synthetic.image(2, CnnFixtures.SIZE, r));
		st.addSlice(Synthetic.image(0, CnnFixtures.SIZE, r));
		assertTrue(IJ.saveAsTiff(new ImagePlus("stack", st), root.resolve("stack.tif").toString()));
		Files.createDirectories(root.resolve("a/deeper"));
		Synthetic.save(Synthetic.image(1, CnnFixtures.SIZE, r), root.resolve("a/b"), true);
		Synthetic.save(Synthetic.image(0, CnnFixtures.SIZE, r), root.resolve("a/deeper/c"), false);
		Files.createDirectories(root.resolve(".hidden"));
		Synthetic.save(Synthetic.image(0, CnnFixtures.SIZE, r), root.resolve(".hidden/h"), false);
		Synthetic.save(Synthetic.image(0, CnnFixtures.SIZE, r), root.resolve(".h"), false);
		Files.write(root.resolve("corrupt.tif"), "II*\0 this is not really a TIFF".getBytes(StandardCharsets.UTF_8));
		Files.write(root.resolve("notes.txt"), "not an image".getBytes(StandardCharsets.UTF_8));
		ColorProcessor cp = new ColorProcessor(CnnFixtures.SIZE, CnnFixtures.SIZE);
		cp.setColor(0x804020);
		cp.fill();
		assertTrue(new ij.io.FileSaver(new ImagePlus("rgb", cp)).saveAsPng(root.resolve("rgb.png").toString()));
		return root;
	}

	private static String options(Path model, Path folder, String output, String extra) {
		return "model=" + macroPath(model) + " folder=" + macroPath(folder) + " output=[" + output + "]"
				+ (extra.isEmpty() ? "" : " " + extra);
	}

	private static List<String> lines(Path csv) throws IOException {
		return Files.readAllLines(csv, StandardCharsets.UTF_8);
	}

	/** A CSV line split into fields (RFC 4180 quotes). */
	static List<String> fields(String line) {
		List<String> out = new ArrayList<>();
		StringBuilder f = new StringBuilder();
		boolean quoted = false;
		for (int i = 0; i < line.length(); i++) {
			char ch = line.charAt(i);
			if (quoted) {
				if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
					f.append('"');
					i++;
				} else if (ch == '"') quoted = false;
				else f.append(ch);
			} else if (ch == '"') quoted = true;
			else if (ch == ',') {
				out.add(f.toString());
				f.setLength(0);
			} else f.append(ch);
		}
		out.add(f.toString());
		return out;
	}

	private static float[] probabilities(List<String> f) {
		float[] p = new float[f.size() - 3];
		for (int i = 0; i < p.length; i++) p[i] = Float.parseFloat(f.get(3 + i));
		return p;
	}

	@Test
	public void csvHasOneRowPerImageWithRelativePathsAndAgreesWithClassifyAndThePredictor() throws Exception {
		Path root = folder();
		Outcome o = runCommand(root, "results.csv", "recursive");
		Path csv = root.resolve("results.csv");
		List<String> lines = lines(csv);
		assertEquals(HEADER, lines.get(0));
		assertEquals("the quoted name", "\"c,d \"\"q\"\".tif\"", lines.get(4).substring(0, lines.get(4).indexOf(
				".tif\"") + 5));
		List<String> names = new ArrayList<>();
		Predictor reference = new Predictor(ModelBundleIO.read(fx.model));
		for (String line : lines.subList(1, lines.size())) {
			List<String> f = fields(line);
			assertEquals(line, 3 + 3, f.size());
			names.add(f.get(0));
			float[] p = probabilities(f);
			int best = Evaluation.argMax(p);
			assertEquals(line, fx.trained.labels().get(best), f.get(1));
			assertEquals(line, p[best], Float.parseFloat(f.get(2)), 0);

			// The same file opened on its own and classified by Classify with CNN... (its first slice). One image
			// takes the Predictor's small-batch path (SmallBatchForward), the folder's batch DL4J's output: another
			// summation order, so the same probabilities within FloatTolerance.PROBABILITY, not bit for bit.
			ImagePlus imp = IJ.openImage(root.resolve(f.get(0)).toString());
			MacroHarness.run(imp, ClassifyWithCnn.COMMAND, "model=" + macroPath(fx.model) + " target=Image");
			ResultsTable rt = CnnFixtures.predictions();
			float tolerance = (float) FloatTolerance.PROBABILITY;
			assertArrayEquals(line, CnnFixtures.row(rt, rt.size() - 1, fx.trained), p, tolerance);
			assertArrayEquals(line, reference.predict(imp.getStack().getProcessor(1)), p, tolerance);
		}
		assertEquals(RECURSIVE, names);
		String log = o.log;
		assertTrue(log, log.contains(COMMAND_LOG + "6 image(s) classified into " + csv + "; 3 file(s) skipped:"));
		assertTrue(log, log.contains("skipped corrupt.tif: "));
		assertTrue(log, log.contains("skipped notes.txt: not an image ImageJ can read"));
		assertTrue(log, log.contains("skipped rgb.png: is RGB but the model expects grayscale images"));
		assertTrue(log, log.contains("1 file(s) have several slices: only the first slice"));
		assertFalse("hidden files are not listed", log.contains(".h"));
	}

	private static final String COMMAND_LOG = ClassifyFolderWithCnn.COMMAND + ": ";

	/** What the command printed to the Log (headless: stdout). */
	static final class Outcome {
		final String log;

		Outcome(String log) {
			this.log = log;
		}
	}

	private Outcome runCommand(Path root, String output, String extra) {
		MacroHarness.Outcome o = MacroHarness.attempt(null, ClassifyFolderWithCnn.COMMAND,
				options(fx.model, root, output, extra));
		assertTrue(o.failureText(), o.failures.isEmpty());
		assertFalse(o.output, o.output.contains("\tat "));
		return new Outcome(o.output);
	}

	@Test
	public void withoutRecursiveSubfoldersAreLeftOutAndAnAbsoluteOutputGoesWhereItSays() throws Exception {
		Path root = folder();
		Path out = tmp.newFolder("elsewhere").toPath().resolve("flat.csv");
		runCommand(root, out.toString(), "");
		List<String> names = lines(out).stream().skip(1).map(l -> fields(l).get(0)).collect(Collectors.toList());
		assertEquals(Arrays.asList("b.png", "c,d \"q\".tif", "stack.tif", "x.tif"), names);
		assertFalse(Files.exists(root.resolve("results.csv")));
	}

	@Test
	public void anExistingOutputIsAnErrorAndStaysUnchangedUnlessOverwrite() throws Exception {
		Path root = folder();
		Path csv = root.resolve("results.csv");
		Files.write(csv, "precious".getBytes(StandardCharsets.UTF_8));
		MacroHarness.runExpectingError(null, ClassifyFolderWithCnn.COMMAND, options(fx.model, root, "results.csv",
				""), "already exists (add overwrite to replace it)");
		assertEquals("precious", new String(Files.readAllBytes(csv), StandardCharsets.UTF_8));
		assertNoTemporaryFiles(root);

		runCommand(root, "results.csv", "overwrite");
		assertEquals(HEADER, lines(csv).get(0));
		assertEquals(1 + 4, lines(csv).size());
		assertNoTemporaryFiles(root);
	}

	@Test
	public void unwritableOutputMissingFolderAndBadModelsAreClearErrorsAndWriteNothing() throws Exception {
		Path root = folder();
		String c = ClassifyFolderWithCnn.COMMAND;
		// /proc accepts no new files, also for root (who may write into a chmod 555 folder).
		if (Files.isDirectory(Path.of("/proc"))) {
			MacroHarness.runExpectingError(null, c, options(fx.model, root, "/proc/convkit-results.csv", ""),
					"is not writable");
			assertFalse(Files.exists(Path.of("/proc/convkit-results.csv")));
		}
		Path readOnly = tmp.newFolder("read-only").toPath();
		if (readOnly.toFile().setWritable(false, false) && !Files.isWritable(readOnly)) // not as root
			MacroHarness.runExpectingError(null, c, options(fx.model, root, readOnly + "/r.csv", ""),
					"is not writable");
		MacroHarness.runExpectingError(null, c, options(fx.model, root, tmp.getRoot() + "/no/such/r.csv", ""),
				"does not exist");
		MacroHarness.runExpectingError(null, c, options(fx.model, root.resolve("missing"), "r.csv", ""),
				"The folder " + root.resolve("missing") + " does not exist");
		MacroHarness.runExpectingError(null, c, options(root.resolve("none.zip"), root, "r.csv", ""),
				"Model file not found");
		MacroHarness.runExpectingError(null, c, options(root.resolve("b.png"), root, "r.csv", ""),
				"is not a ConvKit model");
		Path empty = tmp.newFolder("empty").toPath();
		MacroHarness.runExpectingError(null, c, options(fx.model, empty, "r.csv", ""), "has no files to classify");
		Path junk = tmp.newFolder("junk").toPath();
		Files.write(junk.resolve("a.txt"), "text".getBytes(StandardCharsets.UTF_8));
		MacroHarness.runExpectingError(null, c, options(fx.model, junk, "r.csv", ""),
				"None of the 1 files in " + junk + " could be classified (first: a.txt: not an image");
		for (Path dir : new Path[] {root, empty, junk}) {
			assertFalse(Files.exists(dir.resolve("r.csv")));
			assertFalse(Files.exists(dir.resolve("results.csv")));
			assertNoTemporaryFiles(dir);
		}
	}

	private static void assertNoTemporaryFiles(Path dir) throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			List<String> tmp = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp"))
					.collect(Collectors.toList());
			assertTrue("temporary files left: " + tmp, tmp.isEmpty());
		}
	}

	/**
	 * Streamed: with batches of 4, whenever a file is about to be read, all but at most 3 of the images read before
	 * are already written to the (temporary) CSV file: memory never holds more than one batch.
	 */
	@Test
	public void readsOneBatchAtATimeAndWritesEachBatchBeforeReadingOn() throws Exception {
		Path root = tmp.newFolder("many").toPath();
		Random r = new Random(5);
		for (int i = 0; i < 22; i++) Synthetic.save(Synthetic.image(i % 3, CnnFixtures.SIZE, r),
				root.resolve(String.format("f%02d", i)), false);
		Path out = tmp.getRoot().toPath().resolve("many.csv");
		AtomicInteger reads = new AtomicInteger(), maxHeld = new AtomicInteger();
		List<Integer> progress = new ArrayList<>();
		FolderClassifier fc = new FolderClassifier(new Predictor(ModelBundleIO.read(fx.model))).batchSize(4)
				.reader(file -> {
					maxHeld.accumulateAndGet(reads.getAndIncrement() - temporaryRows(out), Math::max);
					return FolderDataset.IMAGEJ.read(file);
				}).progress((done, total) -> {
					progress.add(done);
					assertEquals(22, total);
				});
		FolderClassifier.Result res = fc.classify(root, out);
		assertEquals(22, res.classified);
		assertEquals(22, reads.get());
		assertEquals("images held (read, not yet written) when the next file is read", 3, maxHeld.get());
		assertEquals(22, progress.size());
		for (int i = 0; i < 22; i++) assertEquals(i + 1, (int) progress.get(i));

		// Batch size does not change the results: batches of 4 equal the default batch (64: all at once) up to
		// float rounding (other batch shapes sum in another order; FloatTolerance says why and how much).
		Path all = tmp.getRoot().toPath().resolve("all.csv");
		new FolderClassifier(new Predictor(ModelBundleIO.read(fx.model))).classify(root, all);
		FloatTolerance.assertCsvClose(lines(all), lines(out));
	}

	/** Data rows written so far into the temporary file next to {@code out} (there is exactly one). */
	private static int temporaryRows(Path out) {
		try (Stream<Path> s = Files.list(out.getParent())) {
			List<Path> t = s.filter(p -> p.getFileName().toString().startsWith("." + out.getFileName() + ".")
					&& p.getFileName().toString().endsWith(".tmp")).collect(Collectors.toList());
			assertEquals(1, t.size());
			List<String> l = lines(t.get(0));
			return l.isEmpty() ? 0 : l.size() - 1; // the header may still be in the writer's buffer
		} catch (IOException e) {
			throw new AssertionError(e);
		}
	}

	@Test
	public void cancellingWritesNothingAndRemovesTheTemporaryFile() throws Exception {
		Path root = tmp.newFolder("cancel").toPath();
		Random r = new Random(6);
		for (int i = 0; i < 10; i++) Synthetic.save(Synthetic.image(i % 3, CnnFixtures.SIZE, r),
				root.resolve("f" + i), true);
		Path out = root.resolve("out.csv");
		FolderClassifier[] fc = new FolderClassifier[1];
		fc[0] = new FolderClassifier(new Predictor(fx.trained)).batchSize(3).progress((d, t) -> {
			if (d == 4) fc[0].cancel(); // one batch written, one image read into the next
		});
		FolderClassifier.Result res = fc[0].classify(root, out);
		assertTrue(res.cancelled);
		assertNull(res.output);
		assertEquals(3, res.classified);
		assertFalse(Files.exists(out));
		assertNoTemporaryFiles(root);
	}

	@Test
	public void theScriptingServiceClassifiesAFolderAndSummarisesTheModel() throws Exception {
		Path root = folder();
		Context context = new Context(ConvKitService.class);
		try {
			ConvKitService convkit = context.getService(ConvKitService.class);
			ModelBundle b = convkit.load(fx.model.toFile());
			FolderClassifier.Result r = convkit.classifyFolder(b, root.toFile(), new java.io.File("s.csv"), true,
					false);
			assertEquals(root.resolve("s.csv"), r.output);
			assertEquals(6, r.classified);
			assertEquals(3, r.skipped.size());
			List<String> lines = lines(r.output);
			assertEquals(HEADER, lines.get(0));
			assertEquals(RECURSIVE, lines.stream().skip(1).map(l -> fields(l).get(0)).collect(Collectors.toList()));
			ModelSummary s = convkit.summary(b);
			assertEquals(b.network().numParams(), s.totalParams());
		} finally {
			context.dispose();
		}
	}

	@Test
	public void csvFieldsAreQuotedOnlyWhenNeeded() {
		assertEquals("a.png", FolderClassifier.csv("a.png"));
		assertEquals("\"a,b.png\"", FolderClassifier.csv("a,b.png"));
		assertEquals("\"say \"\"hi\"\".png\"", FolderClassifier.csv("say \"hi\".png"));
		assertEquals(Arrays.asList("say \"hi\".png", "x"), fields(FolderClassifier.csv("say \"hi\".png") + ",x"));
		assertEquals("file,class,probability,a,\"b,c\"\n", FolderClassifier.header(Arrays.asList("a", "b,c")));
		assertNotNull(NamedTables.class);
	}

	@Test
	public void namesASpreadsheetWouldRunAsFormulasAreWrittenAsText() throws Exception {
		for (String risky : new String[] { "=1+1", "+2", "-3", "@SUM(A1)", "\tx" })
			assertEquals("'" + risky, FolderClassifier.csv(risky));
		assertEquals("\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"", FolderClassifier.csv("=HYPERLINK(\"x\",\"y\")"));
		assertEquals("a-b.png", FolderClassifier.csv("a-b.png"));
		Path root = tmp.newFolder("formulas").toPath();
		Random r = new Random(3);
		for (String name : new String[] { "=cmd", "+x", "-y", "@z", "plain" })
			Synthetic.save(Synthetic.image(0, CnnFixtures.SIZE, r), root.resolve(name), false);
		Path out = tmp.getRoot().toPath().resolve("formulas.csv");
		new FolderClassifier(new Predictor(ModelBundleIO.read(fx.model))).classify(root, out);
		List<String> first = new ArrayList<>();
		for (String line : lines(out).subList(1, 6)) first.add(line.substring(0, line.indexOf(',')));
		assertEquals(Arrays.asList("'+x.tif", "'-y.tif", "'=cmd.tif", "'@z.tif", "plain.tif"), first);
	}
}
