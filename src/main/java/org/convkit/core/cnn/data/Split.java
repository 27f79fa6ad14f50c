package org.convkit.core.cnn.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A stratified, seeded train/validation split: within each class, the examples are shuffled with
 * {@code new Random(seed)} (one generator, classes in order) and the first {@code round(fraction × count)} go to
 * validation. The same labels, fraction and seed always give the same split. Fraction 0 trains on everything.
 */
public final class Split {
	private final int[] train, validation;

	private Split(int[] train, int[] validation) {
		this.train = train;
		this.validation = validation;
	}

	/**
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

	/** Training example indices, ascending. */
	public int[] train() {
		return train.clone();
	}

	/** Validation example indices, ascending (empty for fraction 0). */
	public int[] validation() {
		return validation.clone();
	}
}
