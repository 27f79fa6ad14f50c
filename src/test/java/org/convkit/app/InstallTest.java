package org.convkit.app;

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
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.junit.Assume.assumeTrue;

/**
 * The {@code ./convkit} script on a fresh copy of the sources (no target/): it builds what is missing, installs
 * into a fake Fiji.app, refuses a wrong folder clearly, and runs a headless macro from another directory.
 */
public class InstallTest {
	private static final String[] COPIED = {"pom.xml", "plugins.config", "convkit", "src/main", "sample-images"};

	private static Path checkout;

	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@BeforeClass
	public static void copySources() throws Exception {
		assumeTrue("mvn is not on the PATH", run(null, Arrays.asList("mvn", "-v"), 2).exitCode == 0);
		checkout = Files.createTempDirectory("convkit-checkout");
		Path base = HeadlessProcess.basedir();
		for (String item : COPIED)
			copyTree(base.resolve(item), checkout.resolve(item));
		assertTrue(checkout.resolve("convkit").toFile().setExecutable(true));
	}

	@AfterClass
	public static void deleteCopy() throws IOException {
		if (checkout == null) return;
		try (Stream<Path> s = Files.walk(checkout)) {
			s.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
		}
	}

	@Test
	public void installsThePluginAndItsDependenciesIntoFiji() throws Exception {
		Path fiji = tmp.newFolder("Fiji.app").toPath();
		Files.createDirectories(fiji.resolve("plugins"));
		Files.createDirectories(fiji.resolve("jars"));
		HeadlessProcess.Result r = convkit(tmp.getRoot().toPath(), "--install", fiji.toString());
		assertEquals(r.toString(), 0, r.exitCode);

		Path plugin = only(fiji.resolve("plugins"), "ConvKit_-");
		try (ZipFile jar = new ZipFile(plugin.toFile())) {
			assertNotNull("ImageJ reads the menus from plugins.config at the jar's root", jar.getEntry("plugins.config"));
			assertNotNull(jar.getEntry("org/convkit/app/HeadlessRunner.class"));
		}
		only(fiji.resolve("jars"), "ij-1.");
		only(fiji.resolve("jars"), "opencv-4.");
		only(fiji.resolve("jars"), "scijava-common-");
		if ("Linux".equals(System.getProperty("os.name")) && "amd64".equals(System.getProperty("os.arch")))
			only(fiji.resolve("jars/linux64"), "opencv-4.5.5-1.5.7-linux-x86_64");
		// Spark is provided: the jobs' classes are in the plugin, Spark and Scala are not in Fiji
		try (Stream<Path> s = Files.walk(fiji)) {
			List<String> spark = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("spark-")
					|| n.startsWith("scala-") || n.startsWith("hadoop-") || n.startsWith("netty-")).collect(
							java.util.stream.Collectors.toList());
			assertEquals("no Spark in the Fiji install: " + spark, 0, spark.size());
		}
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
		HeadlessProcess.Result again = convkit(cwd, "--spark", "classify", "--model", "cells.zip", "--input",
				cells.resolve("test").toString(), "--output", "cells.csv", "--recursive");
		assertEquals(again.toString(), 1, again.exitCode);
		assertTrue(again.toString(), again.stderr.contains("already exists (add --overwrite"));
		HeadlessProcess.Result usage = convkit(cwd, "--spark");
		assertEquals(usage.toString(), 2, usage.exitCode);
		assertTrue(usage.toString(), usage.stderr.contains("convkit --spark classify --model M.zip"));
	}

	@Test
	public void missingFijiFolderFailsClearly() throws Exception {
		HeadlessProcess.Result r = convkit(tmp.getRoot().toPath(), "--install", tmp.getRoot() + "/no/such/Fiji.app");
		assertEquals(r.toString(), 2, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("Fiji folder not found"));
	}

	@Test
	public void folderThatIsNotFijiFailsClearly() throws Exception {
		HeadlessProcess.Result r = convkit(tmp.getRoot().toPath(), "--install", tmp.newFolder("empty").toString());
		assertEquals(r.toString(), 2, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("does not look like Fiji.app"));
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
		HeadlessProcess.Result ok = convkit(caller, "--headless", "work/make.ijm", "work/out.tif");
		assertEquals(ok.toString(), 0, ok.exitCode);
		assertTrue(ok.toString(), Files.isRegularFile(caller.resolve("work/out.tif")));

		Files.write(caller.resolve("work/bad.ijm"), "x = ;\n".getBytes(StandardCharsets.UTF_8));
		HeadlessProcess.Result bad = convkit(caller, "--headless", "work/bad.ijm");
		assertEquals(bad.toString(), 1, bad.exitCode);
		assertTrue(bad.toString(), bad.stderr.contains("FAILED bad.ijm"));
	}

	@Test
	public void guiWithoutDisplaySaysWhatToDo() throws Exception {
		HeadlessProcess.Result r = run(tmp.getRoot().toPath(), Arrays.asList(checkout.resolve("convkit").toString()), 2);
		assertEquals(r.toString(), 2, r.exitCode);
		assertTrue(r.toString(), r.stderr.contains("xvfb-run ./convkit") && r.stderr.contains("--headless"));
	}

	@Test
	public void helpExitsZero() throws Exception {
		HeadlessProcess.Result r = convkit(tmp.getRoot().toPath(), "--help");
		assertEquals(r.toString(), 0, r.exitCode);
		assertTrue(r.toString(), r.stdout.contains("--headless MACRO.ijm [ARG]") && r.stdout.contains("--install")
				&& r.stdout.contains("convkit --spark classify --model M.zip --input DIR --output OUT.csv"));
	}

	private static HeadlessProcess.Result convkit(Path cwd, String... args) throws Exception {
		List<String> cmd = new ArrayList<>();
		cmd.add(checkout.resolve("convkit").toString());
		cmd.addAll(Arrays.asList(args));
		return run(cwd, cmd, 20);
	}

	private static Path only(Path dir, String prefix) throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			Object[] found = s.filter(p -> p.getFileName().toString().startsWith(prefix)
					&& p.getFileName().toString().endsWith(".jar")).toArray();
			assertEquals("one " + prefix + "*.jar in " + dir + ": " + Arrays.toString(found), 1, found.length);
			return (Path) found[0];
		}
	}

	/** Runs without a display (DISPLAY removed) and with a safety limit, so nothing can hang the build. */
	private static HeadlessProcess.Result run(Path cwd, List<String> cmd, long limitMinutes) throws Exception {
		Path out = Files.createTempFile("convkit", ".out"), err = Files.createTempFile("convkit", ".err");
		try {
			ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
			if (cwd != null) pb.directory(cwd.toFile());
			pb.environment().remove("DISPLAY");
			Process p;
			try {
				p = pb.start();
			} catch (IOException e) {
				return new HeadlessProcess.Result(-1, "", e.toString());
			}
			if (!p.waitFor(limitMinutes, TimeUnit.MINUTES)) {
				p.destroyForcibly();
				fail(cmd + " did not end within " + limitMinutes + " minutes");
			}
			return new HeadlessProcess.Result(p.exitValue(), new String(Files.readAllBytes(out), StandardCharsets.UTF_8),
					new String(Files.readAllBytes(err), StandardCharsets.UTF_8));
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
}
