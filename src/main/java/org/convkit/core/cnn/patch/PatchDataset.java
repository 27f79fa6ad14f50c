package org.convkit.core.cnn.patch;

import ij.ImagePlus;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.data.Dataset;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.input.SourcePlanes;
import org.convkit.core.cnn.spec.NetworkSpec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Labelled patches around outlines (ROIs) on open images, as a {@link Dataset} the {@code Trainer} trains on: example
 * i is the patch × patch window centred on outline i's pixel, from its own plane, made by
 * {@link SourcePlanes#patch} — the code Classify ROIs and the probability map use too. Classes are the labels, sorted.
 * Pixels are read when a batch needs them (the images are already open).
 */
public final class PatchDataset implements Dataset {
	/** Classes with fewer examples than this are named in {@link #fewExamples()}. */
	public static final int FEW = 10;

	private final List<Outline> outlines;
	private final List<String> classes;
	private final int[] labels;
	private final PatchInput input;
	private final int patch;
	private final PlaneCache planes;
	/** Each image's name as a source ({@link #source}): its title, with its ImageJ ID when titles repeat. */
	private final Map<ImagePlus, String> sourceNames = new IdentityHashMap<>();

	/**
	 * @param labels one class name per outline
	 * @param patch  the patch's width and height in pixels (the network's input size)
	 * @throws IllegalArgumentException for no outlines, a blank label, a single class, a patch size out of range or
	 *                                  larger than an image, or an image whose channels do not fit the input
	 */
	public PatchDataset(List<Outline> outlines, List<String> labels, PatchInput input, int patch) {
		if (outlines == null || outlines.isEmpty())
			throw new IllegalArgumentException("There are no ROIs to train on: add ROIs to the ROI Manager (or open a "
					+ "ROI set .zip) first");
		if (labels == null || labels.size() != outlines.size())
			throw new IllegalArgumentException("one label per ROI is needed");
		if (patch < 1 || patch > NetworkSpec.MAX_INPUT_SIZE)
			throw new IllegalArgumentException("patch=" + patch + " must be between 1 and " + NetworkSpec.MAX_INPUT_SIZE);
		for (int i = 0; i < labels.size(); i++)
			if (labels.get(i) == null || labels.get(i).trim().isEmpty())
				throw new IllegalArgumentException("The ROI '" + outlines.get(i).name() + "' has no class label");
		Map<ImagePlus, Boolean> checked = new IdentityHashMap<>();
		for (Outline o : outlines)
			if (checked.put(o.image(), Boolean.TRUE) == null) checkImage(o.image(), input, patch);
		this.outlines = Collections.unmodifiableList(new ArrayList<>(outlines));
		classes = Collections.unmodifiableList(new ArrayList<>(new TreeSet<>(labels)));
		if (classes.size() < 2)
			throw new IllegalArgumentException("All " + outlines.size() + " ROIs are of the class '" + classes.get(0)
					+ "': training needs at least 2 classes");
		this.labels = new int[labels.size()];
		for (int i = 0; i < this.labels.length; i++) this.labels[i] = classes.indexOf(labels.get(i));
		this.input = input;
		this.patch = patch;
		planes = new PlaneCache(input);
		Map<String, Integer> titles = new HashMap<>();
		for (ImagePlus imp : checked.keySet()) titles.merge(imp.getTitle(), 1, Integer::sum);
		for (ImagePlus imp : checked.keySet())
			sourceNames.put(imp, titles.get(imp.getTitle()) == 1 ? imp.getTitle()
					: imp.getTitle() + " (ID " + imp.getID() + ")");
	}

	/**
	 * @throws IllegalArgumentException when the image's channels do not fit, or the patch is larger than the image
	 */
	public static void checkImage(ImagePlus imp, PatchInput input, int patch) {
		SourcePlanes.check(imp, input);
		if (patch > imp.getWidth() || patch > imp.getHeight())
			throw new IllegalArgumentException("patch=" + patch + " is larger than the image '" + imp.getTitle() + "' ("
					+ imp.getWidth() + "x" + imp.getHeight() + "): choose a patch of at most "
					+ Math.min(imp.getWidth(), imp.getHeight()) + " pixels");
	}

	/** The network input: patch × patch × the chosen channels. */
	public InputFormat format() {
		return new InputFormat(patch, patch, input.inputChannels(), Resize.SCALE);
	}

	public Outline outline(int index) {
		return outlines.get(index);
	}

	/** Examples per class, in class order. */
	public int[] counts() {
		int[] c = new int[classes.size()];
		for (int l : labels) c[l]++;
		return c;
	}

	/** The classes with fewer than {@value #FEW} examples, e.g. "mitotic (4)"; empty when there are none. */
	public List<String> fewExamples() {
		int[] c = counts();
		List<String> out = new ArrayList<>();
		for (int k = 0; k < c.length; k++)
			if (c[k] < FEW) out.add(classes.get(k) + " (" + c[k] + ")");
		return out;
	}

	@Override
	public List<String> classes() {
		return classes;
	}

	@Override
	public int size() {
		return outlines.size();
	}

	@Override
	public int label(int index) {
		return labels[index];
	}

	/** The ROI's name and where it is, e.g. "cell-12 on field.tif". */
	@Override
	public String name(int index) {
		Outline o = outlines.get(index);
		return "'" + o.name() + "' on " + o.image().getTitle();
	}

	/** The image the ROI is on: its title (with its ImageJ ID when another image of the ROIs has the same title). */
	@Override
	public String source(int index) {
		return sourceNames.get(outlines.get(index).image());
	}

	@Override
	public int channels() {
		return input.inputChannels();
	}

	@Override
	public int[] commonSize() {
		return new int[] { patch, patch };
	}

	@Override
	public PatchInput patchInput() {
		return input;
	}

	/** The patch as the network sees it, through {@link SourcePlanes#patch}. */
	@Override
	public boolean read(int index, InputFormat f, Normalisation n, float[] out, int offset) {
		if (f.width() != patch || f.height() != patch || f.channels() != input.inputChannels())
			throw new IllegalArgumentException("the input " + f + " is not the patch " + patch + "x" + patch + "x"
					+ input.inputChannels());
		Outline o = outlines.get(index);
		planes.of(o).patch(o.centreX(), o.centreY(), o.region(), f, n, out, offset);
		return true;
	}

	/** The raw patch of the first chosen channel (the others through {@link #read}). */
	@Override
	public ImageProcessor open(int index) {
		InputFormat one = new InputFormat(patch, patch, input.inputChannels(), Resize.SCALE);
		float[] buf = new float[one.size()];
		read(index, one, Normalisation.none(input.inputChannels()), buf, 0);
		return new FloatProcessor(patch, patch, java.util.Arrays.copyOf(buf, patch * patch));
	}

	@Override
	public List<Skipped> skipped() {
		return Collections.emptyList();
	}
}
