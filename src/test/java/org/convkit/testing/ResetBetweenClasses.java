package org.convkit.testing;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.measure.ResultsTable;
import ij.plugin.frame.RoiManager;
import org.convkit.plugins.support.Failures;
import org.convkit.plugins.support.NamedTables;
import org.junit.runner.Description;
import org.junit.runner.notification.RunListener;

import java.awt.GraphicsEnvironment;

/**
 * Surefire's run listener (pom.xml): a test JVM runs many test classes one after another (reuseForks), so before
 * and after each class this puts back what ImageJ and ConvKit keep in static fields and a test class may leave
 * behind: open images (WindowManager, also batch mode's), the current image, the thread's macro options, the
 * "Results" table and ConvKit's named tables, the ROI Manager's list, an Esc press, unread command failures:
 * ImageJ's state is then what a freshly started ImageJ has. ND4J's needs nothing (every test seeds its own
 * randomness, and ConvKit sets the thread count per call). The class nesting is counted because parameterized
 * classes report a suite per parameter set. A class that fails only after another in the same JVM shows a state
 * this misses: -Dconvkit.test.reuseForks=false tells.
 */
public class ResetBetweenClasses extends RunListener {
	private int depth;

	@Override
	public void testSuiteStarted(Description description) {
		if (depth++ == 0) reset(null);
	}

	@Override
	public void testSuiteFinished(Description description) {
		if (--depth == 0) reset(description.getDisplayName());
	}

	/**
	 * What a freshly started headless ImageJ has: no images, no options, an empty Results table. {@code after}: the
	 * class that ran, named in the console with the images it left open.
	 */
	static void reset(String after) {
		if (!GraphicsEnvironment.isHeadless()) return; // the GUI test classes run one JVM each
		int[] ids = WindowManager.getIDList();
		if (ids != null && after != null)
			System.out.println("ResetBetweenClasses: closing " + ids.length + " image(s) left open by " + after);
		if (ids != null)
			for (int id : ids) {
				ImagePlus imp = WindowManager.getImage(id);
				if (imp == null) continue;
				imp.changes = false; // no "save changes?" question
				imp.close();
			}
		WindowManager.setTempCurrentImage(null);
		Macro.setOptions(null);
		ResultsTable results = ResultsTable.getResultsTable();
		if (results != null) results.reset();
		NamedTables.closeAllHeadless(); // e.g. "CNN Predictions", which Classify with CNN... appends to
		RoiManager rois = RoiManager.getInstance(); // headless: ConvKit's patched one (HeadlessRoiManager)
		if (rois != null) rois.reset();
		IJ.resetEscape();
		Failures.drain();
	}
}
