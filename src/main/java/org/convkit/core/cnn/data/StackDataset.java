package org.convkit.core.cnn.data;

import ij.ImageStack;
import ij.process.ImageProcessor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;

/**
 * A stack whose slice labels are the class names (the first line of each label, trimmed). Classes are sorted by
 * name. Slices are read from the stack only when a batch needs them (a virtual stack stays virtual).
 */
public final class StackDataset implements Dataset {
	private final ImageStack stack;
	private final List<String> classes;
	private final int[] labels;
	private final List<Skipped> skipped = new ArrayList<>();

	/**
	 * @throws IllegalArgumentException when a slice has no label (naming the first such slices) or there are fewer
	 *                                  than 2 classes
	 */
	public StackDataset(ImageStack stack) {
		if (stack == null || stack.getSize() == 0) throw new IllegalArgumentException("The stack is empty");
		this.stack = stack;
		int n = stack.getSize();
		String[] names = new String[n];
		List<Integer> unlabelled = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			names[i] = className(stack.getSliceLabel(i + 1));
			if (names[i] == null) unlabelled.add(i + 1);
		}
		if (!unlabelled.isEmpty())
			throw new IllegalArgumentException(unlabelled.size() + " of " + n + " slices have no label (slice "
					+ unlabelled.subList(0, Math.min(5, unlabelled.size())) + (unlabelled.size() > 5 ? "..." : "")
					+ "): each slice label must be the class name of that slice");
		classes = Collections.unmodifiableList(new ArrayList<>(new TreeSet<>(java.util.Arrays.asList(names))));
		if (classes.size() < 2)
			throw new IllegalArgumentException("All " + n + " slices have the label '" + classes.get(0)
					+ "': training needs at least 2 classes");
		labels = new int[n];
		for (int i = 0; i < n; i++) labels[i] = classes.indexOf(names[i]);
	}

	/** The first line of a slice label, trimmed; null when there is none. */
	static String className(String label) {
		if (label == null) return null;
		int nl = label.indexOf('\n');
		String s = (nl >= 0 ? label.substring(0, nl) : label).trim();
		return s.isEmpty() ? null : s;
	}

	@Override
	public List<String> classes() {
		return classes;
	}

	@Override
	public int size() {
		return labels.length;
	}

	@Override
	public int label(int index) {
		return labels[index];
	}

	@Override
	public String name(int index) {
		return "slice " + (index + 1) + " (" + classes.get(labels[index]) + ")";
	}

	/** 3 for a stack of RGB images (ImageStack.isRGB() means something else: 3 slices named Red, Green, Blue). */
	@Override
	public int channels() {
		return stack.getBitDepth() == 24 ? 3 : 1;
	}

	@Override
	public int[] commonSize() {
		return new int[] { stack.getWidth(), stack.getHeight() };
	}

	/** The slice; null (and listed as skipped) when a virtual stack cannot read it. */
	@Override
	public ImageProcessor open(int index) {
		ImageProcessor ip;
		try {
			ip = stack.getProcessor(index + 1);
		} catch (RuntimeException e) {
			ip = null;
		}
		if (ip == null || ip.getPixels() == null) {
			synchronized (skipped) {
				if (skipped.stream().noneMatch(s -> s.index == index))
					skipped.add(new Skipped(index, name(index), "the slice cannot be read"));
			}
			return null;
		}
		return ip;
	}

	@Override
	public List<Skipped> skipped() {
		synchronized (skipped) {
			return new ArrayList<>(skipped);
		}
	}
}
