package org.convkit.bench;

import org.junit.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

/**
 * The cases {@code ./convkit --bench N onednn[-CASE]} (and {@code runs[-CASE]}) takes, and the worker's images for
 * them.
 */
public class OneDnnOpsCaseTest {
	/** The same rule names the cases of {@code runs[-CASE]} ({@link TrainerRunsSplit}). */
	@Test
	public void namesLeNetAloneAndSmallVggWithItsCase() {
		Map<String, Function<String, CnnCase>> cases = Map.of("onednn", OneDnnOps::caseOf, "runs",
				TrainerRunsSplit::caseOf);
		cases.forEach((prefix, caseOf) -> {
			assertSame(prefix, CnnCase.LENET, caseOf.apply(prefix));
			assertSame(prefix, CnnCase.VGG64, caseOf.apply(prefix + "-vgg64"));
			assertSame(prefix, CnnCase.VGG96, caseOf.apply(prefix + "-vgg96"));
			assertSame(prefix, CnnCase.LENET, caseOf.apply(prefix + "-lenet"));
			for (String bad : new String[] { prefix + "-", prefix + "-vgg", prefix + "-VGG96", prefix + "vgg96",
					prefix + "-vgg96 ", prefix.substring(1), "lenet", "" })
				assertNull(bad, caseOf.apply(bad));
		});
		assertNull(OneDnnOps.caseOf("runs-vgg64"));
		assertNull(TrainerRunsSplit.caseOf("onednn-vgg64"));
	}

	/** The worker's page-fault count grows when fresh memory is written (the JDK zeroes a new direct buffer). */
	@Test
	public void minorFaultsCountFreshPagesWritten() {
		assumeTrue("Linux", Files.isReadable(Paths.get("/proc/self/stat")));
		long before = RuntimeBenchWorker.minorFaults();
		ByteBuffer fresh = ByteBuffer.allocateDirect(16 << 20);
		long after = RuntimeBenchWorker.minorFaults();
		assertTrue(before + " then " + after, before >= 0 && after > before);
		assertEquals(0, fresh.get(fresh.capacity() - 1));
	}

	@Test
	public void oneChannelGivesTheGrayImagesValueForValue() {
		List<DataSet> gray = RuntimeBenchWorker.batches(28, 70, 64), one = RuntimeBenchWorker.batches(28, 70, 64, 1);
		assertEquals(2, one.size());
		for (int b = 0; b < 2; b++) {
			assertArrayEquals(gray.get(b).getFeatures().shape(), one.get(b).getFeatures().shape());
			assertArrayEquals(gray.get(b).getFeatures().data().asFloat(), one.get(b).getFeatures().data().asFloat(), 0f);
			assertArrayEquals(gray.get(b).getLabels().data().asFloat(), one.get(b).getLabels().data().asFloat(), 0f);
		}
	}

	/** RGB: the blob is brighter in one channel of each image, and that channel is not always the same one. */
	@Test
	public void threeChannelsHaveTheBlobBrightestInOneChannelChosenPerImage() {
		int size = 64, plane = size * size;
		DataSet d = RuntimeBenchWorker.batches(size, 20, 64, 3).get(0);
		assertArrayEquals(new long[] { 20, 3, size, size }, d.getFeatures().shape());
		float[] x = d.getFeatures().data().asFloat();
		boolean[] seen = new boolean[3];
		for (int i = 0; i < 20; i++) {
			double[] sum = new double[3];
			for (int c = 0; c < 3; c++)
				for (int p = 0; p < plane; p++) sum[c] += x[(i * 3 + c) * plane + p];
			int bright = sum[0] > sum[1] ? (sum[0] > sum[2] ? 0 : 2) : (sum[1] > sum[2] ? 1 : 2);
			seen[bright] = true;
			// the blob adds 90 (of 255, normalised by 60) more to its bright channel: about 300 summed over a 64×64
			// plane, against noise of about 20 in each channel's sum
			for (int c = 0; c < 3; c++)
				if (c != bright) assertTrue("image " + i + " channel " + c, sum[bright] - sum[c] > 150);
			assertEquals(1f, d.getLabels().getFloat(i, i % CnnCase.CLASSES), 0f);
		}
		assertEquals(3, (seen[0] ? 1 : 0) + (seen[1] ? 1 : 0) + (seen[2] ? 1 : 0));
	}
}
