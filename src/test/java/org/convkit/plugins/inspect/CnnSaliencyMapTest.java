package org.convkit.plugins.inspect;

import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.ResultsTable;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.net.NdArrays;
import org.convkit.core.cnn.train.Evaluation;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.plugins.cnn.ClassifyWithCnn;
import org.convkit.plugins.support.NamedTables;
import org.convkit.testing.FloatTolerance;
import org.convkit.testing.MacroHarness;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.convkit.plugins.inspect.InspectModels.path;
import static org.junit.Assert.*;

/**
 * CNN Saliency Map... run as a macro, each method against an independent computation: occlusion against Classify
 * with CNN... on the occluded images, the gradient against central finite differences of DL4J's logits (with
 * dropout and batch norm), Grad-CAM and LIME on a model whose class depends on the left half of the image only.
 */
public class CnnSaliencyMapTest {
	@ClassRule
	public static TemporaryFolder shared = new TemporaryFolder();

	static Path synthetic, dropoutBatchNorm, leftHalf;
	static ModelBundle syntheticBundle, dropoutBundle, leftBundle;

	@BeforeClass
	public static void trainModels() throws Exception {
		Path dir = shared.getRoot().toPath();
		synthetic = InspectModels.synthetic(dir, "synthetic.zip", "conv 3x3x4 pad=same; maxpool 2; dense 16");
		dropoutBatchNorm = InspectModels.synthetic(dir, "dropout-bn.zip",
				"conv 3x3x4 pad=same; batchnorm; maxpool 2; dense 16; dropout 0.5");
		// all-convolutional with global average pooling (avgpool 6 over the last 6x6 maps)
		leftHalf = InspectModels.leftHalf(dir, "conv 3x3x16 pad=same; maxpool 2; conv 3x3x16 pad=same; maxpool 2; "
				+ "conv 3x3x16 pad=same; avgpool 6", 6);
		syntheticBundle = ModelBundleIO.read(synthetic);
		dropoutBundle = ModelBundleIO.read(dropoutBatchNorm);
		leftBundle = ModelBundleIO.read(leftHalf);
	}

	private static String options(Path model, String method, String more) {
		return "model=" + path(model) + " method=[" + method + "] " + more;
	}

	private static ImagePlus map(ImagePlus imp, Path model, String method, String more) {
		return MacroHarness.runForNewImage(imp, CnnSaliencyMap.COMMAND, options(model, method, more));
	}

	/** The probability of class c that Classify with CNN... puts in its table for the image. */
	private static double classify(ImagePlus imp, Path model, String label) {
		MacroHarness.run(imp, ClassifyWithCnn.COMMAND, "model=" + path(model) + " target=Image");
		ResultsTable rt = NamedTables.get(ClassifyWithCnn.TABLE);
		return rt.getValue(label, rt.size() - 1);
	}

	@Test
	public void occlusionIsTheDropInTheProbabilityClassifyWithCnnGivesForTheOccludedImage() {
		ImagePlus imp = new ImagePlus("cell.tif", Synthetic.image(0, 16, new Random(21)));
		float[] p = new Predictor(syntheticBundle).predict(imp.getProcessor());
		String label = syntheticBundle.labels().get(Evaluation.argMax(p));
		double p0 = classify(imp, synthetic, label);
		ImagePlus m = map(imp, synthetic, "Occlusion", "patch=4 stride=4");
		InspectModels.assertSize(m, 16, 16, 1);
		int fill = (int) Math.round(syntheticBundle.normalisation().mean(0));
		for (int y0 = 0; y0 < 16; y0 += 4)
			for (int x0 = 0; x0 < 16; x0 += 4) {
				ImagePlus occluded = occlude(imp, x0, y0, 4, fill);
				double drop = p0 - classify(occluded, synthetic, label);
				for (int y = y0; y < y0 + 4; y++)
					for (int x = x0; x < x0 + 4; x++)
						assertEquals(x + "," + y, drop, m.getProcessor().getf(x, y), FloatTolerance.PROBABILITY);
			}
		ResultsTable rt = NamedTables.get(CnnSaliencyMap.TABLE);
		int last = rt.size() - 1;
		assertEquals("Occlusion", rt.getStringValue(CnnSaliencyMap.COL_METHOD, last));
		assertEquals(label, rt.getStringValue(CnnSaliencyMap.COL_CLASS, last));
		assertEquals(p0, rt.getValue(CnnSaliencyMap.COL_PROBABILITY, last), 0);
	}

	@Test
	public void overlappingPatchesOnAnImageOfAnotherSizeAverageTheDropsOfThePatchesCoveringEachPixel() {
		// 22x19, resized by the model's Scale rule; patch 6 moved by 5 (positions 0 5 10 15 16 / 0 5 10 13)
		ImageProcessor ip = Synthetic.image(2, 22, new Random(8)).resize(22, 19);
		ImagePlus imp = new ImagePlus("odd", ip);
		String label = "vbar";
		ImagePlus m = map(imp, synthetic, "Occlusion", "class=vbar patch=6 stride=5");
		InspectModels.assertSize(m, 22, 19, 1);
		double p0 = classify(imp, synthetic, label);
		int[] xs = {0, 5, 10, 15, 16}, ys = {0, 5, 10, 13};
		double[] sum = new double[22 * 19];
		int[] n = new int[22 * 19];
		int fill = (int) Math.round(syntheticBundle.normalisation().mean(0));
		for (int y0 : ys)
			for (int x0 : xs) {
				double drop = p0 - classify(occlude(imp, x0, y0, 6, fill), synthetic, label);
				for (int y = y0; y < y0 + 6; y++)
					for (int x = x0; x < x0 + 6; x++) {
						sum[y * 22 + x] += drop;
						n[y * 22 + x]++;
					}
			}
		for (int i = 0; i < sum.length; i++)
			assertEquals(i + "", sum[i] / n[i], m.getProcessor().getf(i), FloatTolerance.PROBABILITY);
	}

	private static ImagePlus occlude(ImagePlus imp, int x0, int y0, int patch, int fill) {
		ImageProcessor ip = imp.getProcessor().duplicate();
		for (int y = y0; y < y0 + patch; y++)
			for (int x = x0; x < x0 + patch; x++) ip.set(x, y, fill);
		return new ImagePlus("occluded", ip);
	}

	@Test
	public void gradientEqualsFiniteDifferencesOfTheLogitWithDropoutAndBatchNormAndIsDeterministic() {
		ImageProcessor ip = Synthetic.image(1, 16, new Random(12)).convertToFloatProcessor();
		ImagePlus imp = new ImagePlus("g", ip);
		float[] p = new Predictor(dropoutBundle).predict(ip);
		int c = Evaluation.argMax(p);
		ImagePlus g = map(imp, dropoutBatchNorm, "Gradient", "");
		ImagePlus again = map(imp, dropoutBatchNorm, "Gradient", "");
		assertArrayEquals("deterministic (inference mode)", (float[]) g.getProcessor().getPixels(),
				(float[]) again.getProcessor().getPixels(), 0f);
		ImagePlus gx = map(imp, dropoutBatchNorm, "Gradient x Input", "");
		double mean = dropoutBundle.normalisation().mean(0);
		for (int i = 0; i < 256; i++) // |Gradient x Input| = |gradient| * |pixel - mean|
			assertEquals(g.getProcessor().getf(i) * Math.abs(ip.getf(i) - mean), Math.abs(gx.getProcessor().getf(i)),
					1e-5 * g.getProcessor().getf(i) * Math.abs(ip.getf(i) - mean) + 1e-9);
		Random r = new Random(2);
		int close = 0, checked = 24;
		float h = 0.25f; // grey levels (a 32-bit image); small, so that few ReLU or max-pooling switches happen
		for (int k = 0; k < checked; k++) {
			int x = r.nextInt(16), y = r.nextInt(16);
			float v = ip.getf(x, y);
			ip.setf(x, y, v + h);
			double up = logit(dropoutBundle, ip, c);
			ip.setf(x, y, v - h);
			double down = logit(dropoutBundle, ip, c);
			ip.setf(x, y, v);
			double fd = (up - down) / (2 * h);
			boolean magnitude = Math.abs(Math.abs(fd) - g.getProcessor().getf(x, y)) <= 0.03 * Math.abs(fd) + 1e-4;
			boolean sign = Math.signum(gx.getProcessor().getf(x, y)) == Math.signum(fd * (v - mean)) || fd == 0;
			if (magnitude && sign) close++;
		}
		// a ReLU or max-pooling switch within +-h can spoil a finite difference (measured: 0 or 1 of 24)
		assertTrue(close + " of " + checked + " pixels agree with finite differences", close >= checked - 2);
	}

	/** Class c's logit from DL4J's inference pass of the bundle's network, for an image at the model's size. */
	private static double logit(ModelBundle b, ImageProcessor ip, int c) {
		MultiLayerNetwork net = b.network();
		float[] x = (float[]) ip.convertToFloatProcessor().getPixels();
		for (int i = 0; i < x.length; i++) x[i] = (float) b.normalisation().apply(x[i], 0);
		List<INDArray> ff = net.feedForward(NdArrays.array(x, 1, 1, 16, 16), false);
		int out = net.getLayers().length - 1;
		float[] a = NdArrays.floats(ff.get(out), null), w = NdArrays.floats(net.getLayer(out).getParam("W"), null);
		double z = NdArrays.floats(net.getLayer(out).getParam("b"), null)[c];
		int classes = b.labels().size();
		for (int u = 0; u < a.length; u++) z += (double) a[u] * w[u * classes + c];
		return z;
	}

	@Test
	public void gradCamAndLimeOfAModelThatLooksAtTheLeftHalfPutTheirWeightThere() {
		Predictor predictor = new Predictor(leftBundle);
		Random r = new Random(77);
		int right = 0;
		for (int i = 0; i < 45; i++)
			if (Evaluation.argMax(predictor.predict(InspectModels.leftHalfImage(i % 3, r))) == leftBundle.labels()
					.indexOf(InspectModels.HALF_CLASSES[i % 3])) right++;
		assertTrue("the fixture learned the task: " + right + " of 45", right >= 42);
		for (int i = 0; i < 6; i++) {
			ImagePlus imp = new ImagePlus("half-" + i, InspectModels.leftHalfImage(i % 3, new Random(300 + i)));
			ImagePlus cam = map(imp, leftHalf, "Grad-CAM", ""); // the last conv layer
			InspectModels.assertSize(cam, 24, 24, 1);
			double left = 0, all = 0;
			for (int y = 0; y < 24; y++)
				for (int x = 0; x < 24; x++) {
					double v = cam.getProcessor().getf(x, y);
					all += v;
					if (x < 12) left += v;
				}
			// measured 0.90-0.98 on these images
			assertTrue("image " + i + ": Grad-CAM mass in the left half " + left / all, left >= 0.8 * all);
			ImagePlus lime = map(imp, leftHalf, "LIME", "superpixels=30 samples=400 seed=" + i);
			float[] v = (float[]) lime.getProcessor().getPixels();
			float[] top = topValues(v, 2);
			for (int k = 0; k < 2; k++) {
				double cx = 0;
				int n = 0;
				for (int y = 0; y < 24; y++)
					for (int x = 0; x < 24; x++)
						if (v[y * 24 + x] == top[k]) {
							cx += x;
							n++;
						}
				assertTrue("image " + i + ": LIME's superpixel " + (k + 1) + " is centred at x = " + cx / n,
						cx / n < 12);
			}
			cam.close();
			lime.close();
		}
	}

	/** The n largest distinct values, largest first. */
	private static float[] topValues(float[] v, int n) {
		java.util.TreeSet<Float> s = new java.util.TreeSet<>();
		for (float x : v) s.add(x);
		float[] out = new float[n];
		java.util.Iterator<Float> it = s.descendingIterator();
		for (int i = 0; i < n; i++) out[i] = it.next();
		return out;
	}

	@Test
	public void theMapHasTheImagesSizeAndCalibrationAndItsOverlayIsReplacedNotStacked() {
		ImageStack st = new ImageStack(32, 24);
		for (int s = 0; s < 3; s++) st.addSlice("s" + s, Synthetic.image(s, 32, new Random(s)).resize(32, 24));
		ImagePlus imp = new ImagePlus("stack", st);
		imp.getCalibration().pixelWidth = 0.25;
		imp.getCalibration().setUnit("mm");
		imp.setSlice(2);
		ImagePlus m = map(imp, synthetic, "Grad-CAM", "class=hbar layer=conv1");
		InspectModels.assertSize(m, 32, 24, 1);
		assertEquals(0.25, m.getCalibration().pixelWidth, 0);
		assertEquals("mm", m.getCalibration().getUnit());
		assertEquals("stack Grad-CAM hbar", m.getTitle());
		// the current plane: the same map as for that plane alone
		ImagePlus alone = map(new ImagePlus("alone", st.getProcessor(2)), synthetic, "Grad-CAM", "class=hbar layer=conv1");
		assertArrayEquals((float[]) alone.getProcessor().getPixels(), (float[]) m.getProcessor().getPixels(), 0f);
		assertEquals(1, imp.getOverlay().size());
		assertEquals(CnnSaliencyMap.OVERLAY, imp.getOverlay().get(0).getName());
		assertEquals(2, imp.getOverlay().get(0).getPosition());
		map(imp, synthetic, "Gradient", "");
		assertEquals("a new map replaces the old overlay", 1, imp.getOverlay().size());
		ResultsTable rt = NamedTables.get(CnnSaliencyMap.TABLE);
		assertEquals("Gradient", rt.getStringValue(CnnSaliencyMap.COL_METHOD, rt.size() - 1));
		assertEquals(2, rt.getValue(CnnSaliencyMap.COL_SLICE, rt.size() - 1), 0);
		float[] p = new Predictor(syntheticBundle).predict(st.getProcessor(2));
		assertEquals(p[Evaluation.argMax(p)], rt.getValue(CnnSaliencyMap.COL_PROBABILITY, rt.size() - 1), 0);
	}

	@Test
	public void badInputAndHostileNumbersAreClearMessagesAndLeaveImagesAndTablesUntouched() {
		ImagePlus imp = new ImagePlus("cell", Synthetic.image(0, 16, new Random(1)));
		Object pixels = InspectModels.pixels(imp);
		int[] before = InspectModels.ids();
		ResultsTable rt = NamedTables.get(CnnSaliencyMap.TABLE);
		int rows = rt == null ? 0 : rt.size();
		String m = "model=" + path(synthetic);
		MacroHarness.runExpectingError(imp, CnnSaliencyMap.COMMAND, m + " method=Gradient class=cat",
				"The model has no class 'cat'; its classes are disk, hbar, vbar (or Predicted)");
		MacroHarness.runExpectingError(imp, CnnSaliencyMap.COMMAND, m + " method=Occlusion patch=17 stride=2",
				"patch=17 is larger than the image (16x16)");
		MacroHarness.runExpectingError(imp, CnnSaliencyMap.COMMAND, m + " method=Grad-CAM layer=dense1",
				"Grad-CAM needs a layer with feature maps");
		MacroHarness.runExpectingError(imp, CnnSaliencyMap.COMMAND, m + " method=Grad-CAM layer=conv3",
				"no layer 'conv3'");
		MacroHarness.runExpectingError(imp, CnnSaliencyMap.COMMAND, m + " method=Magic", "Unknown method 'Magic'");
		MacroHarness.runExpectingError(imp, CnnSaliencyMap.COMMAND, m + " method=LIME superpixels=300 samples=20",
				"superpixels=300 must be between 2 and 256");
		MacroHarness.runExpectingError(new ImagePlus("rgb", new ColorProcessor(16, 16)), CnnSaliencyMap.COMMAND,
				m + " method=Gradient", "The model expects grayscale (1 channel) images but this image is RGB");
		String[][] hostile = {{"patch", "1", "65536"}, {"stride", "1", "65536"}, {"superpixels", "2", "10000"},
				{"samples", "10", "100000"}};
		for (String[] key : hostile)
			for (String v : new String[] {"0", "-3", "NaN", "Infinity", "1e12", "2.5"})
				MacroHarness.runExpectingError(imp, CnnSaliencyMap.COMMAND, m + " method=Occlusion " + key[0] + "=" + v,
						key[0] + "=" + (v.equals("1e12") ? "1000000000000" : v) + " must be a whole number from "
								+ key[1] + " to " + key[2]);
		for (String v : new String[] {"NaN", "Infinity", "1e30", "0.5"})
			MacroHarness.runExpectingError(imp, CnnSaliencyMap.COMMAND, m + " method=LIME seed=" + v,
					"must be a whole number (a seed)");
		for (String key : new String[] {"patch", "stride", "superpixels", "samples", "seed"})
			MacroHarness.runExpectingError(imp, CnnSaliencyMap.COMMAND, m + " method=LIME " + key + "=many",
					key + "=many is not a number");
		InspectModels.assertSamePixels(pixels, imp);
		assertNull("no overlay", imp.getOverlay());
		assertArrayEquals("no image", before, InspectModels.ids());
		rt = NamedTables.get(CnnSaliencyMap.TABLE);
		assertEquals("no row", rows, rt == null ? 0 : rt.size());
		// negative seeds are seeds
		map(imp, synthetic, "LIME", "superpixels=10 samples=20 seed=-5").close();
	}

	@Test
	public void occlusionAndLimeWorkOnEveryImageType() {
		ImageProcessor base = Synthetic.image(1, 16, new Random(9));
		ImageProcessor[] types = {base, base.convertToShortProcessor(), base.convertToFloatProcessor()};
		float[][] maps = new float[3][];
		for (int t = 0; t < 3; t++) {
			ImagePlus m = map(new ImagePlus("t", types[t]), synthetic, "LIME", "superpixels=12 samples=60 seed=3");
			maps[t] = (float[]) m.getProcessor().getPixels();
			m.close();
		}
		// the same values as 16-bit: the same superpixels, masks, fill value and probabilities
		assertArrayEquals(maps[0], maps[1], 0f);
		// 32-bit: the removed pixels get the exact mean rather than the rounded one; otherwise the same
		assertArrayEquals(maps[0], maps[2], 1e-3f);
	}
}
