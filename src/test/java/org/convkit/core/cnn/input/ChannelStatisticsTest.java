package org.convkit.core.cnn.input;

import org.convkit.testing.Numpy;
import org.junit.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** Percentiles, mean, std and the rules' affines, against numpy and against the formulas they replace. */
public class ChannelStatisticsTest {
	private static final double[] Q = { 0, 1, 3, 37.5, 50, 99.8, 100 };

	/** Float values kept, and a 16-bit plane counted in a histogram: both are numpy's np.percentile. */
	@Test
	public void percentilesAreNumpys() throws Exception {
		Numpy.assume();
		Random r = new Random(5);
		float[] values = new float[10_007];
		for (int i = 0; i < values.length; i++) values[i] = (float) (r.nextGaussian() * 300 + (i % 7 == 0 ? 5000 : 0));
		ChannelStatistics s = new ChannelStatistics(true);
		s.add(values, 0, 4000);
		s.add(values, 4000, values.length - 4000); // in two parts, as examples come
		double[] numpy = Numpy.run("out = np.percentile(a[0].astype(np.float64), " + Arrays.toString(Q) + ")",
				values);
		assertArrayEquals(numpy, s.percentiles(Q), 1e-9);

		short[] plane = new short[257 * 131];
		float[] asFloats = new float[plane.length];
		for (int i = 0; i < plane.length; i++) {
			plane[i] = (short) Math.max(0, Math.min(65535, Math.round(1200 + r.nextGaussian() * 400
					+ (i % 11 == 0 ? 40000 : 0))));
			asFloats[i] = plane[i] & 0xffff;
		}
		ChannelStatistics h = new ChannelStatistics(false);
		h.addShorts(plane);
		numpy = Numpy.run("out = np.percentile(a[0].astype(np.float64), " + Arrays.toString(Q) + ")", asFloats);
		assertArrayEquals("16-bit plane, exact integers above 255", numpy, h.percentiles(Q), 1e-9);
		double[] meanStd = Numpy.run("x = a[0].astype(np.float64); out = [x.mean(), x.std(), x.min(), x.max()]",
				asFloats);
		assertArrayEquals(meanStd, new double[] { h.mean(), h.std(), h.min(), h.max() }, 1e-9);
	}

	/** The same by a plain sort (no python needed): rank q/100·(n−1), linear between neighbours. */
	@Test
	public void percentilesAreThoseOfASortedCopy() {
		float[] v = { 7, -2, 3.5f, 3.5f, 10, 0, 1e4f, -8, 2, 5 };
		float[] sorted = v.clone();
		Arrays.sort(sorted);
		ChannelStatistics s = new ChannelStatistics(true);
		s.add(v, 0, v.length);
		for (double q : Q) {
			double rank = q / 100 * (v.length - 1);
			int lo = (int) Math.floor(rank), hi = Math.min(lo + 1, v.length - 1);
			double expected = sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
			assertEquals("q=" + q, expected, s.percentiles(q)[0], 1e-12);
		}
		assertEquals(-8, s.percentiles(0)[0], 0);
		assertEquals(1e4, s.percentiles(100)[0], 0);
	}

	/** Mean-std through the statistics is bit for bit what NormalisationFitter computed before rules existed. */
	@Test
	public void meanStdIsTheEarlierFittersFormula() {
		Random r = new Random(9);
		float[][] examples = new float[5][64];
		for (float[] e : examples)
			for (int i = 0; i < e.length; i++) e[i] = (float) (r.nextGaussian() * 40 + 700);
		ChannelStatistics s = new ChannelStatistics(false);
		double sum = 0, sumSq = 0;
		for (float[] e : examples) {
			s.add(e, 0, e.length);
			double a = 0, b = 0;
			for (float x : e) {
				a += x;
				b += (double) x * x;
			}
			sum += a;
			sumSq += b;
		}
		double n = 5.0 * 64, mean = sum / n, std = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
		double[] affine = NormalisationRule.MEAN_STD.affine(s);
		assertEquals(mean, affine[0], 0);
		assertEquals(std, affine[1], 0);
	}

	/** Every rule on a constant image: scale 1, so the normalised image is 0 everywhere and nowhere NaN. */
	@Test
	public void aConstantImageNormalisesToZeroUnderEveryRule() {
		float[] constant = new float[100];
		Arrays.fill(constant, 1234);
		InputFormat f = new InputFormat(10, 10, 1, Resize.SCALE);
		for (NormalisationRule.Method m : NormalisationRule.Method.values()) {
			NormalisationRule rule = new NormalisationRule(m, NormalisationRule.Per.IMAGE, 1, 99.8);
			float[] data = constant.clone();
			ImageTensor.normalise(data, 0, f, Normalisation.identity(rule, 1));
			for (float v : data) {
				assertTrue(m + ": " + v, !Float.isNaN(v));
				assertEquals(m + "", m == NormalisationRule.Method.NONE ? 1234 : 0, v, 0);
			}
		}
	}

	@Test
	public void percentilesOutOfOrderOrOutsideZeroToHundredAreRefused() {
		double[][] bad = { { 99.8, 1 }, { 5, 5 }, { -1, 50 }, { 1, 100.5 }, { Double.NaN, 99 }, { 1,
				Double.POSITIVE_INFINITY } };
		for (double[] b : bad) {
			try {
				new NormalisationRule(NormalisationRule.Method.PERCENTILE, NormalisationRule.Per.DATASET, b[0], b[1]);
				fail("accepted low=" + b[0] + " high=" + b[1]);
			} catch (IllegalArgumentException e) {
				assertTrue(e.getMessage(), e.getMessage().contains("percentile"));
			}
		}
	}

	/** Percentile per Dataset maps the low percentile to 0 and the high one to 1. */
	@Test
	public void percentileAffineMapsLowToZeroAndHighToOne() {
		float[] v = new float[1001];
		for (int i = 0; i < v.length; i++) v[i] = i * 2; // 0..2000: percentile q is 20·q
		ChannelStatistics s = new ChannelStatistics(true);
		s.add(v, 0, v.length);
		NormalisationRule rule = new NormalisationRule(NormalisationRule.Method.PERCENTILE,
				NormalisationRule.Per.DATASET, 3, 99.8);
		Normalisation n = Normalisation.fitted(rule, new ChannelStatistics[] { s });
		assertEquals(60, n.mean(0), 1e-9);
		assertEquals(1996 - 60, n.std(0), 1e-9);
		assertEquals(0, n.apply(60, 0), 1e-12);
		assertEquals(1, n.apply(1996, 0), 1e-12);
	}
}
