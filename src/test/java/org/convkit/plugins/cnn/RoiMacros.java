package org.convkit.plugins.cnn;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import org.convkit.app.MicroscopySample;
import org.convkit.plugins.support.Failures;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * ROI workflows as a batch macro runs them (the hidden ROI Manager belongs to one macro run: the ROI set is opened,
 * the commands run and the results gathered in ONE macro, as in a headless batch job). The test JVM has ConvKit's
 * headless agent, so this is what {@code ./convkit --headless} does.
 */
final class RoiMacros {
	/** Tiny network for fast tests: two small convolutions and a dense layer. */
	static final String LAYERS = "conv 3x3x8 pad=same; maxpool 2; conv 3x3x16 pad=same; maxpool 2; dense 32";

	private RoiMacros() {
	}

	/** What a macro run left behind. */
	static final class Outcome {
		final String result, output;
		final List<String> failures;

		Outcome(String result, String output, List<String> failures) {
			this.result = result;
			this.output = output;
			this.failures = failures;
		}
	}

	/** The fixtures' images: an aborted batch macro forgets every open image, so they are shown again. */
	private static final List<ImagePlus> SHOWN = new java.util.ArrayList<>();

	/** Shows the image (batch mode: known to macros by its title) and again after any macro that forgets it. */
	static void keepShown(ImagePlus imp) {
		SHOWN.add(imp);
		imp.show();
	}

	private static void reshow() {
		for (ImagePlus imp : SHOWN)
			if (ij.WindowManager.getImage(imp.getID()) == null) imp.show();
	}

	static Outcome attempt(String macro) {
		reshow();
		Failures.drain();
		PrintStream out = System.out;
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		System.setOut(new PrintStream(new OutputStream() {
			@Override
			public void write(int b) {
				out.write(b);
				captured.write(b);
			}
		}, true));
		String result;
		try {
			result = IJ.runMacro(macro);
		} finally {
			System.out.flush();
			System.setOut(out);
			reshow();
		}
		return new Outcome(result, captured.toString(), Failures.drain());
	}

	/** Runs the macro, asserts that nothing failed, returns what it returned. */
	static String run(String macro) {
		Outcome o = attempt(macro);
		if (!o.failures.isEmpty()) fail("the macro failed: " + o.failures + "\n" + o.output);
		assertFalse("the macro was aborted:\n" + o.output, "[aborted]".equals(o.result));
		assertFalse("an exception:\n" + o.output, o.output.contains("Exception") && o.output.contains("\tat "));
		return o.result;
	}

	/** Runs the macro, asserts exactly one ConvKit failure naming every part, returns its message. */
	static String fails(String macro, String... parts) {
		Outcome o = attempt(macro);
		assertFalse("an exception:\n" + o.output, o.output.contains("Exception") && o.output.contains("\tat "));
		assertEquals("exactly one failure expected; output:\n" + o.output, 1, o.failures.size());
		String m = o.failures.get(0);
		for (String p : parts) assertTrue("message '" + m + "' should contain '" + p + "'", m.contains(p));
		return m;
	}

	/** A field shown (batch mode: known to the macro by its title), its ROI set written to {@code zip}. */
	static MicroscopySample.Field show(MicroscopySample.Field f, String title, Path zip) throws IOException {
		f.image.setTitle(title);
		keepShown(f.image);
		MicroscopySample.writeRois(f.rois, zip);
		return f;
	}

	/** Macro lines: select the image and load the ROI set into an empty ROI Manager. */
	static String open(ImagePlus imp, Path zip) {
		return "selectImage(\"" + imp.getTitle() + "\");\nroiManager(\"reset\");\nroiManager(\"open\", \"" + zip
				+ "\");\n";
	}

	/** Macro lines returning "g1,g2,..." (each ROI's group after the macro's commands). */
	static final String GROUPS = "groups = \"\";\nfor (i = 0; i < roiManager(\"count\"); i++) {\n"
			+ "  roiManager(\"select\", i);\n  groups = groups + Roi.getGroup + \",\";\n}\nreturn groups;\n";

	static int[] groups(String result) {
		String[] parts = result.split(",");
		int[] g = new int[parts.length];
		for (int i = 0; i < g.length; i++) g[i] = Integer.parseInt(parts[i].trim());
		return g;
	}

	/** The IDs of the open images. */
	static java.util.Set<Integer> ids() {
		java.util.Set<Integer> ids = new java.util.HashSet<>();
		int[] list = ij.WindowManager.getIDList();
		if (list != null) for (int id : list) ids.add(id);
		return ids;
	}

	/** The one image opened since {@code before} whose title ends with {@code suffix}. */
	static ImagePlus created(java.util.Set<Integer> before, String suffix) {
		ImagePlus found = null;
		for (int id : ids())
			if (!before.contains(id) && ij.WindowManager.getImage(id).getTitle().endsWith(suffix)) {
				assertTrue("two new images end with " + suffix, found == null);
				found = ij.WindowManager.getImage(id);
			}
		assertTrue("no new image ends with " + suffix, found != null);
		return found;
	}

	static String path(Path p) {
		return "[" + p + "]";
	}

	static String names(List<Roi> rois) {
		StringBuilder b = new StringBuilder();
		for (Roi r : rois) b.append(r.getName()).append(',');
		return b.toString();
	}
}
