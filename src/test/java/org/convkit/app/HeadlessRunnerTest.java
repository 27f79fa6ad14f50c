package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

/** The headless runner in a real JVM: its exit code must tell success from every kind of failure. */
public class HeadlessRunnerTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@Test
	public void succeedingMacroExitsZeroAndWritesItsOutput() throws Exception {
		File out = new File(tmp.getRoot(), "blurred.tif");
		Path macro = HeadlessProcess.writeMacro(tmp.getRoot().toPath(), "ok.ijm", String.join("\n",
				"newImage(\"dot\", \"8-bit black\", 65, 65, 1);",
				"setPixel(32, 32, 255);",
				"run(\"Gaussian Blur...\", \"sigma=2\");",
				"saveAs(\"Tiff\", getArgument());"));
		HeadlessProcess.Result r = HeadlessProcess.run(macro, out.getPath());
		assertEquals(r.toString(), 0, r.exitCode);
		ImagePlus imp = IJ.openImage(out.getPath());
		assertNotNull("the macro's output file should exist", imp);
		// The blur spread the single bright pixel: a lower peak and lit neighbours.
		int centre = imp.getProcessor().get(32, 32), near = imp.getProcessor().get(34, 32);
		assertTrue("centre " + centre, centre > 0 && centre < 255);
		assertTrue("neighbour " + near, near > 0 && near < centre);
	}

	@Test
	public void argumentRoundTrip() throws Exception {
		String arg = "input=[/a folder/with spaces] output=/tmp/x n=3 'quoted' \"double\"";
		Path macro = HeadlessProcess.writeMacro(tmp.getRoot().toPath(), "arg.ijm",
				"print(\"ARG<\" + getArgument() + \">\");");
		HeadlessProcess.Result r = HeadlessProcess.run(macro, arg);
		assertEquals(r.toString(), 0, r.exitCode);
		assertTrue(r.toString(), r.stdout.contains("ARG<" + arg + ">"));
	}

	@Test
	public void syntaxErrorExitsNonZero() throws Exception {
		Path macro = HeadlessProcess.writeMacro(tmp.getRoot().toPath(), "bad.ijm", "print(\"x\"\nx = ;\n");
		HeadlessProcess.Result r = HeadlessProcess.run(macro, null);
		assertEquals(r.toString(), HeadlessRunner.EXIT_FAILED, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("FAILED bad.ijm") && r.stderr.contains("macro error"));
	}

	@Test
	public void unknownCommandExitsNonZero() throws Exception {
		Path macro = HeadlessProcess.writeMacro(tmp.getRoot().toPath(), "unknown.ijm",
				"newImage(\"t\", \"8-bit black\", 8, 8, 1);\nrun(\"No Such Command...\", \"a=1\");\n");
		HeadlessProcess.Result r = HeadlessProcess.run(macro, null);
		assertEquals(r.toString(), HeadlessRunner.EXIT_FAILED, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("No Such Command"));
	}

	@Test
	public void builtInCommandErrorExitsNonZero() throws Exception {
		Path macro = HeadlessProcess.writeMacro(tmp.getRoot().toPath(), "open.ijm",
				"open(\"" + new File(tmp.getRoot(), "missing.tif").getPath() + "\");\nprint(\"not reached\");\n");
		HeadlessProcess.Result r = HeadlessProcess.run(macro, null);
		assertEquals(r.toString(), HeadlessRunner.EXIT_FAILED, r.exitCode);
		assertTrue(r.toString(), !r.stdout.contains("not reached") && r.stderr.contains("aborted"));
	}

	@Test
	public void swallowedPluginExceptionExitsNonZero() throws Exception {
		// ImageJ's Executer catches the plugin's exception and only logs it; the runner must still fail.
		Path plugins = tmp.newFolder("plugins").toPath();
		Files.write(plugins.resolve("plugins.config"),
				"Plugins, \"ConvKit Test Throw\", org.convkit.app.ThrowingTestPlugin\n".getBytes("UTF-8"));
		Path macro = HeadlessProcess.writeMacro(tmp.getRoot().toPath(), "throw.ijm",
				"run(\"ConvKit Test Throw\");\nprint(\"after the crash\");\n");
		HeadlessProcess.Result r = HeadlessProcess.run(macro, null, plugins);
		assertEquals(r.toString(), HeadlessRunner.EXIT_FAILED, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("logged an exception")
				&& r.stderr.contains(ThrowingTestPlugin.MESSAGE));
	}

	@Test
	public void missingMacroIsAUsageError() throws Exception {
		HeadlessProcess.Result r = HeadlessProcess.run(tmp.getRoot().toPath().resolve("nope.ijm"), null);
		assertEquals(r.toString(), HeadlessRunner.EXIT_USAGE, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("macro file not found"));
	}

	@Test
	public void withoutThePatcherItRefusesToRun() throws Exception {
		Path macro = HeadlessProcess.writeMacro(tmp.getRoot().toPath(), "p.ijm", "print(\"ran\");");
		HeadlessProcess.Result r = HeadlessProcess.run(false, macro, null);
		assertEquals(r.toString(), HeadlessRunner.EXIT_USAGE, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("ij-headless.jar") && r.stderr.contains("-javaagent:ConvKit_.jar")
				&& !r.stdout.contains("ran"));
	}

	@Test
	public void convKitBadInputExitsNonZero() throws Exception {
		Path macro = HeadlessProcess.writeMacro(tmp.getRoot().toPath(), "badsigma.ijm", String.join("\n",
				"newImage(\"t\", \"8-bit ramp\", 64, 64, 1);",
				"run(\"High-pass Filter...\", \"method=Gaussian sigma=-3 output=[Same type]\");",
				"print(\"not reached\");"));
		HeadlessProcess.Result r = HeadlessProcess.run(macro, null);
		assertEquals(r.toString(), HeadlessRunner.EXIT_FAILED, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("command failed: High-pass Filter..."));
		assertTrue(r.toString(), !r.stdout.contains("not reached"));
	}

	@Test
	public void convKitEdgeDetectionBadInputExitsNonZero() throws Exception {
		Path macro = HeadlessProcess.writeMacro(tmp.getRoot().toPath(), "badaperture.ijm", String.join("\n",
				"newImage(\"t\", \"8-bit ramp\", 64, 64, 1);",
				"run(\"Edge Detection...\", \"method=Canny low=20 high=60 aperture=4 blur=1\");"));
		HeadlessProcess.Result r = HeadlessProcess.run(macro, null);
		assertEquals(r.toString(), HeadlessRunner.EXIT_FAILED, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("command failed: Edge Detection..."));
	}

	@Test
	public void theFirstErrorIsReportedAlsoFromLoopsAndFunctions() throws Exception {
		// after an error inside a loop the interpreter's own message is the parse state where it stopped
		Path macro = HeadlessProcess.writeMacro(tmp.getRoot().toPath(), "loop.ijm", String.join("\n",
				"newImage(\"t\", \"8-bit black\", 8, 8, 1);",
				"for (i = 0; i < 2; i++) {",
				"\trun(\"No Such Command...\", \"a=\" + i + \" b=2\");",
				"}"));
		HeadlessProcess.Result r = HeadlessProcess.run(macro, null);
		assertEquals(r.toString(), HeadlessRunner.EXIT_FAILED, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("- macro error: Unrecognized command: \"No Such Command...\""));
		assertTrue(r.toString(), !r.stderr.contains("expected"));
	}

	@Test
	public void theShippedMacrosPrintTheirUsageWithoutAnArgument() throws Exception {
		for (String name : new String[] { "classify-folder.ijm", "batch-edges-highpass.ijm", "train-folder.ijm" }) {
			HeadlessProcess.Result r = HeadlessProcess.run(HeadlessProcess.basedir().resolve("macros").resolve(name),
					null);
			assertEquals(name + ": " + r, HeadlessRunner.EXIT_USAGE, r.exitCode);
			assertTrue(name + ": " + r, (r.stdout + r.stderr).contains("usage: ./convkit --headless macros/" + name));
			assertTrue(name + ": " + r, !(r.stdout + r.stderr).contains("Exception"));
		}
	}

	@Test
	public void aMacroAskingInADialogIsBadUsageWithoutADisplay() throws Exception {
		Path macro = HeadlessProcess.writeMacro(tmp.getRoot().toPath(), "ask.ijm",
				"f = File.openDialog(\"Choose a model\");\nprint(f);\n");
		HeadlessProcess.Result r = HeadlessProcess.run(macro, null);
		assertEquals(r.toString(), HeadlessRunner.EXIT_USAGE, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("asked for input in a dialog"));
	}

	/**
	 * ND4J starts early on a daemon thread only for macros that name a CNN command; a CNN command's own start right
	 * after it (here: at once, racing it) waits for it and does not fail.
	 */
	@Test
	public void nd4jStartsEarlyOnlyForMacrosThatNameACnnCommand() throws Exception {
		assertNull(HeadlessRunner.startNd4jEarly("run(\"Apply Kernel...\", \"preset=[Sobel X]\");"));
		Thread t = HeadlessRunner.startNd4jEarly("run(\"Train CNN Classifier...\", \"folder=/x model=/y.zip\");");
		assertNotNull(t);
		assertTrue(t.isDaemon());
		org.convkit.core.cnn.net.Nd4jStartup.start();
		t.join(120_000);
		assertFalse("the early start ended", t.isAlive());
		assertNotNull(org.nd4j.linalg.factory.Nd4j.getBackend());
	}
}
