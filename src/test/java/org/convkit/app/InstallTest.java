package org.convkit.app;

import org.convkit.plugins.support.ImageJVersion;
import org.convkit.testing.Prerequisites;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * The {@code ./convkit} script on a fresh copy of the sources (no target/): it builds what is missing, installs
 * into the two kinds of ImageJ users have (Fiji.app, and a plain ImageJ 1.x such as Debian's {@code imagej}
 * package) so that a macro using a ConvKit filter and the CNN commands runs there, refuses what it cannot serve
 * with a plain message (exit 1, nothing changed; 2 only for bad usage), and runs a headless macro from another
 * directory. ImageJ runs its batch macros on a display here ({@code xvfb-run}), as users run them.
 */
public class InstallTest {
	private static final String[] COPIED = {"pom.xml", "plugins.config", "convkit", "src/main", "sample-images"};
	/** Sobel X on ImageJ's 64-pixel 32-bit ramp (value x/64), by hand: (1 + 2 + 1) * (11 - 9) / 64. */
	private static final String SOBEL = "sobel at (10,10): 0.125";

	private static Path checkout;

	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@BeforeClass
	public static void copySources() throws Exception {
		Prerequisites.requireProgram("./convkit builds ConvKit with it", "mvn", "-v");
		checkout = Files.createTempDirectory("convkit-checkout");
		Path base = HeadlessProcess.basedir();
		for (String item : COPIED)
			copyTree(base.resolve(item), checkout.resolve(item));
		assertTrue(checkout.resolve("convkit").toFile().setExecutable(true));
	}

	@AfterClass
	public static void deleteCopy() throws IOException {
		if (checkout != null) deleteTree(checkout);
	}

	/**
	 * Fiji: the plugin into plugins/, its dependencies into jars/ and the natives into jars/linux64/, leaving Fiji's
	 * own ImageJ alone; then ImageJ started with Fiji's class path (jars/*.jar, jars/PLATFORM/*.jar, plugins/*.jar,
	 * as Fiji's launcher builds it) runs the macro.
	 */
	@Test
	public void installsIntoFijiWhereFijisClassPathRunsTheCommands() throws Exception {
		Prerequisites.requireProgram("ImageJ's batch mode needs a display", "xvfb-run", "--help");
		Path fiji = tmp.newFolder("Fiji.app").toPath();
		Files.createDirectories(fiji.resolve("plugins"));
		Path fijisImageJ = fijisImageJ(fiji);
		byte[] fijisImageJBytes = Files.readAllBytes(fijisImageJ);
		emptyJar(fiji.resolve("jars/guava-31.1-jre.jar")); // Fiji's Guava, newer than ND4J's shaded "guava" 1.0.0-M2.1
		emptyJar(fiji.resolve("jars/gson-2.8.9.jar")); // older than ConvKit's

		HeadlessProcess.Result r = convkit(tmp.getRoot().toPath(), Collections.emptyMap(), "--install", fiji.toString());
		assertEquals(r.toString(), 0, r.exitCode);
		assertFalse("Maven's output is not shown:\n" + r, r.stderr.contains("[INFO]") || r.stdout.contains("[INFO]"));
		assertTrue(r.toString(), r.stderr.contains("replaced Fiji's older gson-2.8.9.jar"));
		assertTrue(r.toString(), r.stderr.contains("added guava-1.0.0-M2.1.jar"));

		Path plugin = only(fiji.resolve("plugins"), "ConvKit_-");
		try (ZipFile jar = new ZipFile(plugin.toFile())) {
			assertNotNull("ImageJ reads the menus from plugins.config at the jar's root", jar.getEntry("plugins.config"));
			assertNotNull(jar.getEntry("org/convkit/app/HeadlessRunner.class"));
			List<String> stray = jar.stream().map(ZipEntry::getName).filter(n -> n.startsWith("org/convkit/bench/")
					|| n.startsWith("org/convkit/testing/") || n.endsWith(".py")).collect(Collectors.toList());
			assertEquals("benchmark or test code in the plugin jar", Collections.emptyList(), stray);
		}
		assertArrayEquals("Fiji's own ImageJ is left alone", fijisImageJBytes, Files.readAllBytes(fijisImageJ));
		only(fiji.resolve("jars"), "ij-1.");
		assertFalse("SciJava is Fiji's own", list(fiji.resolve("jars")).stream().anyMatch(
				p -> p.getFileName().toString().startsWith("scijava-common-")));
		only(fiji.resolve("jars"), "opencv-4.");
		only(fiji.resolve("jars"), "guava-1.0.0-M2.1");
		only(fiji.resolve("jars"), "gson-2.10");
		// oneDNN's own preset (the fused convolution block in training) and the OpenCL preset it needs to load
		only(fiji.resolve("jars"), "dnnl-2.5.2-1.5.7.jar");
		only(fiji.resolve("jars"), "opencl-3.0-1.5.7.jar");
		if ("Linux".equals(System.getProperty("os.name")) && "amd64".equals(System.getProperty("os.arch"))) {
			only(fiji.resolve("jars/linux64"), "opencv-4.5.5-1.5.7-linux-x86_64");
			only(fiji.resolve("jars/linux64"), "dnnl-2.5.2-1.5.7-linux-x86_64");
			only(fiji.resolve("jars/linux64"), "opencl-3.0-1.5.7-linux-x86_64");
		}
		// Spark is provided: the jobs' classes are in the plugin, Spark and Scala are not in Fiji
		try (Stream<Path> s = Files.walk(fiji)) {
			List<String> spark = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("spark-")
					|| n.startsWith("scala-") || n.startsWith("hadoop-") || n.startsWith("netty-")).collect(
							java.util.stream.Collectors.toList());
			assertEquals("no Spark in the Fiji install: " + spark, 0, spark.size());
		}

		String classPath = String.join(File.pathSeparator, fiji.resolve("jars") + "/*",
				fiji.resolve("jars/linux64") + "/*", fiji.resolve("plugins") + "/*");
		Path work = tmp.newFolder("fiji-work").toPath();
		String out = imagej(work, Collections.emptyMap(), java(), "-Xmx2g", "-cp", classPath, "ij.ImageJ", "-ijpath",
				fiji.toString(), "-batch", filterAndCnnMacro(work, true).toString());
		assertFilterAndCnnRan(out, work);
	}

	/**
	 * Plain ImageJ 1.x as Debian's imagej package runs it ({@code /usr/bin/imagej}: ij.jar alone on the class path,
	 * ~/.imagej as the ImageJ folder): everything in plugins/ConvKit/, natives included, and the macro runs. The
	 * same installation runs under ImageJ {@link ImageJVersion#MINIMUM} (the oldest supported), and ImageJ 1.52i
	 * (too old) says so instead of failing on a missing method.
	 */
	@Test
	public void installsIntoDebiansImageJWhereAMacroRunsTheCommands() throws Exception {
		Prerequisites.require("Debian's imagej package (apt-get install imagej)",
				Files.isExecutable(Path.of("/usr/bin/imagej")));
		Prerequisites.requireProgram("ImageJ's batch mode needs a display", "xvfb-run", "--help");
		Path home = tmp.newFolder("home").toPath(), imagej = home.resolve(".imagej");
		Files.createDirectories(imagej.resolve("plugins")); // what /usr/bin/imagej creates when it first starts
		emptyJar(imagej.resolve("plugins/ConvKit_-0.0.1.jar")); // an earlier Fiji-style installation
		Map<String, String> env = Map.of("HOME", home.toString());

		HeadlessProcess.Result r = convkit(tmp.getRoot().toPath(), env, "--install", imagej.toString());
		assertEquals(r.toString(), 0, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("installed ConvKit"));
		assertTrue(r.toString(), r.stderr.contains("removed an earlier ConvKit_-0.0.1.jar"));
		Path dest = imagej.resolve("plugins/ConvKit");
		only(dest, "ConvKit_-");
		only(dest, "opencv-4.5.5-1.5.7-linux-x86_64");
		only(dest, "nd4j-native-1.0.0-M2.1-linux-x86_64");
		try (Stream<Path> s = Files.list(dest)) {
			assertFalse("ImageJ brings its own ij.jar", s.anyMatch(p -> p.getFileName().toString().startsWith("ij-")));
		}
		try (Stream<Path> s = Files.list(imagej.resolve("plugins"))) {
			assertEquals("only the ConvKit folder", Collections.singletonList("ConvKit"),
					s.map(p -> p.getFileName().toString()).collect(Collectors.toList()));
		}

		Path work = tmp.newFolder("debian-work").toPath();
		String out = imagej(work, env, "xvfb-run", "-a", "/usr/bin/imagej", "-b",
				filterAndCnnMacro(work, true).toString());
		assertTrue(out, out.contains("ImageJ 1.53t")); // Debian 12 (its jar is named ij-1.52i.jar)
		assertFilterAndCnnRan(out, work);

		// the oldest supported ImageJ: the filter, and the model just trained classifies the same
		Path minimum = HeadlessProcess.basedir().resolve("target/imagej-minimum/ij.jar");
		Path again = tmp.newFolder("minimum-work").toPath();
		Files.copy(work.resolve("model.zip"), again.resolve("model.zip"));
		out = imagej(again, env, java(), "-Xmx2g", "-cp", minimum.toString(), "ij.ImageJ", "-ijpath", imagej.toString(),
				"-batch", filterAndCnnMacro(again, false).toString());
		assertTrue(out, out.contains("ImageJ " + ImageJVersion.MINIMUM));
		assertTrue(out, out.contains(SOBEL));
		assertEquals(Files.readAllLines(work.resolve("classes.csv")), Files.readAllLines(again.resolve("classes.csv")));

		Path tooOld = HeadlessProcess.basedir().resolve("target/imagej-too-old/ij.jar");
		out = imagej(again, env, java(), "-cp", tooOld.toString(), "ij.ImageJ", "-ijpath", imagej.toString(),
				"-batch", filterAndCnnMacro(again, false).toString());
		assertTrue(out, out.contains("Apply Kernel...: ConvKit needs ImageJ " + ImageJVersion.MINIMUM
				+ " or later; this is ImageJ 1.52i. Update ImageJ"));
		assertFalse("the macro stops at the refusal: " + out, out.contains("sobel at"));
	}

	/**
	 * The layout of the issue: Fiji's (natives in jars/linux64/) in a plain ImageJ, which does not load that folder.
	 * The commands say what is wrong and how to fix it, and the batch macro ends (it used to carry on with the
	 * unfiltered image, or wait for ever behind ImageJ's modal error dialog).
	 */
	@Test
	public void withTheNativesOutOfReachTheCommandsSaySoAndTheMacroEnds() throws Exception {
		Prerequisites.requireProgram("ImageJ's batch mode needs a display", "xvfb-run", "--help");
		Path imagej = tmp.newFolder("ImageJ").toPath(), app = ensureBuilt();
		Files.createDirectories(imagej.resolve("plugins"));
		Files.createDirectories(imagej.resolve("jars/linux64"));
		for (Path p : list(app.resolve("plugins"))) Files.copy(p, imagej.resolve("plugins").resolve(p.getFileName()));
		for (Path p : list(app.resolve("jars"))) {
			String name = p.getFileName().toString();
			Files.copy(p, imagej.resolve(name.contains("-linux-x86_64") ? "jars/linux64" : "jars").resolve(name));
		}
		Path minimum = HeadlessProcess.basedir().resolve("target/imagej-minimum/ij.jar");
		Path work = tmp.newFolder("work").toPath();
		String filter = imagej(work, Collections.emptyMap(), java(), "-cp", minimum.toString(), "ij.ImageJ", "-ijpath",
				imagej.toString(), "-batch", filterAndCnnMacro(work, true).toString());
		assertTrue(filter, filter.contains("Apply Kernel...: OpenCV's native libraries could not be loaded "
				+ "(UnsatisfiedLinkError: "));
		assertTrue(filter, filter.contains("install ConvKit with './convkit --install FOLDER'"));
		assertFalse(filter, filter.contains("sobel at"));

		Path cnn = HeadlessProcess.writeMacro(work, "cnn.ijm", "run(\"Train CNN Classifier...\", \"folder=["
				+ checkout.resolve("sample-images/cell-classes/train") + "] model=[" + work.resolve("m.zip") + "]\");\n"
				+ "print(\"not reached\");\n");
		String train = imagej(work, Collections.emptyMap(), java(), "-cp", minimum.toString(), "ij.ImageJ", "-ijpath",
				imagej.toString(), "-batch", cnn.toString());
		assertTrue(train, train.contains("Train CNN Classifier...: Deeplearning4j's CPU backend (ND4J) could not start: "
				+ "UnsatisfiedLinkError: "));
		assertFalse(train, train.contains("not reached"));
	}

	@Test
	public void sparkJobsFromTheCommandLine() throws Exception {
		Path cwd = tmp.newFolder("spark").toPath();
		Path cells = HeadlessProcess.basedir().resolve("sample-images/cell-classes");
		HeadlessProcess.Result train = convkit(cwd, "--spark", "train", "--folder", cells.resolve("train").toString(),
				"--model", "cells.zip", "--options", "architecture=Custom layers=[conv 5x5x8; maxpool 2; dense 16] "
						+ "epochs=2 batch=16", "--workers", "2");
		assertEquals(train.toString(), 0, train.exitCode);
		assertTrue(train.toString(), train.stdout.contains("train: epoch 2: loss")
				&& Files.isRegularFile(cwd.resolve("cells.zip")) && Files.isRegularFile(cwd.resolve("cells-last.zip")));
		HeadlessProcess.Result classify = convkit(cwd, "--spark", "classify", "--model", "cells.zip", "--input",
				cells.resolve("test").toString(), "--output", "cells.csv", "--recursive");
		assertEquals(classify.toString(), 0, classify.exitCode);
		assertEquals(31, Files.readAllLines(cwd.resolve("cells.csv")).size());
		assertTrue(classify.toString(), classify.stdout.contains("classify: 30/30 files (100%)"));
		HeadlessProcess.Result usage = convkit(cwd, "--spark");
		assertEquals(usage.toString(), 2, usage.exitCode);
		assertTrue(usage.toString(), usage.stderr.contains("convkit --spark classify --model M.zip"));
	}

	@Test
	public void anImageJTooOldIsRefusedBeforeAnythingChanges() throws Exception {
		Path imagej = tmp.newFolder("ImageJ-old").toPath();
		Files.createDirectories(imagej.resolve("plugins"));
		Files.copy(HeadlessProcess.basedir().resolve("target/imagej-too-old/ij.jar"), imagej.resolve("ij.jar"));
		HeadlessProcess.Result r = convkit(tmp.getRoot().toPath(), Collections.emptyMap(), "--install", imagej.toString());
		assertEquals(r.toString(), 1, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("not installed: ConvKit needs ImageJ " + ImageJVersion.MINIMUM
				+ " or later; this is ImageJ 1.52i."));
		assertEquals(Collections.emptyList(), list(imagej.resolve("plugins")));
	}

	/** JavaCPP must be ConvKit's own version (ND4J's natives are built on it): another is not replaced or mixed. */
	@Test
	public void aFijiWithAnotherJavaCppOrAnOldJavaIsRefusedBeforeAnythingChanges() throws Exception {
		Path fiji = tmp.newFolder("Fiji-javacpp.app").toPath();
		Files.createDirectories(fiji.resolve("plugins"));
		fijisImageJ(fiji);
		emptyJar(fiji.resolve("jars/javacpp-1.5.9.jar"));
		HeadlessProcess.Result r = convkit(tmp.getRoot().toPath(), Collections.emptyMap(), "--install", fiji.toString());
		assertEquals(r.toString(), 1, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("not installed: this Fiji has JavaCPP 1.5.9 (jars/javacpp-1.5.9.jar"));
		assertTrue(r.toString(), r.stderr.contains("built on JavaCPP 1.5.7"));
		assertEquals(Collections.emptyList(), list(fiji.resolve("plugins")));
		assertEquals(2, list(fiji.resolve("jars")).size());

		Files.delete(fiji.resolve("jars/javacpp-1.5.9.jar"));
		Path release = Files.createDirectories(fiji.resolve("java/linux64/jdk1.8.0_172")).resolve("release");
		Files.write(release, "JAVA_VERSION=\"1.8.0_172\"\n".getBytes(StandardCharsets.UTF_8));
		r = convkit(tmp.getRoot().toPath(), Collections.emptyMap(), "--install", fiji.toString());
		assertEquals(r.toString(), 1, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("not installed: this Fiji runs on its own Java 1.8.0_172; "
				+ "ConvKit needs Java 11 or later."));
		assertEquals(Collections.emptyList(), list(fiji.resolve("plugins")));
	}

	/** A failing Maven is summed up in one line with the log's path, exit 1: its output is not shown. */
	@Test
	public void aFailedBuildOrInstallationIsOneLineAndExitCodeOne() throws Exception {
		Path bin = tmp.newFolder("bin").toPath(), mvn = bin.resolve("mvn");
		Files.write(mvn, String.join("\n", "#!/bin/sh", "echo '[INFO] Scanning for projects...'",
				"echo '[INFO] lots of output'", "echo '[ERROR] Failed to execute goal: the network is down'",
				"exit 1", "").getBytes(StandardCharsets.UTF_8));
		assertTrue(mvn.toFile().setExecutable(true));
		Path fiji = tmp.newFolder("Fiji-offline.app").toPath();
		Files.createDirectories(fiji.resolve("plugins"));
		fijisImageJ(fiji);
		ensureBuilt(); // so that the fake Maven fails the installation, not the build
		HeadlessProcess.Result r = convkit(tmp.getRoot().toPath(),
				Map.of("PATH", bin + File.pathSeparator + System.getenv("PATH")), "--install", fiji.toString());
		assertEquals(r.toString(), 1, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("failed: Failed to execute goal: the network is down"));
		assertTrue(r.toString(), r.stderr.contains("Maven's full output: " + checkout.resolve("target")));
		assertFalse(r.toString(), r.stderr.contains("[INFO]") || r.stdout.contains("[INFO]"));
	}

	@Test
	public void aMissingFolderIsBadUsage() throws Exception {
		HeadlessProcess.Result r = convkit(tmp.getRoot().toPath(), Collections.emptyMap(), "--install",
				tmp.getRoot() + "/no/such/Fiji.app");
		assertEquals(r.toString(), 2, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("folder not found"));
	}

	@Test
	public void aFolderThatIsNoImageJIsRefused() throws Exception {
		HeadlessProcess.Result r = convkit(tmp.getRoot().toPath(), Collections.emptyMap(), "--install",
				tmp.newFolder("empty").toString());
		assertEquals(r.toString(), 1, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("is neither Fiji.app"));
		assertEquals(0, tmp.getRoot().toPath().resolve("empty").toFile().list().length);
	}

	@Test
	public void headlessMacroWithPathsRelativeToTheCaller() throws Exception {
		Path caller = tmp.newFolder("caller").toPath();
		Files.createDirectories(caller.resolve("work"));
		Files.write(caller.resolve("work/make.ijm"), String.join("\n",
				"newImage(\"t\", \"8-bit ramp\", 32, 16, 1);",
				"run(\"Invert\");",
				"saveAs(\"Tiff\", getDir(\"cwd\") + getArgument());").getBytes(StandardCharsets.UTF_8));
		HeadlessProcess.Result ok = convkit(caller, Collections.emptyMap(), "--headless", "work/make.ijm", "work/out.tif");
		assertEquals(ok.toString(), 0, ok.exitCode);
		assertTrue(ok.toString(), Files.isRegularFile(caller.resolve("work/out.tif")));

		Files.write(caller.resolve("work/bad.ijm"), "x = ;\n".getBytes(StandardCharsets.UTF_8));
		HeadlessProcess.Result bad = convkit(caller, Collections.emptyMap(), "--headless", "work/bad.ijm");
		assertEquals(bad.toString(), 1, bad.exitCode);
		assertTrue(bad.toString(), bad.stderr.contains("FAILED bad.ijm"));
	}

	/**
	 * The launcher's keep_native_memory reaches the headless JVM with CONVKIT_MALLOC=keep (glibc reads these variables
	 * when the process starts); without it they stay unset. HeadlessCollectorTest checks the function's cases.
	 */
	@Test
	public void headlessJvmKeepsNativeMemoryOnlyOnRequest() throws Exception {
		Path caller = tmp.newFolder("malloc").toPath();
		Files.write(caller.resolve("env.ijm"), String.join("\n",
				"print(\"mmap \" + call(\"java.lang.System.getenv\", \"MALLOC_MMAP_THRESHOLD_\"));",
				"print(\"trim \" + call(\"java.lang.System.getenv\", \"MALLOC_TRIM_THRESHOLD_\"));",
				"print(\"arenas \" + call(\"java.lang.System.getenv\", \"MALLOC_ARENA_MAX\"));")
				.getBytes(StandardCharsets.UTF_8));
		HeadlessProcess.Result kept = convkit(caller, Collections.singletonMap("CONVKIT_MALLOC", "keep"), "--headless",
				"env.ijm");
		assertEquals(kept.toString(), 0, kept.exitCode);
		assertEquals(kept.toString(), "mmap 2000000000\ntrim 2000000000\narenas 1\n", kept.stdout);
		HeadlessProcess.Result glibc = convkit(caller, Collections.emptyMap(), "--headless", "env.ijm");
		assertEquals(glibc.toString(), 0, glibc.exitCode);
		assertEquals(glibc.toString(), "mmap null\ntrim null\narenas null\n", glibc.stdout);
	}

	/**
	 * Class data sharing (./convkit's class_sharing): the first headless run of a macro naming a CNN command after a
	 * build records the class archive once (record-classes.ijm) and leaves no temporary file; every run prints
	 * exactly what the macro prints (no messages of Java's about archives); a failed recording leaves no archive and
	 * the run goes on; the user's own -Xshare option turns sharing off; a macro without CNN commands runs without it.
	 */
	@Test
	public void headlessRunsShareClassesFromAnArchiveRecordedOnce() throws Exception {
		Path cds = checkout.resolve("target/app/cds"), caller = tmp.newFolder("sharing").toPath();
		// prints its argument, and "shared" when Java was started with an archive to map
		// (the JVM's command line from /proc: the shell's parent is the JVM; /proc's files read as empty in Java)
		Files.write(caller.resolve("hi.ijm"), String.join("\n",
				"c = exec(\"sh\", \"-c\", \"tr '\\\\0' ' ' < /proc/$PPID/cmdline\");",
				"s = \"\";", "if (indexOf(c, \"-XX:SharedArchiveFile=\") >= 0) s = \" shared\";",
				"print(\"hi \" + getArgument() + s);", "// (as a CNN macro)", "").getBytes(StandardCharsets.UTF_8));
		HeadlessProcess.Result built = convkit(caller, Collections.emptyMap(), "--headless", "hi.ijm", "there");
		assertEquals(built.toString(), 0, built.exitCode); // builds the copy if no test did before
		if (Files.isDirectory(cds)) deleteTree(cds); // as just after a build

		// a recording that cannot run (no scratch folder): no archive, and the run itself is unchanged
		HeadlessProcess.Result failed = convkit(caller, Collections.singletonMap("TMPDIR", caller.resolve("none")
				.toString()), "--headless", "hi.ijm", "there");
		assertEquals(failed.toString(), 0, failed.exitCode);
		assertEquals(failed.toString(), "hi there\n", failed.stdout);
		assertTrue(failed.toString(), !Files.isDirectory(cds) || list(cds).stream().noneMatch(
				f -> f.getFileName().toString().contains(".jsa")));

		HeadlessProcess.Result first = convkit(caller, Collections.emptyMap(), "--headless", "hi.ijm", "there");
		assertEquals(first.toString(), 0, first.exitCode);
		Path record = cds.resolve("record.log");
		assertEquals(first + "\n--- record.log\n" + (Files.exists(record) ? Files.readString(record) : "(none)"),
				"hi there shared\n", first.stdout);
		assertTrue(first.toString(), first.stderr.contains("recording the classes"));
		List<Path> files = list(cds).stream().filter(f -> f.getFileName().toString().contains(".jsa"))
				.collect(Collectors.toList());
		assertEquals("one archive, no temporary file: " + files, 1, files.size());
		assertTrue(files.get(0).getFileName().toString().matches("headless-[0-9]+\\.jsa"));
		assertTrue("the training job's classes, not only ImageJ's: " + Files.size(files.get(0)),
				Files.size(files.get(0)) > 20_000_000L);
		assertTrue(Files.readString(record).contains("record-classes: done"));

		// Java maps the classes from the archive (its class-loading log says where each class came from)
		Path log = caller.resolve("classes.log");
		HeadlessProcess.Result again = convkit(caller, Collections.singletonMap("JAVA_TOOL_OPTIONS",
				"-Xlog:class+load=info:file=" + log), "--headless", "hi.ijm", "again");
		assertEquals(again.toString(), 0, again.exitCode);
		assertEquals(again.toString(), "hi again shared\n", again.stdout);
		assertTrue(Files.readString(log).contains("org.convkit.app.HeadlessRunner source: shared objects file (top)"));
		assertFalse(again + "\n--- " + cds + ": " + list(cds), again.stderr.contains("recording"));
		assertEquals(files, list(cds).stream().filter(f -> f.getFileName().toString().contains(".jsa"))
				.collect(Collectors.toList()));

		HeadlessProcess.Result off = convkit(caller, Collections.singletonMap("JAVA_TOOL_OPTIONS", "-Xshare:off"),
				"--headless", "hi.ijm", "off");
		assertEquals(off.toString(), 0, off.exitCode);
		assertEquals(off.toString(), "hi off\n", off.stdout);

		Files.write(caller.resolve("plain.ijm"), Files.readString(caller.resolve("hi.ijm")).replace("// (as a CNN "
				+ "macro)", "").getBytes(StandardCharsets.UTF_8));
		HeadlessProcess.Result plain = convkit(caller, Collections.emptyMap(), "--headless", "plain.ijm", "plain");
		assertEquals(plain.toString(), 0, plain.exitCode);
		assertEquals(plain.toString(), "hi plain\n", plain.stdout);
	}

	@Test
	public void guiWithoutDisplaySaysWhatToDo() throws Exception {
		HeadlessProcess.Result r = run(tmp.getRoot().toPath(), Collections.emptyMap(),
				Arrays.asList(checkout.resolve("convkit").toString()), 2);
		assertEquals(r.toString(), 2, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("xvfb-run ./convkit") && r.stderr.contains("--headless"));
	}

	@Test
	public void helpExitsZero() throws Exception {
		HeadlessProcess.Result r = convkit(tmp.getRoot().toPath(), Collections.emptyMap(), "--help");
		assertEquals(r.toString(), 0, r.exitCode);
		assertTrue(r.toString(), r.stdout.contains("--headless MACRO.ijm [ARG]") && r.stdout.contains("--install")
				&& r.stdout.contains("convkit --spark classify --model M.zip --input DIR --output OUT.csv"));
	}

	/**
	 * A macro with a ConvKit filter and the CNN commands; it prints what the test checks. {@code train}: train a
	 * small network on the sample cells into WORK/model.zip first (else WORK/model.zip must exist); the 30
	 * held-out cells are then classified into WORK/classes.csv.
	 */
	private static Path filterAndCnnMacro(Path work, boolean train) throws IOException {
		Path model = work.resolve("model.zip");
		List<String> lines = new ArrayList<>(Arrays.asList(
				"print(\"ImageJ \" + getVersion());",
				"newImage(\"t\", \"32-bit ramp\", 64, 32, 1);",
				"run(\"Apply Kernel...\", \"preset=[Sobel X] border=Replicate\");",
				"print(\"sobel at (10,10): \" + getPixel(10, 10));"));
		if (train)
			lines.add("run(\"Train CNN Classifier...\", \"folder=[" + checkout.resolve("sample-images/cell-classes/train")
					+ "] architecture=Custom layers=[conv 3x3x4; maxpool 2; dense 8] width=16 height=16 epochs=1 "
					+ "batch=16 model=[" + model + "]\");");
		lines.add("print(\"trained: \" + File.exists(\"" + model + "\"));");
		lines.add("run(\"Classify Folder with CNN...\", \"model=[" + model + "] folder=["
				+ checkout.resolve("sample-images/cell-classes/test") + "] output=[" + work.resolve("classes.csv")
				+ "] recursive\");");
		lines.add("print(\"classified: \" + File.exists(\"" + work.resolve("classes.csv") + "\"));");
		return HeadlessProcess.writeMacro(work, "filter-and-cnn.ijm", String.join("\n", lines) + "\n");
	}

	private static void assertFilterAndCnnRan(String out, Path work) throws IOException {
		assertTrue(out, out.contains(SOBEL));
		assertTrue(out, out.contains("trained: 1"));
		assertTrue(out, out.contains("classified: 1"));
		assertFalse(out, out.contains("Exception"));
		List<String> csv = Files.readAllLines(work.resolve("classes.csv"));
		assertEquals("file,class,probability,dividing,elongated,round", csv.get(0));
		assertEquals("a row per held-out cell", 31, csv.size());
	}

	/** Runs an ImageJ batch macro; returns what it printed (ImageJ's exit code says nothing about the macro). */
	private static String imagej(Path cwd, Map<String, String> env, String... command) throws Exception {
		List<String> cmd = new ArrayList<>(Arrays.asList(command));
		if (!cmd.get(0).equals("xvfb-run")) cmd.addAll(0, Arrays.asList("xvfb-run", "-a"));
		HeadlessProcess.Result r = run(cwd, env, cmd, 5);
		return r.stdout + r.stderr;
	}

	/** target/app of the copied checkout, built by ./convkit if needed. */
	private static Path ensureBuilt() throws Exception {
		HeadlessProcess.Result r = convkit(checkout, Collections.emptyMap(), "--headless",
				HeadlessProcess.writeMacro(Files.createTempDirectory("convkit-build"), "nothing.ijm", "").toString());
		assertEquals(r.toString(), 0, r.exitCode);
		return checkout.resolve("target/app");
	}

	/** Fiji's own ImageJ 1.x: the one on the test class path, as FIJI/jars/ij-VERSION.jar. */
	private static Path fijisImageJ(Path fiji) throws Exception {
		// the class's own jar (classes patched by ij1-patcher have no code source)
		String url = ClassLoader.getSystemResource("ij/IJ.class").toString(); // jar:file:/.../ij-1.54p.jar!/ij/IJ.class
		Path jar = Path.of(new java.net.URI(url.substring("jar:".length(), url.indexOf("!/"))));
		Files.createDirectories(fiji.resolve("jars"));
		return Files.copy(jar, fiji.resolve("jars/ij-" + ij.ImageJ.VERSION + ".jar"));
	}

	private static String java() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	private static HeadlessProcess.Result convkit(Path cwd, String... args) throws Exception {
		return convkit(cwd, Collections.emptyMap(), args);
	}

	private static HeadlessProcess.Result convkit(Path cwd, Map<String, String> env, String... args) throws Exception {
		List<String> cmd = new ArrayList<>();
		cmd.add(checkout.resolve("convkit").toString());
		cmd.addAll(Arrays.asList(args));
		return run(cwd, env, cmd, 20);
	}

	private static Path only(Path dir, String prefix) throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			Object[] found = s.filter(p -> p.getFileName().toString().startsWith(prefix)
					&& p.getFileName().toString().endsWith(".jar")).toArray();
			assertEquals("one " + prefix + "*.jar in " + dir + ": " + Arrays.toString(found), 1, found.length);
			return (Path) found[0];
		}
	}

	private static List<Path> list(Path dir) throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			return s.sorted().collect(Collectors.toList());
		}
	}

	/** A jar with nothing in it, standing for another version of a library that only its file name matters for. */
	private static void emptyJar(Path file) throws IOException {
		Files.createDirectories(file.getParent());
		try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
			z.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
			z.write("Manifest-Version: 1.0\n".getBytes(StandardCharsets.UTF_8));
		}
	}

	/** Runs without a display (DISPLAY removed) and with a safety limit, so nothing can hang the build. */
	private static HeadlessProcess.Result run(Path cwd, Map<String, String> env, List<String> cmd, long limitMinutes)
			throws Exception {
		Path out = Files.createTempFile("convkit", ".out"), err = Files.createTempFile("convkit", ".err");
		try {
			ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
			if (cwd != null) pb.directory(cwd.toFile());
			pb.environment().remove("DISPLAY");
			// a developer's own malloc settings would reach the launcher, which keeps a user's values
			pb.environment().keySet().removeIf(k -> k.startsWith("MALLOC_") || k.equals("CONVKIT_MALLOC"));
			pb.environment().putAll(env);
			Process p;
			try {
				p = pb.start();
			} catch (IOException e) {
				return new HeadlessProcess.Result(-1, "", e.toString());
			}
			if (!p.waitFor(limitMinutes, TimeUnit.MINUTES)) {
				p.descendants().forEach(ProcessHandle::destroyForcibly);
				p.destroyForcibly();
				fail(cmd + " did not end within " + limitMinutes + " minutes:\n" + Files.readString(out)
						+ Files.readString(err));
			}
			return new HeadlessProcess.Result(p.exitValue(), Files.readString(out), Files.readString(err));
		} finally {
			Files.deleteIfExists(out);
			Files.deleteIfExists(err);
		}
	}

	private static void copyTree(Path from, Path to) throws IOException {
		try (Stream<Path> s = Files.walk(from)) {
			for (Path p : (Iterable<Path>) s::iterator) {
				Path target = to.resolve(from.relativize(p).toString());
				if (Files.isDirectory(p)) Files.createDirectories(target);
				else Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
			}
		}
	}

	private static void deleteTree(Path root) throws IOException {
		try (Stream<Path> s = Files.walk(root)) {
			s.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
		}
	}
}
