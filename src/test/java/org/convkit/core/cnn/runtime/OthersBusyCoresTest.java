package org.convkit.core.cnn.runtime;

import org.junit.Test;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

/** Other processes' busy cores from /proc/stat: parsing, the arithmetic, the windows, and one real busy process. */
public class OthersBusyCoresTest {
	private static final List<String> PROC_STAT = Arrays.asList(
			"cpu  6079770 353 1204858 3958226 20903 0 15824 0 0 0",
			"cpu0 100 1 20 5000 40 0 3 7 0 0", // busy: 100 + 1 + 20 + 0 + 3 (not idle 5000, iowait 40, steal 7)
			"cpu1 200 0 30 4000 0 1 4 0 9 0",  // 200 + 30 + 1 + 4 (guest 9 is inside user already)
			"cpu2 garbage",
			"cpux 1 2 3 4 5 6 7 8",
			"cpu3 1000 0 0 0 0 0 0 0 0 0",
			"intr 12345 0 0",
			"ctxt 99");

	@Test
	public void busyTicksPerAllowedCpu() {
		assertArrayEquals("all CPUs (none listed as allowed)", new long[] { 124 + 235 + 1000, 3 },
				OthersBusyCores.busyTicks(PROC_STAT, new BitSet()));
		assertArrayEquals("CPUs 0-1", new long[] { 124 + 235, 2 },
				OthersBusyCores.busyTicks(PROC_STAT, OthersBusyCores.cpuList("0-1")));
		assertArrayEquals("CPU 3 only", new long[] { 1000, 1 },
				OthersBusyCores.busyTicks(PROC_STAT, OthersBusyCores.cpuList("3")));
		assertArrayEquals("an allowed CPU with no line", new long[] { 0, 0 },
				OthersBusyCores.busyTicks(PROC_STAT, OthersBusyCores.cpuList("7")));
		assertArrayEquals(new long[] { 0, 0 }, OthersBusyCores.busyTicks(Arrays.asList(), new BitSet()));
	}

	@Test
	public void cpuLists() {
		assertEquals("{0, 1}", OthersBusyCores.cpuList("0-1").toString());
		assertEquals("{0, 2, 3, 7}", OthersBusyCores.cpuList(" 0,2-3, 7\n").toString());
		assertEquals("{5}", OthersBusyCores.cpuList("5").toString());
		for (String bad : new String[] { null, "", " ", "x", "1-", "-1", "3-1", "1-2-3", "0,,1", "NaN", "1e3",
				"99999999999", "0-70000" })
			assertTrue("'" + bad + "': empty (all CPUs)", OthersBusyCores.cpuList(bad).isEmpty());
	}

	@Test
	public void othersAreTheBusyTimeLessOwnPerWallTime() {
		OthersBusyCores.Sample a = sample(0, 1000, 2, 0);
		// 1 s: 150 ticks busy on 2 CPUs (1.5 cores), this JVM 0.5 s of CPU: others 1.0
		assertEquals(1.0, OthersBusyCores.others(a, sample(1_000_000_000L, 1150, 2, 500_000_000L), 2), 1e-12);
		assertEquals("never below 0 (ticks round down)", 0,
				OthersBusyCores.others(a, sample(1_000_000_000L, 1050, 2, 900_000_000L), 2), 0);
		assertEquals("own time going back is not counted", 1.5,
				OthersBusyCores.others(sample(0, 1000, 2, 10), sample(1_000_000_000L, 1150, 2, 5), 2), 1e-12);
		assertEquals("64 CPUs counted, the rule's 2 cores: scaled", 32.0 * 2 / 64,
				OthersBusyCores.others(sample(0, 0, 64, 0), sample(1_000_000_000L, 3200, 64, 0), 2), 1e-12);
		assertTrue("no time passed", Double.isNaN(OthersBusyCores.others(a, sample(0, 1100, 2, 0), 2)));
		assertTrue("clock backwards", Double.isNaN(OthersBusyCores.others(a, sample(-5, 1100, 2, 0), 2)));
	}

	@Test
	public void aFreshWindowAfterAPauseTheTimeSinceTheLastEstimateOtherwise() {
		FakeSource src = new FakeSource();
		OthersBusyCores o = new OthersBusyCores(src, 2);
		long w = OthersBusyCores.WINDOW_NANOS;
		// the first estimate: fresh windows of 100 ms in which another process keeps one core busy (10 ticks each;
		// 1.2 cores in the second, 0.9 in the third): the least of all three
		src.next(sample(0, 0, 2, 0));
		src.next(sample(w, 10, 2, 0));
		src.next(sample(2 * w, 22, 2, 0));
		src.next(sample(3 * w, 31, 2, 0));
		assertEquals(0.9, o.now(true), 1e-12);
		assertEquals("it waited for three windows", Arrays.asList(w, w, w), src.slept);
		// 0.5 s later: the time since the last estimate, no waiting; both cores busy with this JVM's own threads only
		src.next(sample(3 * w + 500_000_000L, 131, 2, 1_000_000_000L));
		assertEquals(0.0, o.now(true), 1e-12);
		assertEquals(3, src.slept.size());
		// 50 ms later: too short a window, the last estimate stands
		src.next(sample(3 * w + 550_000_000L, 141, 2, 1_000_000_000L));
		assertEquals(0.0, o.now(true), 0);
		// 2 s later (a pause; another process was busy through it and is finishing: its threads spin 100 ms more,
		// both cores): 2 cores busy in the first fresh window, none in the second, which ends the wait
		long t = 3 * w + 2_550_000_000L;
		src.next(sample(t, 541, 2, 1_000_000_000L));
		src.next(sample(t + w, 561, 2, 1_000_000_000L));
		src.next(sample(t + 2 * w, 561, 2, 1_000_000_000L));
		assertEquals("what the load average would still count is gone", 0.0, o.now(true), 0);
		assertEquals(5, src.slept.size());
		// the machine cannot tell: NaN (the caller falls back to the load average)
		src.next(null);
		assertTrue(Double.isNaN(o.now(true)));
	}

	/**
	 * A look that does not wait (classification): after a pause it starts a window and answers "not yet" (one thread)
	 * without sleeping until the window has passed; a waiting look (training) right after one waits for fresh windows
	 * instead of taking that "not yet" for a whole run.
	 */
	@Test
	public void aLookThatDoesNotWaitAnswersNotYetUntilAWindowHasPassed() {
		FakeSource src = new FakeSource();
		OthersBusyCores o = new OthersBusyCores(src, 2);
		long w = OthersBusyCores.WINDOW_NANOS;
		long vgg = ComputeThreads.multiplyAdds(org.convkit.core.cnn.spec.NetworkSpec.preset(
				org.convkit.core.cnn.spec.NetworkSpec.SMALL_VGG), 64, 64, 1, 10) * 64;
		src.next(sample(0, 0, 2, 0));
		assertEquals(OthersBusyCores.NOT_YET, o.now(false), 0);
		assertEquals("not yet: one thread for a Small VGG batch", 1,
				ComputeThreads.rule(vgg, 64, false, 2, OthersBusyCores.NOT_YET));
		src.next(sample(w / 2, 5, 2, 0));
		assertEquals("half a window on", OthersBusyCores.NOT_YET, o.now(false), 0);
		// 150 ms after the first look: another process kept one core busy (15 ticks), this JVM the other
		src.next(sample(w + w / 2, 30, 2, 150_000_000L));
		assertEquals(1.0, o.now(false), 1e-12);
		src.next(sample(2 * w + w / 2, 40, 2, 250_000_000L)); // 100 ms on: the next window, both cores idle of others
		assertEquals(0.0, o.now(false), 1e-12);
		assertEquals("it never slept", 0, src.slept.size());
		// a pause, then a look that does not wait and a waiting one 10 ms after it (training starts)
		long t = 2 * w + w / 2 + 2_000_000_000L;
		src.next(sample(t, 240, 2, 250_000_000L));
		assertEquals(OthersBusyCores.NOT_YET, o.now(false), 0);
		src.next(sample(t + 10_000_000L, 241, 2, 250_000_000L));
		src.next(sample(t + 10_000_000L + w, 242, 2, 250_000_000L));
		assertEquals("a fresh window, not the other's not yet", 0.1, o.now(true), 1e-12);
		assertEquals(Arrays.asList(w), src.slept);
	}

	@Test
	public void interruptedWhileWaitingTheEstimateIsUnknownAndTheFlagStays() {
		FakeSource src = new FakeSource();
		src.interrupt = true;
		src.next(sample(0, 0, 2, 0));
		try {
			assertTrue(Double.isNaN(new OthersBusyCores(src, 2).now(true)));
			assertTrue(Thread.currentThread().isInterrupted());
		} finally {
			Thread.interrupted();
		}
	}

	/**
	 * On this machine: a busy process beside this JVM shows as (at least most of) a core. Other test JVMs may run at
	 * the same time, which only adds to it; nothing here asserts an idle machine.
	 */
	@Test
	public void aBusyProcessShowsAsABusyCore() throws Exception {
		assumeTrue(Files.isReadable(Paths.get("/proc/stat")) && Files.isRegularFile(Paths.get("/bin/sh")));
		Process spin = new ProcessBuilder("/bin/sh", "-c", "while :; do :; done").start();
		try {
			Thread.sleep(200); // started and spinning
			OthersBusyCores o = OthersBusyCores.machine(Runtime.getRuntime().availableProcessors());
			double seen = o.now(true);
			assertTrue("a spinning shell beside this JVM: " + seen + " busy cores", seen >= 0.7);
		} finally {
			spin.destroyForcibly();
			spin.waitFor(5, TimeUnit.SECONDS);
		}
	}

	@Test
	public void theRuleTakesTheCoresBusyNowOverTheLoadAverage() {
		long vgg = ComputeThreads.multiplyAdds(org.convkit.core.cnn.spec.NetworkSpec.preset(
				org.convkit.core.cnn.spec.NetworkSpec.SMALL_VGG), 64, 64, 1, 10) * 64;
		FakeSource src = new FakeSource();
		OthersBusyCores o = new OthersBusyCores(src, 2);
		src.next(sample(0, 0, 2, 0));
		src.next(sample(OthersBusyCores.WINDOW_NANOS, 1, 2, 0)); // 0.1 cores busy now
		double loadAverage = 1.8; // another process's minute, over by now
		assertEquals(0.1, ComputeThreads.othersBusy(o, true, () -> loadAverage), 1e-12);
		src.next(sample(OthersBusyCores.WINDOW_NANOS + 50_000_000L, 1, 2, 0)); // 50 ms on: the estimate stands
		assertEquals("a Small VGG batch gets both cores", 2,
				ComputeThreads.rule(vgg, 64, false, 2, ComputeThreads.othersBusy(o, true, () -> loadAverage)));
		src.next(null);
		assertEquals("where the machine cannot tell: the load average", 1,
				ComputeThreads.rule(vgg, 64, false, 2, ComputeThreads.othersBusy(o, true, () -> loadAverage)));
		src.next(sample(OthersBusyCores.WINDOW_NANOS * 3, 21, 2, 0)); // a core busy over the last 0.2 s
		assertEquals("another process on one core now", 1,
				ComputeThreads.rule(vgg, 64, false, 2, ComputeThreads.othersBusy(o, true, () -> 0)));
	}

	private static OthersBusyCores.Sample sample(long wall, long busy, int cpus, long own) {
		return new OthersBusyCores.Sample(wall, busy, cpus, own);
	}

	private static final class FakeSource implements OthersBusyCores.Source {
		private final Deque<OthersBusyCores.Sample> samples = new ArrayDeque<>();
		private final Deque<Boolean> nulls = new ArrayDeque<>();
		final List<Long> slept = new java.util.ArrayList<>();
		boolean interrupt;

		void next(OthersBusyCores.Sample s) {
			samples.add(s == null ? sample(0, 0, 0, 0) : s);
			nulls.add(s == null);
		}

		@Override
		public OthersBusyCores.Sample read() {
			OthersBusyCores.Sample s = samples.remove();
			return nulls.remove() ? null : s;
		}

		@Override
		public void sleep(long nanos) throws InterruptedException {
			if (interrupt) throw new InterruptedException();
			slept.add(nanos);
		}
	}
}
