package org.convkit.core.cnn.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;

/**
 * The example order of one epoch for {@code balance=Sampling}: as many draws as there are examples, with
 * replacement, each draw picking a class uniformly (among the classes that have examples) and then one of its
 * examples uniformly. Rare classes are repeated, common ones partly left out, and in expectation every class makes up
 * the same share of every batch. Seeded by (seed, epoch): a continued run draws what an uninterrupted one would have.
 */
public final class ClassSampling {
	private ClassSampling() {
	}

	/**
	 * @param indices the examples to draw from (dataset indices)
	 * @param label   the class of a dataset index
	 */
	public static int[] order(int[] indices, IntUnaryOperator label, int classes, long seed, int epoch) {
		List<List<Integer>> byClass = new ArrayList<>();
		for (int c = 0; c < classes; c++) byClass.add(new ArrayList<>());
		for (int i : indices) byClass.get(label.applyAsInt(i)).add(i);
		byClass.removeIf(List::isEmpty);
		Random r = new Random(seed * 0x2545F4914F6CDD1DL + epoch * 0x9E3779B97F4A7C15L);
		int[] out = new int[indices.length];
		for (int k = 0; k < out.length; k++) {
			List<Integer> c = byClass.get(r.nextInt(byClass.size()));
			out[k] = c.get(r.nextInt(c.size()));
		}
		return out;
	}
}
