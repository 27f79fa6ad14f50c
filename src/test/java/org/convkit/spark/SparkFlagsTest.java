package org.convkit.spark;

import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/** The Java 17 flags of the test JVMs (pom) and of ./convkit --spark are Spark's own list, in Spark's order. */
public class SparkFlagsTest {
	private static final Path BASE = Paths.get(System.getProperty("convkit.basedir", "."));

	@Test
	public void pomAndLauncherGiveSparksJavaModuleOptions() throws Exception {
		List<String> spark = Arrays.asList(JavaModuleOptions.defaultModuleOptions().split(" "));
		String pom = new String(Files.readAllBytes(BASE.resolve("pom.xml")), StandardCharsets.UTF_8);
		Matcher m = Pattern.compile("<spark.jvm.flags>([^<]*)</spark.jvm.flags>").matcher(pom);
		assertTrue(m.find());
		assertEquals(spark, Arrays.asList(m.group(1).trim().split(" ")));
		String launcher = new String(Files.readAllBytes(BASE.resolve("convkit")), StandardCharsets.UTF_8);
		Matcher l = Pattern.compile("SPARK_JVM_FLAGS=\\(([^)]*)\\)").matcher(launcher);
		assertTrue(l.find());
		assertEquals(spark, Arrays.asList(l.group(1).trim().split("\\s+")));
	}
}
