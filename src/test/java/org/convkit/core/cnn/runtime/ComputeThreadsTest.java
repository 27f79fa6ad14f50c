package org.convkit.core.cnn.runtime;

import org.convkit.core.cnn.spec.NetworkSpec;
import org.junit.Test;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.assertNull;

/** The thread rule, its override, and that the count is set for the calling thread only and restored. */
public class ComputeThreadsTest {
	private static final NetworkSpec LENET = NetworkSpec.preset(NetworkSpec.LENET),
			VGG = NetworkSpec.preset(NetworkSpec.SMALL_VGG);

	@Test
	public void multiplyAddsByHand() {
		// conv1 24·24·20·5·5·1, conv2 8·8·50·5·5·20, dense 800·500, output 500·10
		assertEquals(288_000 + 1_600_000 + 400_000 + 5_000, ComputeThreads.multiplyAdds(LENET, 28, 28, 1, 10));
		// 64·64·32·9·1, 64·64·32·9·32, 32·32·64·9·32, 32·32·64·9·64, dense 16·16·64·256, output 256·10
		assertEquals(1_179_648L + 37_748_736 + 18_874_368 + 37_748_736 + 4_194_304 + 2_560,
				ComputeThreads.multiplyAdds(VGG, 64, 64, 1, 10));
	}

	@Test
	public void trainingOnColumnProductsTakesOneThreadOnSmallMachines() {
		assertEquals(1, ComputeThreads.columnTraining(2, 2));
		assertEquals(1, ComputeThreads.columnTraining(1, 1));
		assertEquals(1, ComputeThreads.columnTraining(3, 2)); // whatever the rule said
		assertEquals(2, ComputeThreads.columnTraining(2, 4)); // more cores: the rule's count
		assertEquals(6, ComputeThreads.columnTraining(6, 16));
	}

	/**
	 * OpenBLAS runs on one thread on machines with at most 2 cores, whatever OpenMP's count: its second thread polls
	 * between products on the core OpenMP's second thread needs (measured: LeNet's macro path, Small VGG's benchmark).
	 */
	@Test
	public void openBlasTakesOneThreadOnSmallMachines() {
		assertEquals(1, ComputeThreads.blasCount(2, 2));
		assertEquals(1, ComputeThreads.blasCount(1, 2));
		assertEquals(1, ComputeThreads.blasCount(4, 1));
		assertEquals("more cores: the scope's count (not measured)", 2, ComputeThreads.blasCount(2, 4));
		assertEquals(6, ComputeThreads.blasCount(6, 16));
		assertEquals("at least one", 1, ComputeThreads.blasCount(0, 16));
		org.nd4j.linalg.api.blas.Blas blas = org.nd4j.linalg.factory.Nd4j.factory().blas();
		int original = blas.getMaxThreads();
		try (ComputeThreads.Scope s = ComputeThreads.use(2)) {
			assertEquals("OpenMP's count is the scope's", 2, s.threads());
			assertEquals("OpenBLAS's by the rule for this machine's cores", ComputeThreads.blasCount(2,
					ComputeThreads.CORES), ComputeThreads.blasThreads());
		} finally {
			blas.setMaxThreads(original);
		}
	}

	@Test
	public void theRule() {
		long lenet = ComputeThreads.multiplyAdds(LENET, 28, 28, 1, 10), vgg = ComputeThreads.multiplyAdds(VGG, 64, 64, 1,
				10);
		assertEquals("LeNet's training, batches of 64, 2 idle cores (measured: 2 threads 1.2-1.4x)", 2,
				ComputeThreads.rule(lenet * 64, 64, true, 2, 0.1));
		assertEquals("... 64 idle cores", 2, ComputeThreads.rule(lenet * 64, 64, true, 64, 0));
		assertEquals("... batches of 21: just short of two threads' work", 1,
				ComputeThreads.rule(lenet * 21, 21, true, 2, 0));
		assertEquals("... batches of 22", 2, ComputeThreads.rule(lenet * 22, 22, true, 2, 0));
		assertEquals("... on one core", 1, ComputeThreads.rule(lenet * 64, 64, true, 1, 0));
		assertEquals("... with one of 2 cores busy", 1, ComputeThreads.rule(lenet * 64, 64, true, 2, 0.9));
		assertEquals("LeNet's batches of 64 classified (measured: 2 threads 1.3-1.6x)", 2,
				ComputeThreads.rule(lenet * 64, 64, false, 2, 0));
		long least = (ComputeThreads.CLASSIFYING_WORK_FOR_TWO + lenet - 1) / lenet; // 44 images
		assertEquals("... the fewest images for two", 2, ComputeThreads.rule(lenet * least, (int) least, false, 2, 0));
		assertEquals("... one fewer", 1, ComputeThreads.rule(lenet * (least - 1), (int) least - 1, false, 2, 0));
		assertEquals("... with one of 2 cores busy", 1, ComputeThreads.rule(lenet * 64, 64, false, 2, 0.9));
		assertEquals("... all busy, or not looked at yet", 1, ComputeThreads.rule(lenet * 64, 64, false, 2,
				Double.POSITIVE_INFINITY));
		assertEquals("Small VGG 64x64, 4 images (measured: 2 threads 1.2-1.6x)", 2,
				ComputeThreads.rule(vgg * 4, 4, false, 2, 0));
		assertEquals("... 3 images (2: no faster)", 1, ComputeThreads.rule(vgg * 3, 3, false, 2, 0));
		assertEquals("LeNet, one image", 1, ComputeThreads.rule(lenet, 1, false, 2, 0));
		assertEquals("Small VGG 64x64's training, 2 idle cores", 2, ComputeThreads.rule(vgg * 64, 64, true, 2, 0));
		assertEquals("... 16 idle cores: the work decides", 6, ComputeThreads.rule(vgg * 64, 64, true, 16, 0));
		assertEquals("no work", 1, ComputeThreads.rule(0, 1, true, 8, 0));
		assertEquals("Small VGG 64x64, a batch of 64, 2 idle cores", 2,
				ComputeThreads.rule(vgg * 64, 64, false, 2, 0.3));
		assertEquals("... 16 cores", 6, ComputeThreads.rule(vgg * 64, 64, false, 16, 0.3));
		assertEquals("... one image", 1, ComputeThreads.rule(vgg, 1, false, 16, 0));
		assertEquals("... 2 cores with one busy", 1, ComputeThreads.rule(vgg * 64, 64, false, 2, 0.9));
		assertEquals("... 2 cores loaded (measured: 1 thread faster)", 1,
				ComputeThreads.rule(vgg * 64, 64, false, 2, 25));
		assertEquals("... 16 cores, 12.6 busy", 3, ComputeThreads.rule(vgg * 64, 64, false, 16, 12.6));
		assertEquals("load unknown: all cores", 6, ComputeThreads.rule(vgg * 64, 64, false, 16, -1));
		assertEquals("load NaN: all cores", 6, ComputeThreads.rule(vgg * 64, 64, false, 16, Double.NaN));
		assertEquals("never more than the cores", 2, ComputeThreads.rule(Long.MAX_VALUE / 2, 1, false, 2, 0));
		assertEquals("at least 1", 1, ComputeThreads.rule(Long.MAX_VALUE / 2, 1, false, 0, 0));
		assertEquals(1, ComputeThreads.rule(0, 1, false, 8, 0));
		assertEquals("grows with the work", 7,
				ComputeThreads.rule(7 * ComputeThreads.WORK_PER_THREAD + 1, 1, false, 32, 0));
	}

	@Test
	public void ompNumThreadsCapsTheCores() {
		assertEquals(1, ComputeThreads.capped(2, "1"));
		assertEquals(2, ComputeThreads.capped(2, "8"));
		assertEquals("a nested list: the outer count", 4, ComputeThreads.capped(16, " 4,2"));
		assertEquals("unset", 16, ComputeThreads.capped(16, null));
		for (String ignored : new String[] { "", "0", "-1", "two", "NaN", "1.5", "99999999999", ",4" })
			assertEquals(ignored, 16, ComputeThreads.capped(16, ignored));
	}

	/**
	 * The cap is in force in the rule: the suite's JVMs run with OMP_NUM_THREADS=1 (pom.xml), and then a Small VGG
	 * batch, 2 threads on 2 idle cores without the cap, gets 1 (reported as skipped when run without that variable).
	 */
	@Test
	public void withOmpNumThreadsOneASmallVggBatchGetsOneThread() {
		org.junit.Assume.assumeTrue("OMP_NUM_THREADS=1 (as the pom sets it)", "1".equals(System.getenv(
				"OMP_NUM_THREADS")));
		String was = System.getProperty(ComputeThreads.OVERRIDE_PROPERTY);
		try {
			System.clearProperty(ComputeThreads.OVERRIDE_PROPERTY);
			assertEquals(1, ComputeThreads.forCall(VGG, 64, 64, 1, 10, 64));
		} finally {
			if (was != null) System.setProperty(ComputeThreads.OVERRIDE_PROPERTY, was);
		}
	}

	@Test
	public void ownLoadIsNotCountedAsBusyCores() {
		long vgg = ComputeThreads.multiplyAdds(VGG, 64, 64, 1, 10);
		assertEquals(0.2, ComputeThreads.othersLoad(1.2, 1.0), 1e-12);
		assertEquals("never below 0", 0, ComputeThreads.othersLoad(0.5, 1.0), 0);
		assertEquals("unknown stays unknown", -1, ComputeThreads.othersLoad(-1, 1.0), 0);
		assertTrue(Double.isNaN(ComputeThreads.othersLoad(Double.NaN, 1.0)));
		assertEquals("own use unknown: the load average", 1.5, ComputeThreads.othersLoad(1.5, Double.NaN), 0);
		assertEquals("negative own use ignored", 1.5, ComputeThreads.othersLoad(1.5, -3), 0);
		// a training run that kept one core busy for the last minute: its next batch still gets both cores
		assertEquals(2, ComputeThreads.rule(vgg * 64, 64, false, 2, ComputeThreads.othersLoad(1.0, 1.0)));
		// another process on one core: one thread
		assertEquals(1, ComputeThreads.rule(vgg * 64, 64, false, 2, ComputeThreads.othersLoad(1.0, 0.0)));
	}

	@Test
	public void physicalCoresCapTheCount() {
		List<String> twoCoresFourThreads = Arrays.asList("processor : 0", "physical id : 0", "core id : 0",
				"processor : 1", "physical id : 0", "core id : 1", "processor : 2", "physical id : 0", "core id : 0",
				"processor : 3", "physical id : 0", "core id : 1");
		assertEquals(2, ComputeThreads.cores(4, twoCoresFourThreads));
		assertEquals("a container's limit", 1, ComputeThreads.cores(1, twoCoresFourThreads));
		List<String> twoSockets = Arrays.asList("physical id : 0", "core id : 0", "physical id : 1", "core id : 0");
		assertEquals(2, ComputeThreads.cores(2, twoSockets));
		assertEquals("no /proc/cpuinfo", 8, ComputeThreads.cores(8, Collections.emptyList()));
		assertEquals("at least one", 1, ComputeThreads.cores(0, Collections.emptyList()));
	}

	@Test
	public void theOverride() {
		String was = System.getProperty(ComputeThreads.OVERRIDE_PROPERTY);
		try {
			String[][] cases = { { "3", "3" }, { " 2 ", "2" }, { "0", "1" }, { "-5", "1" } };
			for (String[] c : cases) {
				System.setProperty(ComputeThreads.OVERRIDE_PROPERTY, c[0]);
				assertEquals(c[0], Integer.valueOf(c[1]), ComputeThreads.override());
				assertEquals(c[0], Integer.parseInt(c[1]), ComputeThreads.forCall(LENET, 28, 28, 1, 10, 64));
				assertEquals(c[0], Integer.parseInt(c[1]), ComputeThreads.forTraining(LENET, 28, 28, 1, 10, 64));
			}
			for (String bad : new String[] { "", "two", "NaN", "1e3", "99999999999" }) {
				System.setProperty(ComputeThreads.OVERRIDE_PROPERTY, bad);
				assertNull(bad, ComputeThreads.override());
			}
		} finally {
			if (was == null) System.clearProperty(ComputeThreads.OVERRIDE_PROPERTY);
			else System.setProperty(ComputeThreads.OVERRIDE_PROPERTY, was);
		}
	}

	/** {@code -Dconvkit.blasThreads=N} sets OpenBLAS's count for scopes of any OpenMP count; junk is ignored. */
	@Test
	public void theOpenBlasOverride() {
		org.nd4j.linalg.api.blas.Blas blas = org.nd4j.linalg.factory.Nd4j.factory().blas();
		int original = blas.getMaxThreads();
		try {
			String[][] cases = { { "3", "3" }, { " 2 ", "2" }, { "0", "1" }, { "-5", "1" } };
			for (String[] c : cases) {
				System.setProperty(ComputeThreads.BLAS_OVERRIDE_PROPERTY, c[0]);
				assertEquals(c[0], Integer.valueOf(c[1]), ComputeThreads.blasOverride());
				try (ComputeThreads.Scope s = ComputeThreads.use(1)) {
					assertEquals(c[0], Integer.parseInt(c[1]), ComputeThreads.blasThreads());
					assertEquals("OpenMP's count is the scope's", 1, ComputeThreads.current());
				}
			}
			for (String bad : new String[] { "", "two", "NaN", "1e3", "99999999999" }) {
				System.setProperty(ComputeThreads.BLAS_OVERRIDE_PROPERTY, bad);
				assertNull(bad, ComputeThreads.blasOverride());
				try (ComputeThreads.Scope s = ComputeThreads.use(1)) {
					assertEquals(bad + ": the rule's", ComputeThreads.blasCount(1, ComputeThreads.CORES),
							ComputeThreads.blasThreads());
				}
			}
		} finally {
			System.clearProperty(ComputeThreads.BLAS_OVERRIDE_PROPERTY);
			blas.setMaxThreads(original);
		}
	}

	/** OpenMP's count is per thread: another thread keeps its own while a scope is open here; close restores. */
	@Test
	public void theCountIsThisThreadsAndIsRestored() throws Exception {
		int before = ComputeThreads.current(), other = before == 3 ? 4 : 3;
		AtomicInteger seenElsewhere = new AtomicInteger();
		try (ComputeThreads.Scope s = ComputeThreads.use(other)) {
			assertEquals(other, s.threads());
			assertEquals(other, ComputeThreads.current());
			Thread t = new Thread(() -> seenElsewhere.set(ComputeThreads.current()));
			t.start();
			t.join();
		}
		assertEquals("a new thread starts from the process default", before, seenElsewhere.get());
		assertEquals("restored", before, ComputeThreads.current());
	}

	/**
	 * OpenBLAS's count is one for the JVM: the newest open scope's, whichever thread opened it (in any order of
	 * closing), and the last scope's after it closes (not set back: that costs up to a millisecond); closing a scope
	 * twice changes nothing.
	 */
	@Test
	public void openBlasFollowsTheNewestOpenScopeAndKeepsTheLastCount() throws Exception {
		org.nd4j.linalg.api.blas.Blas blas = org.nd4j.linalg.factory.Nd4j.factory().blas();
		int original = blas.getMaxThreads();
		try {
			blas.setMaxThreads(3);
			assertEquals(3, ComputeThreads.blasThreads());
			ComputeThreads.Scope a = ComputeThreads.use(1, 1);
			assertEquals(1, ComputeThreads.blasThreads());
			try (ComputeThreads.Scope b = ComputeThreads.use(2, 2)) {
				assertEquals(2, ComputeThreads.blasThreads());
			}
			assertEquals("the outer scope's again", 1, ComputeThreads.blasThreads());
			// another thread opens a scope and keeps it open while this one closes its own
			java.util.concurrent.CountDownLatch opened = new java.util.concurrent.CountDownLatch(1),
					release = new java.util.concurrent.CountDownLatch(1);
			Thread t = new Thread(() -> {
				try (ComputeThreads.Scope c = ComputeThreads.use(2, 2)) {
					opened.countDown();
					release.await();
				} catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
			});
			t.start();
			opened.await();
			assertEquals(2, ComputeThreads.blasThreads());
			a.close();
			a.close();
			assertEquals("the other thread's scope is still open", 2, ComputeThreads.blasThreads());
			release.countDown();
			t.join();
			assertEquals("the last scope's count stays when it closes (setting it costs up to a millisecond)", 2,
					ComputeThreads.blasThreads());
			try (ComputeThreads.Scope zero = ComputeThreads.use(0, 0)) {
				assertEquals("at least one", 1, ComputeThreads.blasThreads());
			}
			assertEquals(1, ComputeThreads.blasThreads());
			blas.setMaxThreads(3); // someone else's setting: the next scope sets its own, and it stays
			try (ComputeThreads.Scope two = ComputeThreads.use(2, 2)) {
				assertEquals(2, ComputeThreads.blasThreads());
			}
			assertEquals(2, ComputeThreads.blasThreads());
		} finally {
			blas.setMaxThreads(original);
		}
	}
}
