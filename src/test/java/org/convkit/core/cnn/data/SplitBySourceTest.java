package org.convkit.core.cnn.data;

import org.junit.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.Assert.*;

/** {@link Split#bySource}: whole source images held out, seeded, each class with validation and training examples. */
public class SplitBySourceTest {
	private static final List<String> AB = Arrays.asList("a", "b");

	/** Sources "f0".."f(n-1)", each with perClass examples of both classes (a, b, a, b, ...). */
	private static int[] labels(int fields, int perClass) {
		int[] l = new int[fields * perClass * 2];
		for (int i = 0; i < l.length; i++) l[i] = i % 2;
		return l;
	}

	private static String[] sources(int fields, int perClass) {
		String[] s = new String[fields * perClass * 2];
		for (int i = 0; i < s.length; i++) s[i] = "f" + i / (perClass * 2);
		return s;
	}

	private static Set<String> of(String[] sources, int[] indices) {
		Set<String> out = new HashSet<>();
		for (int i : indices) out.add(sources[i]);
		return out;
	}

	@Test
	public void noSourceGivesBothTrainingAndValidationExamples() {
		int[] labels = labels(10, 6);
		String[] sources = sources(10, 6);
		for (long seed = 0; seed < 20; seed++) {
			Split s = Split.bySource(labels, sources, AB, 0.2, seed);
			Set<String> train = of(sources, s.train()), validation = of(sources, s.validation());
			assertTrue(train + " / " + validation, java.util.Collections.disjoint(train, validation));
			// every example on exactly one side, ascending
			int[] both = new int[labels.length];
			for (int i : s.train()) both[i]++;
			for (int i : s.validation()) both[i]++;
			for (int v : both) assertEquals(1, v);
			assertTrue(isAscending(s.train()) && isAscending(s.validation()));
			// 0.2 of 60 per class = 12 = two whole sources of 6 per class, no more
			assertEquals(2, validation.size());
			assertEquals(24, s.validation().length);
		}
	}

	@Test
	public void theSameSeedGivesTheSameSplitAndOtherSeedsOthers() {
		int[] labels = labels(10, 6);
		String[] sources = sources(10, 6);
		Split s = Split.bySource(labels, sources, AB, 0.2, 42);
		assertArrayEquals(s.validation(), Split.bySource(labels, sources, AB, 0.2, 42).validation());
		Set<Set<String>> seen = new HashSet<>();
		for (long seed = 0; seed < 20; seed++) seen.add(of(sources, Split.bySource(labels, sources, AB, 0.2, seed)
				.validation()));
		assertTrue("20 seeds chose only " + seen, seen.size() >= 5);
		// the order of the examples does not matter, only their sources: reversed data, the same held-out sources
		int n = labels.length;
		int[] rl = new int[n];
		String[] rs = new String[n];
		for (int i = 0; i < n; i++) {
			rl[i] = labels[n - 1 - i];
			rs[i] = sources[n - 1 - i];
		}
		assertEquals(of(sources, s.validation()), of(rs, Split.bySource(rl, rs, AB, 0.2, 42).validation()));
	}

	@Test
	public void fewSourcesHoldOutAtLeastOneWholeSourceEvenAboveTheFraction() {
		// three fields, each a third of both classes: 0.1 asks for 2 per class, the smallest whole field gives 4
		int[] labels = labels(3, 4);
		String[] sources = sources(3, 4);
		Split s = Split.bySource(labels, sources, AB, 0.1, 1);
		assertEquals(1, of(sources, s.validation()).size());
		assertEquals(8, s.validation().length);
		assertEquals(0, Split.bySource(labels, sources, AB, 0, 1).validation().length);
		assertEquals(24, Split.bySource(labels, sources, AB, 0, 1).train().length);
	}

	/** A source larger than a class's share is not held out while smaller ones can make up the share. */
	@Test
	public void aLargeSourceIsNotTakenWhileSmallOnesFit() {
		// f0: 10 of each class; f1..f10: 1 of each. 0.2 of 20 = 4 per class: four small sources, never f0
		List<Integer> l = new ArrayList<>();
		List<String> src = new ArrayList<>();
		for (int f = 0; f <= 10; f++)
			for (int i = 0; i < (f == 0 ? 10 : 1); i++)
				for (int c = 0; c < 2; c++) {
					l.add(c);
					src.add("f" + f);
				}
		int[] labels = l.stream().mapToInt(Integer::intValue).toArray();
		String[] sources = src.toArray(new String[0]);
		for (long seed = 0; seed < 20; seed++) {
			Split s = Split.bySource(labels, sources, AB, 0.2, seed);
			Set<String> held = of(sources, s.validation());
			assertFalse(held.toString(), held.contains("f0"));
			assertEquals(held.toString(), 4, held.size());
			assertEquals(8, s.validation().length);
		}
	}

	@Test
	public void aClassInOnlySomeSourcesStillGetsValidationAndTraining() {
		// class b only in f3 and f4 (3 each); class a in every field (5 each): b needs one of them held out
		List<Integer> l = new ArrayList<>();
		List<String> src = new ArrayList<>();
		for (int f = 0; f < 5; f++) {
			for (int i = 0; i < 5; i++) {
				l.add(0);
				src.add("f" + f);
			}
			if (f >= 3) for (int i = 0; i < 3; i++) {
				l.add(1);
				src.add("f" + f);
			}
		}
		int[] labels = l.stream().mapToInt(Integer::intValue).toArray();
		String[] sources = src.toArray(new String[0]);
		for (long seed = 0; seed < 10; seed++) {
			Split s = Split.bySource(labels, sources, AB, 0.2, seed);
			int[] val = new int[2], train = new int[2];
			for (int i : s.validation()) val[labels[i]]++;
			for (int i : s.train()) train[labels[i]]++;
			assertTrue(Arrays.toString(val), val[0] > 0 && val[1] == 3);
			assertTrue(Arrays.toString(train), train[0] > 0 && train[1] == 3);
		}
	}

	@Test
	public void onePerExampleIsAStratifiedSplitOfSingleExamples() {
		int[] labels = new int[100];
		String[] sources = new String[100];
		for (int i = 0; i < 100; i++) {
			labels[i] = i < 70 ? 0 : 1;
			sources[i] = "img" + i;
		}
		Split s = Split.bySource(labels, sources, AB, 0.1, 3);
		int[] val = new int[2];
		for (int i : s.validation()) val[labels[i]]++;
		assertArrayEquals("round(0.1 x 70), round(0.1 x 30)", new int[] { 7, 3 }, val);
	}

	@Test
	public void aClassFromOneSourceOrWithoutASourceToSpareIsAClearError() {
		// b only in f0: it cannot be on both sides
		int[] labels = { 0, 0, 0, 0, 1, 1 };
		String[] sources = { "f0", "f1", "f1", "f2", "f0", "f0" };
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> Split.bySource(labels, sources, AB, 0.3, 1));
		assertTrue(e.getMessage(), e.getMessage().contains("All 2 image(s) of class 'b' come from one source image "
				+ "('f0')"));
		assertTrue(e.getMessage(), e.getMessage().contains("split=Random"));
		// a ring: f0 {a, b}, f1 {b, c}, f2 {c, a}, one example each. Whichever source is held out first, the class
		// it lacks can only be held out with a source that takes the last training example of another class
		int[] l2 = { 0, 1, 1, 2, 2, 0 };
		String[] s2 = { "f0", "f0", "f1", "f1", "f2", "f2" };
		List<String> abc = Arrays.asList("a", "b", "c");
		for (long seed = 0; seed < 6; seed++) {
			long sd = seed;
			e = assertThrows(IllegalArgumentException.class, () -> Split.bySource(l2, s2, abc, 0.5, sd));
			assertTrue(e.getMessage(), e.getMessage().matches("The examples of class '[abc]' come from 2 source "
					+ "images \\(f\\d, f\\d\\), and holding out any of them for validation with split=By image would "
					+ "leave class '[abc]' no training example: add images, or use split=Random"));
		}
		e = assertThrows(IllegalArgumentException.class, () -> Split.bySource(labels, sources, AB, 1, 1));
		assertTrue(e.getMessage(), e.getMessage().contains("must be >= 0 and < 1"));
		e = assertThrows(IllegalArgumentException.class, () -> Split.bySource(labels, sources, AB, Double.NaN, 1));
		assertTrue(e.getMessage(), e.getMessage().contains("must be >= 0 and < 1"));
	}

	private static boolean isAscending(int[] a) {
		for (int i = 1; i < a.length; i++)
			if (a[i] <= a[i - 1]) return false;
		return true;
	}
}
