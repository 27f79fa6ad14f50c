package org.convkit.core.cnn.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * A seeded train/validation split, either stratified per example ({@link #stratified}) or of whole source images
 * ({@link #bySource}). The same labels (and sources), fraction and seed always give the same split. Fraction 0
 * trains on everything.
 */
public final class Split {
	private final int[] train, validation;

	private Split(int[] train, int[] validation) {
		this.train = train;
		this.validation = validation;
	}

	/**
	 * Within each class, the examples are shuffled with {@code new Random(seed)} (one generator, classes in order)
	 * and the first {@code round(fraction × count)} go to validation.
	 *
	 * @param labels   class index per example
	 * @param classes  class names (for messages)
	 * @param fraction held-out fraction, 0 &lt;= fraction &lt; 1
	 * @throws IllegalArgumentException when the fraction is out of range or a class would end up with no
	 *                                  validation or no training example (naming the class)
	 */
	public static Split stratified(int[] labels, List<String> classes, double fraction, long seed) {
		if (!(fraction >= 0 && fraction < 1))
			throw new IllegalArgumentException("The validation fraction must be >= 0 and < 1, got " + fraction);
		List<List<Integer>> byClass = new ArrayList<>();
		for (int c = 0; c < classes.size(); c++) byClass.add(new ArrayList<>());
		for (int i = 0; i < labels.length; i++) byClass.get(labels[i]).add(i);
		Random r = new Random(seed);
		List<Integer> tr = new ArrayList<>(), va = new ArrayList<>();
		for (int c = 0; c < classes.size(); c++) {
			List<Integer> idx = byClass.get(c);
			Collections.shuffle(idx, r);
			int nVal = (int) Math.round(fraction * idx.size());
			if (fraction > 0 && nVal == 0)
				throw new IllegalArgumentException("Class '" + classes.get(c) + "' has only " + idx.size()
						+ " image(s): validation=" + fraction + " leaves it no validation example (add images or "
						+ "raise the validation fraction)");
			if (nVal >= idx.size())
				throw new IllegalArgumentException("Class '" + classes.get(c) + "' has only " + idx.size()
						+ " image(s): validation=" + fraction + " leaves it no training example");
			va.addAll(idx.subList(0, nVal));
			tr.addAll(idx.subList(nVal, idx.size()));
		}
		int[] t = tr.stream().mapToInt(Integer::intValue).toArray(), v = va.stream().mapToInt(Integer::intValue)
				.toArray();
		Arrays.sort(t);
		Arrays.sort(v);
		return new Split(t, v);
	}

	/**
	 * Whole source images held out: every example of a held-out source goes to validation, so that no validation
	 * example comes from an image that also gives training examples. The sources (sorted by name) are shuffled with
	 * {@code new Random(seed)}; going through them in that order, a source is held out when it brings a class
	 * still short of its share ({@code round(fraction × count)}, at least 1) closer without taking any class past
	 * it. Then every class still without validation examples gets the first source, in the same order, that has
	 * examples of it, so with few sources the held-out share can exceed the fraction. A source is never held out
	 * when that would leave a class without training examples.
	 *
	 * @param labels   class index per example
	 * @param sources  the source image of each example (any name; equal names are one image)
	 * @param classes  class names (for messages)
	 * @param fraction held-out fraction, 0 &lt;= fraction &lt; 1
	 * @throws IllegalArgumentException when the fraction is out of range or a class cannot get validation examples
	 *                                  (all its examples come from one source, or holding out any of its sources
	 *                                  would leave a class without training examples), naming the class and sources
	 */
	public static Split bySource(int[] labels, String[] sources, List<String> classes, double fraction, long seed) {
		if (!(fraction >= 0 && fraction < 1))
			throw new IllegalArgumentException("The validation fraction must be >= 0 and < 1, got " + fraction);
		if (sources.length != labels.length) throw new IllegalArgumentException("one source per example is needed");
		int k = classes.size();
		Map<String, int[]> perSource = new TreeMap<>(); // examples per class of each source
		int[] total = new int[k];
		for (int i = 0; i < labels.length; i++) {
			perSource.computeIfAbsent(sources[i], s -> new int[k])[labels[i]]++;
			total[labels[i]]++;
		}
		List<String> order = new ArrayList<>(perSource.keySet());
		Collections.shuffle(order, new Random(seed));
		Set<String> heldOut = new LinkedHashSet<>();
		if (fraction > 0) {
			int[] share = new int[k], held = new int[k];
			for (int c = 0; c < k; c++) share[c] = Math.max(1, (int) Math.round(fraction * total[c]));
			for (String s : order) {
				int[] n = perSource.get(s);
				boolean helps = false, fits = true;
				for (int c = 0; c < k; c++) {
					helps |= n[c] > 0 && held[c] < share[c];
					fits &= held[c] + n[c] <= share[c];
				}
				if (helps && fits && leavesTraining(n, held, total)) hold(s, n, held, heldOut);
			}
			for (int c = 0; c < k; c++) {
				if (held[c] > 0) continue;
				String chosen = null;
				for (String s : order)
					if (perSource.get(s)[c] > 0 && !heldOut.contains(s) && leavesTraining(perSource.get(s), held,
							total)) {
						chosen = s;
						break;
					}
				if (chosen == null) throw noSourceFor(c, classes, perSource, held, total);
				hold(chosen, perSource.get(chosen), held, heldOut);
			}
		}
		List<Integer> tr = new ArrayList<>(), va = new ArrayList<>();
		for (int i = 0; i < labels.length; i++) (heldOut.contains(sources[i]) ? va : tr).add(i);
		return new Split(tr.stream().mapToInt(Integer::intValue).toArray(), va.stream().mapToInt(
				Integer::intValue).toArray());
	}

	private static void hold(String source, int[] n, int[] held, Set<String> heldOut) {
		for (int c = 0; c < n.length; c++) held[c] += n[c];
		heldOut.add(source);
	}

	/** Whether holding out a source with these counts still leaves every class a training example. */
	private static boolean leavesTraining(int[] n, int[] held, int[] total) {
		for (int c = 0; c < n.length; c++)
			if (n[c] > 0 && held[c] + n[c] >= total[c]) return false;
		return true;
	}

	private static IllegalArgumentException noSourceFor(int c, List<String> classes, Map<String, int[]> perSource,
			int[] held, int[] total) {
		List<String> with = new ArrayList<>();
		for (Map.Entry<String, int[]> e : perSource.entrySet())
			if (e.getValue()[c] > 0) with.add(e.getKey());
		String name = "'" + classes.get(c) + "'";
		if (with.size() == 1)
			return new IllegalArgumentException("All " + total[c] + " image(s) of class " + name + " come from one "
					+ "source image ('" + with.get(0) + "'), which cannot give both training and validation examples "
					+ "with split=By image: add examples of " + name + " from another image, or use split=Random");
		String emptied = null;
		for (int d = 0; d < total.length && emptied == null; d++)
			if (perSource.get(with.get(0))[d] > 0 && held[d] + perSource.get(with.get(0))[d] >= total[d])
				emptied = classes.get(d);
		return new IllegalArgumentException("The examples of class " + name + " come from " + with.size()
				+ " source images (" + abbreviate(with, 5) + "), and holding out any of them for validation with "
				+ "split=By image would leave " + (emptied == null || emptied.equals(classes.get(c)) ? "it"
						: "class '" + emptied + "'") + " no training example: add images, or use split=Random");
	}

	/** "a, b, c" — at most {@code max} names, then "and N more" (for messages naming source images). */
	public static String abbreviate(List<String> names, int max) {
		return names.size() <= max ? String.join(", ", names)
				: String.join(", ", names.subList(0, max)) + " and " + (names.size() - max) + " more";
	}

	/** Training example indices, ascending. */
	public int[] train() {
		return train.clone();
	}

	/** Validation example indices, ascending (empty for fraction 0). */
	public int[] validation() {
		return validation.clone();
	}
}
