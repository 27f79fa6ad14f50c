package org.convkit.app;

import ij.IJ;
import ij.gui.Roi;
import ij.io.RoiDecoder;
import net.imagej.patcher.LegacyInjector;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.InputStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * The ROI Manager's macro functions with no display ({@link HeadlessRoiManager}): add, reset, open and save a ROI
 * set .zip, select, rename, count, set group — in a child JVM as {@code ./convkit --headless} runs a macro (the
 * build's patched ImageJ), in one with {@link HeadlessAgent} instead, and in this test JVM (the same agent) as the
 * CNN command tests use it. Without ConvKit's
 * patch (ij1-patcher alone) the same macro crashes with HeadlessException, which is why the patch exists.
 */
public class HeadlessRoiManagerTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	/** The macro: ROIs added, renamed, grouped, saved, the manager reset and the set read back. */
	static String macro(Path zip) {
		return String.join("\n",
				"newImage(\"field\", \"16-bit black\", 64, 48, 1);",
				"roiManager(\"reset\");",
				"makeOval(5, 5, 20, 20);",
				"roiManager(\"add\");",
				"makeRectangle(30, 10, 12, 8);",
				"roiManager(\"add\");",
				"makePoint(50, 40);",
				"roiManager(\"add\");",
				"n1 = roiManager(\"count\");",
				"roiManager(\"select\", 1);",
				"roiManager(\"rename\", \"mitotic_2\");",
				"RoiManager.setGroup(2);",
				"roiManager(\"select\", 0);",
				"roiManager(\"rename\", \"normal_1\");",
				"Roi.setGroup(1);",
				"roiManager(\"update\");",
				"roiManager(\"save\", \"" + zip + "\");",
				"roiManager(\"reset\");",
				"n2 = roiManager(\"count\");",
				"roiManager(\"open\", \"" + zip + "\");",
				"n3 = roiManager(\"count\");",
				"roiManager(\"select\", 1);",
				"getSelectionBounds(x, y, w, h);",
				"r = \"\" + n1 + \" \" + n2 + \" \" + n3 + \" \" + Roi.getName + \" \" + Roi.getGroup + \" \"",
				"  + RoiManager.getName(0) + \" \" + x + \",\" + y + \",\" + w + \",\" + h;",
				"print(\"RESULT \" + r);",
				"return r;");
	}

	private static final String EXPECTED = "3 0 3 mitotic_2 2 normal_1 30,10,12,8";

	@Test
	public void roiManagerMacroFunctionsWorkInAHeadlessRun() throws Exception {
		Path zip = tmp.getRoot().toPath().resolve("rois.zip");
		Path m = HeadlessProcess.writeMacro(tmp.getRoot().toPath(), "rois.ijm", macro(zip));
		HeadlessProcess.Result r = HeadlessProcess.run(m, null);
		assertEquals(r.toString(), 0, r.exitCode);
		assertTrue(r.toString(), r.stdout.contains("RESULT " + EXPECTED));
		assertSavedSet(zip);
	}

	/** ConvKit's agent, which makes at start-up the patches the build writes into the launcher's jar. */
	@Test
	public void roiManagerMacroFunctionsWorkWithConvKitsAgent() throws Exception {
		Path zip = tmp.getRoot().toPath().resolve("rois-agent.zip");
		Path m = HeadlessProcess.writeMacro(tmp.getRoot().toPath(), "rois.ijm", macro(zip));
		HeadlessProcess.Result r = HeadlessProcess.runWithAgent(System.getProperty("convkit.headless.agent"), m, null);
		assertEquals(r.toString(), 0, r.exitCode);
		assertTrue(r.toString(), r.stdout.contains("RESULT " + EXPECTED));
		assertSavedSet(zip);
	}

	@Test
	public void roiManagerMacroFunctionsWorkInThisJvm() throws Exception {
		Path zip = tmp.getRoot().toPath().resolve("rois-here.zip");
		assertEquals(EXPECTED, IJ.runMacro(macro(zip)));
		assertSavedSet(zip);
	}

	@Test
	public void withoutConvKitsPatchTheRoiManagerCrashesHeadless() throws Exception {
		String patcher = Paths.get(LegacyInjector.class.getProtectionDomain().getCodeSource().getLocation().toURI())
				.toString();
		Path m = HeadlessProcess.writeMacro(tmp.getRoot().toPath(), "reset.ijm", "roiManager(\"reset\");\n"
				+ "print(\"reset done\");");
		HeadlessProcess.Result r = HeadlessProcess.runWithAgent(patcher + "=init", m, null);
		assertEquals(r.toString(), HeadlessRunner.EXIT_FAILED, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("HeadlessException") && !r.stdout.contains("reset done"));
	}

	/** The .zip as ImageJ's own decoder reads it: names, groups and shapes survived. */
	private static void assertSavedSet(Path zip) throws Exception {
		List<Roi> rois = new ArrayList<>();
		try (ZipFile z = new ZipFile(zip.toFile())) {
			for (Enumeration<? extends ZipEntry> e = z.entries(); e.hasMoreElements();) {
				ZipEntry entry = e.nextElement();
				try (InputStream in = z.getInputStream(entry)) {
					rois.add(RoiDecoder.openFromByteArray(in.readAllBytes()));
				}
			}
		}
		assertEquals(3, rois.size());
		assertEquals("normal_1", rois.get(0).getName());
		assertEquals(1, rois.get(0).getGroup());
		assertEquals(Roi.OVAL, rois.get(0).getType());
		assertEquals("mitotic_2", rois.get(1).getName());
		assertEquals(2, rois.get(1).getGroup());
		assertEquals(new java.awt.Rectangle(30, 10, 12, 8), rois.get(1).getBounds());
		assertEquals(0, rois.get(2).getGroup());
		assertEquals(Roi.POINT, rois.get(2).getType());
	}
}
