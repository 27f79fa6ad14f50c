package org.convkit.core.cnn.data;

import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Resize;
import ij.ImageStack;
import ij.process.FloatProcessor;
import org.convkit.core.cnn.input.Normalisation;
import org.junit.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

import static org.convkit.core.cnn.data.FolderDatasetTest.assertMessage;
import static org.junit.Assert.*;

/** Resize rules, split, normalisation fit, augmentation and batches, against hand-computed values. */
public class DataPipelineTest {
	private static float[] place(float[] src, int sw, int sh, int dw, int dh, Resize r) {
		FloatProcessor fp = new FloatProcessor(sw, sh, src.clone());
		return ImageTensor.convert(fp, new InputFormat(dh, dw, 1, r));
	}

	@Test
	public void scaleIsPixelCentreBilinear() {
		assertArrayEquals(new float[] { 0, 2.5f, 7.5f, 10 }, place(new float[] { 0, 10 }, 2, 1, 4, 1, Resize.SCALE),
				1e-6f);
		// down: 4 -> 2 samples at 0.5 and 2.5
		assertArrayEquals(new float[] { 5, 25 }, place(new float[] { 0, 10, 20, 30 }, 4, 1, 2, 1, Resize.SCALE),
				1e-6f);
		float[] same = { 1, 2, 3, 4, 5, 6 };
		for (Resize r : Resize.values()) assertArrayEquals(same, place(same, 3, 2, 3, 2, r), 0f);
	}

	@Test
	public void cropTakesTheCentreAndScalesUpSmallImages() {
		float[] src = new float[6 * 4];
		for (int i = 0; i < src.length; i++) src[i] = i;
		// 6x4 -> 4x2: offset x 1, y 1
		assertArrayEquals(new float[] { 7, 8, 9, 10, 13, 14, 15, 16 }, place(src, 6, 4, 4, 2, Resize.CROP), 0f);
		// 5x5 -> 2x2: offset floor(3/2) = 1
		float[] five = new float[25];
		for (int i = 0; i < 25; i++) five[i] = i;
		assertArrayEquals(new float[] { 6, 7, 11, 12 }, place(five, 5, 5, 2, 2, Resize.CROP), 0f);
		// 2x1 -> 4x4: scaled by 4 (to cover the height) to 8x4, then the centre 4 columns (offset 2)
		float[] up = place(new float[] { 0, 10 }, 2, 1, 4, 4, Resize.CROP);
		float[] row = { 1.25f, 3.75f, 6.25f, 8.75f }; // bilinear 2 -> 8 at x = 2..5: source (x + 0.5) / 4 - 0.5
		for (int y = 0; y < 4; y++) assertArrayEquals(row, Arrays.copyOfRange(up, y * 4, y * 4 + 4), 1e-5f);
	}

	@Test
	public void padCentresOnZeroAndScalesDownLargeImages() {
		float[] p = place(new float[] { 1, 2, 3, 4 }, 2, 2, 4, 3, Resize.PAD);
		assertArrayEquals(new float[] { 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0 }, p, 0f);
		// 4x2 into 2x2: scaled by 1/2 to 2x1 (values 5, 25... of the mean rows), placed at y 0 (floor(1/2))
		float[] big = { 0, 10, 20, 30, 0, 10, 20, 30 };
		assertArrayEquals(new float[] { 5, 25, 0, 0 }, place(big, 4, 2, 2, 2, Resize.PAD), 1e-6f);
	}

	@Test
	public void namesParse() {
		assertEquals(Resize.CROP, Resize.fromName(" crop"));
		assertMessage(() -> Resize.fromName("stretch"), "'stretch'");
		assertEquals(EnumSet.of(Augmenter.Op.FLIP, Augmenter.Op.NOISE), Augmenter.parse("flip, noise"));
		assertTrue(Augmenter.parse("none").isEmpty());
		assertMessage(() -> Augmenter.parse("flip zoom"), "'zoom'");
	}

	@Test
	public void splitIsStratifiedAndSeeded() {
		int[] labels = new int[100];
		for (int i = 0; i < 100; i++) labels[i] = i < 60 ? 0 : i < 90 ? 1 : 2;
		List<String> cls = Arrays.asList("a", "b", "c");
		Split s = Split.stratified(labels, cls, 0.2, 7);
		int[] perClass = new int[3];
		for (int i : s.validation()) perClass[labels[i]]++;
		assertArrayEquals(new int[] { 12, 6, 2 }, perClass);
		assertEquals(80, s.train().length);
		int[] both = new int[100];
		for (int i : s.train()) both[i]++;
		for (int i : s.validation()) both[i]++;
		for (int v : both) assertEquals(1, v);
		assertArrayEquals(s.validation(), Split.stratified(labels, cls, 0.2, 7).validation());
		assertFalse(Arrays.equals(s.validation(), Split.stratified(labels, cls, 0.2, 8).validation()));
		assertEquals(0, Split.stratified(labels, cls, 0, 7).validation().length);
		assertEquals(100, Split.stratified(labels, cls, 0, 7).train().length);
		assertMessage(() -> Split.stratified(labels, cls, 0.04, 7), "Class 'c' has only 10 image(s)");
		assertMessage(() -> Split.stratified(labels, cls, 0.04, 7), "no validation example");
		int[] tiny = { 0, 0, 0, 1 };
		assertMessage(() -> Split.stratified(tiny, Arrays.asList("a", "b"), 0.5, 7), "Class 'b' has only 1 image(s)");
		assertMessage(() -> Split.stratified(labels, cls, 1, 7), "must be >= 0 and < 1");
	}

	/** Slices with constant value = slice number; classes alternate. */
	private static StackDataset constants(int n) {
		ImageStack s = new ImageStack(3, 2);
		for (int i = 0; i < n; i++) {
			FloatProcessor fp = new FloatProcessor(3, 2);
			fp.set(i);
			s.addSlice(i % 2 == 0 ? "even" : "odd", fp);
		}
		return new StackDataset(s);
	}

	@Test
	public void normalisationIsFittedOnTheGivenExamplesOnly() {
		StackDataset d = constants(10);
		InputFormat f = new InputFormat(2, 3, 1, Resize.SCALE);
		Normalisation train = NormalisationFitter.fit(d, new int[] { 0, 1, 2, 3 }, f);
		assertEquals(1.5, train.mean(0), 1e-12);
		assertEquals(Math.sqrt(1.25), train.std(0), 1e-12); // population std of 0, 1, 2, 3
		Normalisation all = NormalisationFitter.fit(d, new int[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, f);
		assertEquals(4.5, all.mean(0), 1e-12);
		assertNotEquals(train, all);
		assertEquals(1, NormalisationFitter.fit(d, new int[] { 3 }, f).std(0), 0); // constant: std 1
	}

	@Test
	public void batchesAreNormalisedOneHotAndShuffledPerEpoch() {
		StackDataset d = constants(10);
		InputFormat f = new InputFormat(2, 3, 1, Resize.SCALE);
		Normalisation n = new Normalisation(new double[] { 2 }, new double[] { 4 });
		int[] idx = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
		Batches b = new Batches(d, idx, f, n, 4, true, 11, null);
		assertEquals(3, b.batchCount());
		int[] o1 = b.order(1);
		assertArrayEquals(o1, new Batches(d, idx, f, n, 4, true, 11, null).order(1));
		assertFalse(Arrays.equals(o1, b.order(2)));
		int seen = 0;
		try (Batches.Epoch e = b.epoch(1)) {
			while (e.hasNext()) {
				DataSet ds = e.next();
				int[] rows = e.currentIndices();
				assertArrayEquals(new long[] { rows.length, 1, 2, 3 }, ds.getFeatures().shape());
				for (int r = 0; r < rows.length; r++) {
					assertEquals(o1[seen + r], rows[r]);
					assertEquals((rows[r] - 2) / 4.0, ds.getFeatures().getDouble(r, 0, 1, 2), 1e-6);
					assertEquals(1, ds.getLabels().getDouble(r, d.label(rows[r])), 0);
					assertEquals(0, ds.getLabels().getDouble(r, 1 - d.label(rows[r])), 0);
				}
				seen += rows.length;
			}
		}
		assertEquals(10, seen);
		assertArrayEquals(idx, new Batches(d, idx, f, n, 4, false, 11, null).order(5));
	}

	@Test
	public void augmentationIsSeededPerEpochAndExample() {
		InputFormat f = new InputFormat(4, 4, 1, Resize.SCALE);
		float[] img = new float[16];
		for (int i = 0; i < 16; i++) img[i] = i;
		Augmenter geo = new Augmenter(EnumSet.of(Augmenter.Op.FLIP, Augmenter.Op.ROT90), 3);
		float[] a = img.clone(), b = img.clone(), c = img.clone();
		geo.apply(a, 0, f, 1, 5);
		geo.apply(b, 0, f, 1, 5);
		assertArrayEquals(a, b, 0f);
		float[] sorted = a.clone();
		Arrays.sort(sorted);
		assertArrayEquals(img, sorted, 0f); // flips and quarter turns only move pixels
		boolean differs = false;
		for (int e = 2; e < 10 && !differs; e++) {
			float[] x = img.clone();
			geo.apply(x, 0, f, e, 5);
			differs = !Arrays.equals(x, a);
		}
		assertTrue(differs);
		Augmenter noise = new Augmenter(EnumSet.of(Augmenter.Op.NOISE), 3);
		noise.apply(c, 0, f, 1, 5);
		double sq = 0;
		for (int i = 0; i < 16; i++) sq += (c[i] - img[i]) * (c[i] - img[i]);
		assertTrue(sq > 0 && Math.sqrt(sq / 16) < 5 * Augmenter.NOISE_SIGMA);
	}
}
