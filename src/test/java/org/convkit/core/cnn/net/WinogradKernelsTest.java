package org.convkit.core.cnn.net;

import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.FloatPointer;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.runtime.CpuFeatures;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.testing.Prerequisites;
import org.junit.Before;
import org.junit.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Random;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

/**
 * {@link WinogradKernels} (src/main/c/winograd_f43*) against convolutions summed in double precision by hand, forward
 * (bias, with and without ReLU), backward to the input and the weight and bias gradients, on images whose sides are
 * not multiples of the 4×4 tiles and channel counts that leave the products' 16-column blocks (and the weight
 * gradient's 6-row blocks) a remainder; NaN kept; any thread count the same bits; the geometries and layouts it leaves
 * to oneDNN; the loading rule; in the block, Small VGG's steps against oneDNN's kernels.
 * <p>
 * Tolerance: Winograd's transforms multiply by up to 5 (input) and 8 (output) and sum 36 products per tile, so its
 * rounding error is about ten times a direct sum's; at Small VGG's sizes it measured 4–7 millionths of the largest
 * output against oneDNN's direct kernel (docs/benchmarks.md), and the weight gradient 3 millionths of the largest
 * against double sums (8 images of 96×96, 32 channels in and out). 3e-5 of the largest reference value leaves room for
 * other sizes and processors; a wrong tap, tile offset or transform constant is off by a whole term (tens of percent).
 */
public class WinogradKernelsTest {
	private static final double TOLERANCE = 3e-5;
	private final Dnnl dnnl = Dnnl.get();

	@Before
	public void theLibraryIsHere() {
		// this machine's build has it wherever gcc was (CI installs it); elsewhere the block runs oneDNN's kernels
		Prerequisites.require("ConvKit's native Winograd kernels (" + WinogradKernels.refusal() + ")",
				WinogradKernels.available());
	}

	@Test
	public void smallVggsInnerLayers() {
		check(2, 32, 32, 12, 12);
		check(1, 32, 64, 8, 8);
		check(1, 64, 64, 8, 12);
	}

	/**
	 * The weight gradient of a large layer, 576 tiles an image in 8 groups, 5 images in 5 parts on 2 threads, a ReLU's
	 * output for input as in training: the sums over groups and parts (measured 3e-6 of the largest at 8 images).
	 */
	@Test
	public void weightGradientOverManyTilesAndParts() {
		Case c = new Case(5, 32, 32, 96, 96, 5);
		for (int i = 0; i < c.src.length; i++)
			c.src[i] = Math.max(0, c.src[i]);
		float[][] got = c.run(2);
		double[][] want = c.weightReference();
		near("weight gradient", want[0], got[3]);
		near("bias gradient", want[1], got[4]);
	}

	@Test
	public void sidesThatAreNotMultiplesOfTheTilesAndRemainderColumns() {
		check(3, 16, 24, 13, 7); // edge tiles in both directions; 24 outputs: one 16-column block and 8 left
		check(2, 24, 8, 5, 9); // 8 outputs: no 16-column block at all
		check(1, 8, 40, 3, 3); // one tile, mostly padding
		check(1, 8, 16, 1, 1); // a single pixel: only the kernel's centre meets the image
		check(7, 8, 8, 4, 4); // 7 images: the products' rows in blocks of 6 and one left
	}

	@Test
	public void anyThreadCountGivesTheSameBits() {
		// 11 images: the weight gradient's 8 parts of 1 or 2 images, 4 + 4 and 3 + 3 + 2 parts a thread
		Case c = new Case(11, 16, 24, 10, 9, 11);
		float[][] one = c.run(1), two = c.run(2), three = c.run(3);
		for (int k = 0; k < one.length; k++) {
			assertArrayEquals("2 threads, output " + k, one[k], two[k], 0f);
			assertArrayEquals("3 threads, output " + k, one[k], three[k], 0f);
		}
	}

	/**
	 * A NaN pixel or error is never lost: every output and gradient the direct sums make NaN is NaN here too (tiles
	 * spread it further: a NaN error reaches all 9 taps of its channel's kernels, also those the padding's zeros meet).
	 */
	@Test
	public void nanInTheInputStaysNan() {
		Case c = new Case(2, 8, 16, 9, 9, 13);
		c.src[c.at(1, 3, 4, 5, 8, 9, 9)] = Float.NaN;
		c.diffDst[c.at(0, 10, 0, 8, 16, 9, 9)] = Float.NaN;
		float[][] got = c.run(1);
		double[][] grads = c.weightReference();
		double[][] want = { c.forwardReference(false), c.backwardReference(), grads[0], grads[1],
				c.backwardReference() };
		int[] output = { 0, 2, 3, 4, 5 }; // the masked backward pass keeps NaN where the mask is 0, as oneDNN's
		int nans = 0;
		for (int k = 0; k < want.length; k++)
			for (int i = 0; i < want[k].length; i++)
				if (Double.isNaN(want[k][i])) {
					nans++;
					assertTrue("output " + output[k] + " at " + i, Float.isNaN(got[output[k]][i]));
				}
		// the 3×3 neighbourhoods of both NaNs (16 + 8 channels); the pixel's input channel in all 16 kernels' 9 taps,
		// the error's 8 kernels' 4 taps that meet the image (4 of them counted already); the error's bias; the error's
		// neighbourhood again, masked
		assertEquals(9 * 16 + 4 * 8 + 16 * 9 + 8 * 4 - 4 + 1 + 4 * 8, nans);
	}

	/**
	 * The kernels are made again only when the weights changed, found bit for bit: the same weights again (as in
	 * classification) reuse them; one weight changed by its last bit, or -0.0 for 0.0, or to 1.5, makes them again.
	 */
	@Test
	public void kernelsAreMadeAgainOnlyForOtherWeights() {
		Case c = new Case(1, 8, 8, 4, 4, 5);
		c.weights[40] = 0f;
		FusedBlockShape.Geometry g = geometry(1, 8, 8, 4, 4, 3, 1, 1);
		memory.desc desc = Dnnl.desc(new long[] { 1, 8, 4, 4 }, memory.format_tag.nChw8c);
		WinogradKernels k = WinogradKernels.of(g, desc, desc, false, false);
		memory src = c.filled(desc, c.src), w = c.filled(Dnnl.desc(new long[] { 8, 8, 3, 3 }, memory.format_tag.oihw),
				c.weights), b = c.filled(Dnnl.desc(new long[] { 8 }, memory.format_tag.x), c.bias), dst = c.filled(desc,
						null);
		FloatPointer weights = new FloatPointer(w.get_data_handle()).capacity(8 * 8 * 9);
		int[] made = new int[6];
		float[][] out = new float[6][];
		for (int call = 0; call < 6; call++) {
			if (call == 2) weights.put(7, Math.nextUp(weights.get(7)));
			if (call == 4) weights.put(40, -0f);
			if (call == 5) weights.put(7, 1.5f);
			k.forward(Dnnl.address(src), Dnnl.address(w), Dnnl.address(b), Dnnl.address(dst), false);
			made[call] = k.forwardKernelsMade();
			out[call] = TestMemories.floats(dst);
		}
		assertArrayEquals("made at the first call, after the last-bit change, after -0.0 and after 1.5",
				new int[] { 1, 1, 2, 2, 3, 4 }, made);
		assertArrayEquals(out[0], out[1], 0f);
		weights.get(c.weights);
		near("with the last weights", c.forwardReference(false), out[5]);
	}

	/**
	 * The weight gradient's accumulators (36 values per kernel a part) stay within their budget for wide layers: fewer
	 * parts, never fewer than one; none for classification. Layers whose transformed kernels would pass theirs are
	 * left to oneDNN.
	 */
	@Test
	public void wideLayersSumTheirWeightGradientInFewerParts() {
		assertEquals(8, of(geometry(64, 64, 64, 8, 8, 3, 1, 1), memory.format_tag.nChw8c).weightParts());
		assertEquals(3, of(geometry(3, 64, 64, 8, 8, 3, 1, 1), memory.format_tag.nChw8c).weightParts());
		assertEquals(7, of(geometry(64, 256, 256, 4, 4, 3, 1, 1), memory.format_tag.nChw8c).weightParts());
		assertEquals(1, of(geometry(64, 512, 512, 4, 4, 3, 1, 1), memory.format_tag.nChw8c).weightParts());
		// the kernels just within their 64 MB, a part's accumulator (with the bias's sums) just beyond: still one part
		assertEquals(1, of(geometry(64, 8, 58248, 1, 1, 3, 1, 1), memory.format_tag.nChw8c).weightParts());
		assertNotNull(of(geometry(64, 680, 680, 1, 1, 3, 1, 1), memory.format_tag.nChw8c));
		// wider: the transformed kernels alone would pass 64 MB; oneDNN's kernels keep such layers
		assertNull(of(geometry(64, 688, 688, 4, 4, 3, 1, 1), memory.format_tag.nChw8c));
		assertNull(of(geometry(1, 1024, 1024, 4, 4, 3, 1, 1), memory.format_tag.nChw8c));
		FusedBlockShape.Geometry g = geometry(64, 64, 64, 8, 8, 3, 1, 1);
		memory.desc d = Dnnl.desc(new long[] { 64, 64, 8, 8 }, memory.format_tag.nChw8c);
		assertEquals(0, WinogradKernels.of(g, d, d, false, false).weightParts());
	}

	@Test
	public void leavesOtherGeometriesAndLayoutsToOneDnn() {
		assertNotNull(of(geometry(2, 8, 8, 6, 6, 3, 1, 1), memory.format_tag.nChw8c));
		assertNull("5×5", of(geometry(2, 8, 8, 6, 6, 5, 1, 2), memory.format_tag.nChw8c));
		assertNull("stride 2", of(new FusedBlockShape.Geometry(2, 8, 6, 6, 8, 3, 3, 3, 3, 2, 2, 1, 1),
				memory.format_tag.nChw8c));
		assertNull("no padding", of(geometry(2, 8, 8, 6, 6, 3, 1, 0), memory.format_tag.nChw8c));
		assertNull("3 input channels", of(geometry(2, 3, 8, 6, 6, 3, 1, 1), memory.format_tag.nChw8c));
		assertNull("20 output channels", of(geometry(2, 8, 20, 6, 6, 3, 1, 1), memory.format_tag.nChw8c));
		assertNull("blocks of 16 (AVX-512's)", of(geometry(2, 16, 16, 6, 6, 3, 1, 1), memory.format_tag.nChw16c));
		assertNull("channels last", of(geometry(2, 8, 8, 6, 6, 3, 1, 1), memory.format_tag.nhwc));
		FusedBlockShape.Geometry g = geometry(2, 8, 8, 6, 6, 3, 1, 1);
		assertNull("input and output in different layouts", WinogradKernels.of(g,
				Dnnl.desc(new long[] { 2, 8, 6, 6 }, memory.format_tag.nChw8c),
				Dnnl.desc(new long[] { 2, 8, 6, 6 }, memory.format_tag.nchw), true, true));
	}

	/** Linux x86-64 with AVX2 and FMA only, and only when the build holds the library. */
	@Test
	public void loadsOnlyWhereTheProcessorRunsIt() {
		assertNull(WinogradKernels.refusal(CpuFeatures.Level.AVX2, "Linux", "amd64", true));
		assertNull(WinogradKernels.refusal(CpuFeatures.Level.AVX512, "Linux", "x86_64", true));
		assertNotNull(WinogradKernels.refusal(CpuFeatures.Level.GENERIC, "Linux", "amd64", true));
		assertNotNull(WinogradKernels.refusal(CpuFeatures.Level.AVX2, "Mac OS X", "x86_64", true));
		assertNotNull(WinogradKernels.refusal(CpuFeatures.Level.AVX2, "Windows 10", "amd64", true));
		assertNotNull(WinogradKernels.refusal(CpuFeatures.Level.AVX2, "Linux", "aarch64", true));
		assertNotNull(WinogradKernels.refusal(CpuFeatures.Level.AVX2, "Linux", "amd64", false));
	}

	/** A damaged or missing library file gives a reason, not a crash: the block then runs oneDNN's kernels. */
	@Test
	public void aDamagedOrMissingLibraryIsRefusedWithAReason() throws Exception {
		java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("convkit-winograd-test");
		java.nio.file.Path damaged = dir.resolve("libdamaged.so"), empty = dir.resolve("libempty.so");
		java.nio.file.Files.write(damaged, "\u007fELF but not a library".getBytes("UTF-8"));
		java.nio.file.Files.write(empty, new byte[0]);
		for (java.nio.file.Path p : new java.nio.file.Path[] { damaged, empty, dir.resolve("missing.so") }) {
			String why = WinogradKernels.loadFrom(p.toUri().toURL());
			assertNotNull(p.toString(), why);
			assertTrue(why, why.startsWith("the library did not load: "));
		}
	}

	/** {@code false} keeps oneDNN's kernels; {@code true} forces these; unset or anything else: not where AVX-512. */
	@Test
	public void theSwitch() {
		String was = System.getProperty(WinogradKernels.PROPERTY);
		try {
			for (String off : new String[] { "false", " FALSE " }) {
				System.setProperty(WinogradKernels.PROPERTY, off);
				assertFalse(off, WinogradKernels.wanted("jit:avx2"));
			}
			System.setProperty(WinogradKernels.PROPERTY, "True");
			assertTrue(WinogradKernels.wanted("jit:avx512_core"));
			for (String auto : new String[] { "", "0", "NaN", "-1", "yes" }) {
				System.setProperty(WinogradKernels.PROPERTY, auto);
				assertTrue(auto, WinogradKernels.wanted("jit:avx2"));
				assertFalse(auto, WinogradKernels.wanted("jit:avx512_core"));
				assertFalse(auto, WinogradKernels.wanted("jit_wino_4x3:avx512_core"));
			}
		} finally {
			SystemPropertyRule.restore(WinogradKernels.PROPERTY, was);
		}
	}

	/**
	 * Small VGG trains through the block with these kernels as with oneDNN's: the first step's gradients (the same
	 * parameters and batch) agree within the kernels' rounding, layer by layer, and the losses of three steps agree.
	 * The kernels take the inner 3×3 layers where oneDNN lays the block out in blocks of 8 channels (AVX2: CI's
	 * narrowed pass); with AVX-512's blocks of 16 no layer takes them, and both networks run the same kernels.
	 */
	@Test
	public void smallVggTrainsAsWithOneDnnsKernels() {
		String spec = NetworkSpec.SMALL_VGG_SPEC.replace("; dropout 0.5", "");
		// plain SGD without L2: what DL4J leaves in the gradient array after a step is the gradient times the rate
		// (Adam's first step would leave about ±rate for every weight, whatever the gradient's size)
		TrainingSettings sgd = TrainingSettings.DEFAULTS.withOptimizer(Optimizer.SGD).withLearningRate(0.01).withL2(0);
		TrainableNetwork a = NetworkBuilder.network(NetworkSpec.parse(spec), 16, 16, 3, 4, sgd),
				b = NetworkBuilder.network(NetworkSpec.parse(spec), 16, 16, 3, 4, sgd);
		FastTraining fa = FastTraining.on(a), fb = FastTraining.on(b);
		String was = System.getProperty(WinogradKernels.PROPERTY);
		try {
			for (int step = 0; step < 3; step++) {
				DataSet batch = RandomBatch.of(80 + step, 8, 3, 16, 16, 4);
				System.clearProperty(WinogradKernels.PROPERTY);
				a.fit(batch);
				System.setProperty(WinogradKernels.PROPERTY, "false");
				b.fit(batch);
				if (step == 0) sameGradients(a, b);
				assertEquals("loss, step " + step, b.score(), a.score(), 1e-4 * Math.abs(b.score()));
			}
			FusedConvStack native_ = ((FusedLayers.Convolution) a.getLayers()[0]).stack(),
					oneDnn = ((FusedLayers.Convolution) b.getLayers()[0]).stack();
			assertEquals(3, native_.steps);
			boolean blocksOf8 = !String.join(",", oneDnn.forwardImplementations()).contains("avx512");
			assertEquals(blocksOf8 ? "[1, 3, 4]" : "[]", native_.nativeWinogradLayers().toString());
			assertEquals("[]", oneDnn.nativeWinogradLayers().toString());
		} finally {
			SystemPropertyRule.restore(WinogradKernels.PROPERTY, was);
			fa.off();
			fb.off();
		}
	}

	private static void sameGradients(TrainableNetwork a, TrainableNetwork b) {
		float[] ga = NdArrays.floats(a.getGradientsViewArray(), null),
				gb = NdArrays.floats(b.getGradientsViewArray(), null);
		int from = 0;
		for (int layer = 0; layer < a.getnLayers(); layer++) {
			int to = from + (int) a.getLayer(layer).numParams();
			float largest = 0;
			for (int i = from; i < to; i++)
				largest = Math.max(largest, Math.abs(gb[i]));
			// 8 images of 16×16: measured within 3.5e-6 of each layer's largest, the convolutions' rounding summed
			for (int i = from; i < to; i++)
				assertEquals("layer " + layer + ", gradient " + i, gb[i], ga[i], TOLERANCE * largest);
			from = to;
		}
		assertEquals(ga.length, from);
	}

	private static WinogradKernels of(FusedBlockShape.Geometry g, memory.format_tag tag) {
		return WinogradKernels.of(g, Dnnl.desc(new long[] { g.batch, g.in, g.inH, g.inW }, tag),
				Dnnl.desc(new long[] { g.batch, g.out, g.outH, g.outW }, tag), true, true);
	}

	/** A square {@code k}×{@code k} convolution of stride {@code s} and padding {@code p} on every side. */
	private static FusedBlockShape.Geometry geometry(int n, int in, int out, int h, int w, int k, int s, int p) {
		return new FusedBlockShape.Geometry(n, in, h, w, out, (h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1, k, k, s,
				s, p, p);
	}

	private void check(int n, int in, int out, int h, int w) {
		Case c = new Case(n, in, out, h, w, 31L * n + 7L * in + out + h * 5L + w);
		float[][] got = c.run(1);
		String what = n + "x" + in + "->" + out + " " + h + "x" + w;
		near(what + ", forward with ReLU", c.forwardReference(true), got[0]);
		near(what + ", forward without ReLU", c.forwardReference(false), got[1]);
		near(what + ", backward to the input", c.backwardReference(), got[2]);
		double[][] grads = c.weightReference();
		near(what + ", weight gradient", grads[0], got[3]);
		near(what + ", bias gradient", grads[1], got[4]);
		maskedAsOneDnn(what, c, got[2], got[5]);
	}

	/**
	 * The backward pass with the ReLU backprop of the layer below: its own result times 1 where the ReLU's output is
	 * above 0 and times 0 elsewhere (0.0, -0.0, below 0 and NaN), bit for bit, as oneDNN's ReLU backprop multiplies:
	 * a negative error gives -0.0.
	 */
	private static void maskedAsOneDnn(String what, Case c, float[] plain, float[] masked) {
		int kept = 0;
		for (int i = 0; i < plain.length; i++) {
			float want = c.mask[i] > 0 ? plain[i] : plain[i] * 0f;
			kept += c.mask[i] > 0 ? 1 : 0;
			assertEquals(what + ", masked backward at " + i, Float.floatToRawIntBits(want),
					Float.floatToRawIntBits(masked[i]));
		}
		assertTrue(what + ": some kept, some not", kept > 0 && kept < plain.length);
	}

	private static void near(String what, double[] want, float[] got) {
		double largest = 0;
		for (double v : want)
			largest = Math.max(largest, Math.abs(v));
		assertTrue(what + ": a reference of zeros tests nothing", largest > 0.1);
		for (int i = 0; i < want.length; i++)
			assertEquals(what + " at " + i, want[i], got[i], TOLERANCE * largest);
	}

	/** One seeded problem: input, weights, bias and an output error, in nChw8c (as the block holds them) and oihw. */
	private final class Case {
		final int n, in, out, h, w;
		final float[] src, weights, bias, diffDst;
		/** A ReLU's output below (as the input's layout) for the masked backward pass: above 0, 0, -0.0, below, NaN. */
		final float[] mask;

		Case(int n, int in, int out, int h, int w, long seed) {
			this.n = n;
			this.in = in;
			this.out = out;
			this.h = h;
			this.w = w;
			Random r = new Random(seed);
			src = gaussian(r, n * in * h * w, 1);
			weights = gaussian(r, out * in * 9, 0.2f);
			bias = gaussian(r, out, 0.5f);
			diffDst = gaussian(r, n * out * h * w, 1);
			float[] special = { 0f, -0f, -1f, Float.NaN };
			mask = gaussian(r, n * in * h * w, 1);
			for (int i = 0; i < mask.length; i++)
				if (mask[i] < 0) mask[i] = special[i % special.length]; // half above 0, the rest of four kinds
		}

		/** The index of (image, channel, y, x) in nChw8c of {@code c} channels. */
		int at(int image, int channel, int y, int x, int c, int height, int width) {
			return ((((image * (c / 8) + channel / 8) * height + y) * width + x) * 8) + channel % 8;
		}

		double[] forwardReference(boolean relu) {
			double[] o = new double[n * out * h * w];
			for (int i = 0; i < n; i++)
				for (int oc = 0; oc < out; oc++)
					for (int y = 0; y < h; y++)
						for (int x = 0; x < w; x++) {
							double s = bias[oc];
							for (int ic = 0; ic < in; ic++)
								for (int ky = 0; ky < 3; ky++)
									for (int kx = 0; kx < 3; kx++) {
										int yy = y + ky - 1, xx = x + kx - 1;
										if (yy >= 0 && yy < h && xx >= 0 && xx < w)
											s += (double) weights[((oc * in + ic) * 3 + ky) * 3 + kx]
													* src[at(i, ic, yy, xx, in, h, w)];
									}
							o[at(i, oc, y, x, out, h, w)] = relu && s < 0 ? 0 : s;
						}
			return o;
		}

		double[] backwardReference() {
			double[] o = new double[n * in * h * w];
			for (int i = 0; i < n; i++)
				for (int ic = 0; ic < in; ic++)
					for (int y = 0; y < h; y++)
						for (int x = 0; x < w; x++) {
							double s = 0;
							for (int oc = 0; oc < out; oc++)
								for (int ky = 0; ky < 3; ky++)
									for (int kx = 0; kx < 3; kx++) {
										int yy = y - ky + 1, xx = x - kx + 1; // the output pixels this input reached
										if (yy >= 0 && yy < h && xx >= 0 && xx < w)
											s += (double) weights[((oc * in + ic) * 3 + ky) * 3 + kx]
													* diffDst[at(i, oc, yy, xx, out, h, w)];
									}
							o[at(i, ic, y, x, in, h, w)] = s;
						}
			return o;
		}

		/** The weight gradient [out][in][3][3] and the bias's [out], summed over every image and pixel. */
		double[][] weightReference() {
			double[] dw = new double[out * in * 9], db = new double[out];
			for (int i = 0; i < n; i++)
				for (int oc = 0; oc < out; oc++)
					for (int y = 0; y < h; y++)
						for (int x = 0; x < w; x++) {
							double e = diffDst[at(i, oc, y, x, out, h, w)];
							db[oc] += e;
							for (int ic = 0; ic < in; ic++)
								for (int ky = 0; ky < 3; ky++)
									for (int kx = 0; kx < 3; kx++) {
										int yy = y + ky - 1, xx = x + kx - 1;
										if (yy >= 0 && yy < h && xx >= 0 && xx < w)
											dw[((oc * in + ic) * 3 + ky) * 3 + kx] += e * src[at(i, ic, yy, xx, in, h,
													w)];
									}
						}
			return new double[][] { dw, db };
		}

		/**
		 * Forward with ReLU, forward without, backward to the input, the weight gradient and the bias's, backward to
		 * the input with the ReLU backprop of {@link #mask}; on {@code threads} compute threads.
		 */
		float[][] run(int threads) {
			FusedBlockShape.Geometry g = geometry(n, in, out, h, w, 3, 1, 1);
			memory.desc srcDesc = Dnnl.desc(new long[] { n, in, h, w }, memory.format_tag.nChw8c),
					dstDesc = Dnnl.desc(new long[] { n, out, h, w }, memory.format_tag.nChw8c);
			WinogradKernels k = WinogradKernels.of(g, srcDesc, dstDesc, true, true);
			assertNotNull(k);
			memory mSrc = filled(srcDesc, src), mW = filled(Dnnl.desc(new long[] { out, in, 3, 3 },
					memory.format_tag.oihw), weights), mB = filled(Dnnl.desc(new long[] { out }, memory.format_tag.x),
							bias), mDiffDst = filled(dstDesc, diffDst);
			memory relu = filled(dstDesc, null), plain = filled(dstDesc, null), diffSrc = filled(srcDesc, null),
					dw = filled(Dnnl.desc(new long[] { out, in, 3, 3 }, memory.format_tag.oihw), null),
					db = filled(Dnnl.desc(new long[] { out }, memory.format_tag.x), null),
					masked = filled(srcDesc, null), reluBelow = filled(srcDesc, mask);
			try (ComputeThreads.Scope s = ComputeThreads.use(threads)) {
				k.forward(Dnnl.address(mSrc), Dnnl.address(mW), Dnnl.address(mB), Dnnl.address(relu), true);
				k.forward(Dnnl.address(mSrc), Dnnl.address(mW), Dnnl.address(mB), Dnnl.address(plain), false);
				k.backwardData(Dnnl.address(mDiffDst), Dnnl.address(mW), Dnnl.address(diffSrc), 0);
				k.weightGradient(Dnnl.address(mSrc), Dnnl.address(mDiffDst), Dnnl.address(dw), Dnnl.address(db));
				k.backwardData(Dnnl.address(mDiffDst), Dnnl.address(mW), Dnnl.address(masked),
						Dnnl.address(reluBelow));
			}
			return new float[][] { TestMemories.floats(relu), TestMemories.floats(plain),
					TestMemories.floats(diffSrc), TestMemories.floats(dw), TestMemories.floats(db),
					TestMemories.floats(masked) };
		}

		/** A memory of {@code desc} holding {@code values}, or NaN (a value the kernels do not write shows). */
		memory filled(memory.desc desc, float[] values) {
			return values == null ? TestMemories.nan(dnnl, desc) : TestMemories.filled(dnnl, desc, values);
		}
	}

	private static float[] gaussian(Random r, int count, float scale) {
		float[] v = new float[count];
		for (int i = 0; i < count; i++)
			v[i] = (float) r.nextGaussian() * scale;
		return v;
	}
}
