package org.convkit.hostile;

import ij.ImagePlus;
import ij.WindowManager;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.hostile.HostileCases.Case;
import org.convkit.hostile.HostileCases.Expect;
import org.convkit.testing.MacroHarness;
import org.junit.AfterClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.Timeout;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * The hostile-input suite: every command of {@code plugins.config}, run as a macro line through ImageJ's macro
 * interpreter, with each bad value its key table allows for (numbers: 0, negative, NaN, infinite, 1e9, 1e39, 1e308,
 * not a number, empty; choices: unknown and empty; paths: missing, a folder, unreadable, corrupt, empty, an input
 * of the same run as the output; no options; no image, 1×1 and every image type). The cases come from
 * {@link HostileCases}; a new command or key is covered by its table alone.
 * <p>
 * Each case ends in one of two ways: success with a sound result (no NaN or infinity made from finite pixels, every
 * CSV number finite, every model file readable), or one clear message (exactly one reported failure that names the
 * key or the value, the macro stopped as {@code ./convkit --headless} reports with exit code 1) with every input
 * image, selection, file and ROI of the ROI Manager unchanged and nothing written. Never a stack trace in the Log or
 * on the console. Commands that read the ROI Manager run with a ROI set opened there ({@link HostileRois}); when they
 * succeed, their ROIs may have new groups and colours but are all still there, with their names, outlines and
 * positions.
 */
@RunWith(Parameterized.class)
public class HostileInputTest {
	/** -Dconvkit.hostile.only=TEXT: only the cases (here) or commands (MacroDefaultsTest) whose name contains TEXT. */
	static final String ONLY = "convkit.hostile.only";
	private static final HostileFixtures FX = HostileFixtures.get();
	private static final AtomicInteger succeeded = new AtomicInteger(), refused = new AtomicInteger();
	private static final long started = System.nanoTime();
	private static final Path LOG = Path.of(System.getProperty("convkit.basedir", "."), "target",
			"hostile-input-cases.txt");
	private static final List<String> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());

	@Rule
	public Timeout timeout = Timeout.seconds(300);

	private final Case c;

	public HostileInputTest(String name, Case c) {
		this.c = c;
	}

	@Parameters(name = "{0}")
	public static List<Object[]> cases() {
		List<Object[]> out = new ArrayList<>();
		String only = System.getProperty(ONLY, "");
		for (Case c : new HostileCases(FX).all(DeclaredCommands.all()))
			if (c.name.contains(only)) out.add(new Object[] { c.name, c });
		return out;
	}

	@AfterClass
	public static void summary() throws IOException {
		System.out.printf(Locale.ROOT, "hostile-input suite: %d cases, %d succeeded, %d refused with a message, "
				+ "in %.1f s (each case and its outcome: %s)%n", succeeded.get() + refused.get(), succeeded.get(),
				refused.get(), (System.nanoTime() - started) / 1e9, LOG);
		Files.createDirectories(LOG.getParent());
		Files.write(LOG, outcomes, StandardCharsets.UTF_8);
	}

	@Test
	public void handledWithoutHarm() throws IOException {
		Path dir = FX.newCaseDir();
		String options = c.options(dir);
		ImagePlus imp = c.image == null ? null : HostileFixtures.image(c.image);
		boolean finiteInput = imp == null || allFinite(imp);
		float[] inputPlane = imp == null || imp.getBitDepth() != 32 ? null
				: ((float[]) imp.getProcessor().getPixels()).clone();
		String imageBefore = Snapshot.image(imp);
		TreeMap<String, String> inputsBefore = Snapshot.files(FX.inputs), outputsBefore = Snapshot.files(dir);
		List<Integer> idsBefore = Snapshot.imageIds();

		String prelude = c.rois ? HostileRois.prelude(FX.roiSet) : "";

		MacroHarness.Outcome o = MacroHarness.runInMacro(imp, prelude, c.keys.command(), options);
		String roisBefore = c.rois ? HostileRois.before() : null;

		List<ImagePlus> created = new ArrayList<>();
		for (int id : Snapshot.imageIds())
			if (!idsBefore.contains(id)) created.add(WindowManager.getImage(id));
		try {
			String what = c.name + "\n  options: " + options + "\n  output:\n" + o.output;
			assertFalse("a stack trace reached the console or the Log: " + what, o.hasStackTrace());
			assertEquals("input files changed: " + what, inputsBefore, Snapshot.files(FX.inputs));
			if (c.rois)
				assertTrue("the ROI set was not opened into the ROI Manager before the command: " + roisBefore + "\n"
						+ what, roisBefore != null && roisBefore.startsWith(HostileRois.COUNT + " ROIs"));
			boolean failed = !o.failures.isEmpty() || o.aborted;
			if (failed) {
				assertTrue("expected success, got " + o.failures + " / " + o.macroError + ": " + what,
						c.expect != Expect.SUCCESS);
				assertEquals("one reported failure, and the macro stopped (exit 1 headless): " + what, 1,
						o.failures.size());
				assertTrue("the macro went on after the failure: " + what, o.aborted);
				String m = o.failures.get(0);
				assertFalse("not a clear message: " + what, m.contains("failed unexpectedly") || m.contains("\tat "));
				if (c.focusKey != null) {
					String low = m.toLowerCase(Locale.ROOT);
					assertTrue("the message names neither '" + c.focusKey + "' nor '" + c.focusValue + "': " + m
							+ "\n" + what, low.contains(c.focusKey.toLowerCase(Locale.ROOT))
							|| c.focusValue != null && low.contains(c.focusValue.toLowerCase(Locale.ROOT)));
				}
				assertEquals("the image changed: " + what, imageBefore, Snapshot.image(imp));
				if (c.rois) assertEquals("the ROI Manager's ROIs changed: " + what, roisBefore, HostileRois.now(true));
				assertTrue("a refused command left images open: " + what, created.isEmpty());
				assertEquals("a refused command wrote files: " + what, outputsBefore, Snapshot.files(dir));
				refused.incrementAndGet();
				outcomes.add(c.name + "\n    options: " + options + "\n    refused: " + m);
			} else {
				assertTrue("expected a refusal, but it succeeded: " + what, c.expect != Expect.REFUSAL);
				if (imp != null) {
					assertEquals("the selection changed: " + what, roi(imageBefore), roi(Snapshot.image(imp)));
					if (finiteInput) assertTrue("NaN or infinity in the image from finite pixels: " + what,
							allFinite(imp));
				}
				// a command may classify ROIs (their groups and colours), never add, remove, rename or move them
				if (c.rois) assertEquals("the ROI Manager's ROIs were added, removed, renamed or moved: " + what,
						withoutGroupsAndColours(roisBefore), HostileRois.now(false));
				for (ImagePlus r : created)
					if (finiteInput) assertTrue("NaN or infinity in the result " + r.getTitle() + ": " + what,
							allFinite(r));
				if (!finiteInput) {
					List<ImagePlus> results = new ArrayList<>(created);
					results.add(imp);
					for (ImagePlus r : results) checkNonFinitePolicy(inputPlane, r, what);
				}
				checkWritten(dir, outputsBefore, what);
				succeeded.incrementAndGet();
				outcomes.add(c.name + "\n    options: " + options + "\n    succeeded" + (created.isEmpty() ? ""
						: ", made " + created.size() + " image(s)"));
			}
		} finally {
			for (ImagePlus r : created) {
				r.changes = false;
				r.close();
			}
		}
	}

	private static String withoutGroupsAndColours(String rois) {
		return rois.replaceAll(" group=.*", "");
	}

	private static String roi(String snapshot) {
		int i = snapshot.indexOf(" roi="), j = snapshot.indexOf(" p1=");
		return snapshot.substring(i, j);
	}

	/** Every new CSV has finite numbers (probabilities in 0..1), every new model file reads back. */
	private static void checkWritten(Path dir, Map<String, String> before, String what) throws IOException {
		try (Stream<Path> s = Files.walk(dir)) {
			for (Path p : (Iterable<Path>) s::iterator) {
				String rel = dir.relativize(p).toString();
				if (!Files.isRegularFile(p) || before.containsKey(rel)) continue;
				String name = p.getFileName().toString();
				if (name.startsWith(".")) fail("a hidden file was left behind: " + p + "\n" + what);
				if (name.endsWith(".csv")) checkCsv(p, what);
				else if (name.endsWith(".zip")) {
					try {
						ModelBundleIO.read(p);
					} catch (Exception e) {
						fail("the model written does not read back: " + e + "\n" + what);
					}
				}
			}
		}
	}

	private static void checkCsv(Path csv, String what) throws IOException {
		List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
		assertTrue("empty CSV: " + what, lines.size() > 1);
		for (String line : lines.subList(1, lines.size())) {
			String[] f = line.split(",");
			for (int i = 2; i < f.length; i++) {
				double v = Double.parseDouble(f[i]);
				assertTrue("CSV value " + v + " in " + line + ": " + what, v >= 0 && v <= 1);
			}
		}
	}

	/**
	 * The README's policy for non-finite pixels, on a 32-bit result of the input's size: every NaN input pixel is NaN
	 * in the result, and the few non-finite input pixels do not make most of the result non-finite (a transform
	 * that spreads them over the whole image).
	 */
	private static void checkNonFinitePolicy(float[] input, ImagePlus r, String what) {
		if (input == null || r.getBitDepth() != 32 || r.getProcessor().getPixelCount() != input.length) return;
		float[] out = (float[]) r.getProcessor().getPixels();
		int nonFinite = 0;
		for (int i = 0; i < out.length; i++) {
			if (Float.isNaN(input[i]))
				assertTrue("the NaN input pixel " + i + " is " + out[i] + " in " + r.getTitle() + ": " + what,
						Float.isNaN(out[i]));
			if (!Float.isFinite(out[i])) nonFinite++;
		}
		assertTrue(nonFinite + " of " + out.length + " pixels of " + r.getTitle() + " are not finite: " + what,
				nonFinite < out.length / 2);
	}

	private static boolean allFinite(ImagePlus imp) {
		if (imp.getBitDepth() != 32) return true;
		for (int i = 1; i <= imp.getStackSize(); i++) {
			ImageProcessor ip = imp.getStack().getProcessor(i);
			for (int j = 0; j < ip.getPixelCount(); j++)
				if (!Float.isFinite(ip.getf(j))) return false;
		}
		return true;
	}
}
