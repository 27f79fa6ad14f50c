package org.convkit.core.cnn.net;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import org.convkit.core.cnn.runtime.OpenMpSpinning;
import org.convkit.testing.ChildJvm;
import org.convkit.testing.LibgompReport;
import org.convkit.testing.Prerequisites;
import org.junit.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The block's oneDNN ({@link Dnnl}, bytedeco's) and ND4J share one OpenMP runtime: ConvKit's per-call thread count
 * ({@code ComputeThreads}, set through ND4J) and libgomp's polling ({@link OpenMpSpinning}) then hold for the block
 * too, whichever of the two loads first.
 */
public class DnnlTest {
	@Test
	public void oneLibgompServesNd4jAndTheBlock() throws IOException {
		Prerequisites.require("linux (libgomp is GCC's OpenMP)", System.getProperty("os.name").equals("Linux"));
		assertNotNull("oneDNN's preset loads", Dnnl.get());
		org.nd4j.linalg.factory.Nd4j.ones(4).sumNumber();
		List<String> maps = Files.readAllLines(Paths.get("/proc/self/maps"));
		assertTrue("libdnnl is mapped", maps.stream().anyMatch(l -> l.contains("/libdnnl.so.2")));
		assertEquals(1, libgomps(maps).size());
	}

	/** A child JVM whose first native library is the block's oneDNN: libgomp still polls ConvKit's 3,000 times. */
	@Test
	public void theBlockLoadedFirstStillGetsConvKitsPolling() throws IOException, InterruptedException {
		Prerequisites.require("linux (libgomp is GCC's OpenMP)", System.getProperty("os.name").equals("Linux"));
		Map<String, String> env = new HashMap<>();
		env.put(OpenMpSpinning.VARIABLE, null);
		env.put(OpenMpSpinning.POLICY_VARIABLE, null);
		String text = ChildJvm.output(List.of(), LibgompReport.asked(env), List.of(), DnnlFirst.class);
		assertEquals(text, List.of("3000"), LibgompReport.spinCounts(text));
		assertTrue(text, text.contains("libgomps=1"));
	}

	/**
	 * The distinct libgomp files mapped, by device and inode, not by path: one run found no path ending in
	 * "libgomp.so.1" (a mapped file that JavaCPP's cache replaced meanwhile ends in " (deleted)").
	 */
	private static List<String> libgomps(List<String> maps) {
		return maps.stream().filter(l -> l.contains("/libgomp.so.1")).map(l -> l.trim().split("\\s+"))
				.map(f -> f[3] + " " + f[4]).distinct().collect(Collectors.toList());
	}

	/** The child: oneDNN's engine before anything else native, then ND4J. */
	public static final class DnnlFirst {
		public static void main(String[] args) throws IOException {
			if (Dnnl.get() == null) throw new IllegalStateException("oneDNN did not load");
			org.nd4j.linalg.factory.Nd4j.ones(4).sumNumber();
			List<String> maps = Files.readAllLines(Paths.get("/proc/self/maps"));
			maps.stream().filter(l -> l.contains("gomp")).forEach(System.out::println); // for a failure's message
			System.out.println("libgomps=" + libgomps(maps).size());
		}
	}
}
