package org.convkit.plugins.filters;

import ij.ImagePlus;
import ij.plugin.filter.Convolver;
import ij.process.FloatProcessor;
import org.convkit.core.kernel.Kernel;
import org.convkit.core.kernel.KernelParser;
import org.convkit.testing.MacroHarness;
import org.junit.Test;

import java.util.Random;

import static org.junit.Assert.assertEquals;

/** Apply Kernel with border=Replicate equals ImageJ's own Convolver (which replicates edges), normalize off. */
public class ConvolverReferenceTest {
	private static void compare(int kw, int kh, long seed) {
		Random r = new Random(seed);
		int w = 61, h = 47;
		FloatProcessor fp = new FloatProcessor(w, h);
		for (int i = 0; i < w * h; i++) fp.setf(i, r.nextFloat() * 100 - 20);
		float[] kernel = new float[kw * kh];
		double[] kd = new double[kernel.length];
		for (int i = 0; i < kernel.length; i++) {
			kernel[i] = (float) r.nextGaussian();
			kd[i] = kernel[i];
		}
		String text = KernelParser.format(new Kernel(kw, kh, kd), ";");
		FloatProcessor reference = (FloatProcessor) fp.duplicate();
		Convolver c = new Convolver();
		c.setNormalize(false);
		c.convolve(reference, kernel, kw, kh);
		ImagePlus imp = new ImagePlus("mine", fp);
		MacroHarness.run(imp, ApplyKernel.COMMAND, "kernel=[" + text + "] border=Replicate");
		for (int i = 0; i < w * h; i++) {
			float e = reference.getf(i);
			assertEquals(kw + "x" + kh + " at " + i, e, fp.getf(i), 1e-4 * Math.max(1, Math.abs(e)));
		}
	}

	@Test
	public void square5x5() {
		compare(5, 5, 21);
	}

	@Test
	public void rectangular7x3() {
		compare(7, 3, 22);
	}

	@Test
	public void large15x15() {
		compare(15, 15, 23);
	}
}
