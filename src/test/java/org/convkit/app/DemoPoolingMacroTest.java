package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.spec.Padding;
import org.convkit.core.filter.Pooling;
import org.convkit.core.filter.WindowGrid;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Path;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

/**
 * macros/demo-pooling.ijm (the README's pooling figure), run as {@code ./convkit --headless} runs it: the input and
 * each pooled result appear at true size, pixel for pixel. With {@code -Dconvkit.update.docs=true} it writes
 * docs/images/pooling.png.
 */
public class DemoPoolingMacroTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@Test
	public void figureShowsTheInputAndEachPooledResult() throws Exception {
		Path png = Boolean.getBoolean("convkit.update.docs")
				? HeadlessProcess.basedir().resolve("docs/images/pooling.png") : tmp.getRoot().toPath().resolve("p.png");
		HeadlessProcess.Result r = HeadlessProcess.run(HeadlessProcess.basedir().resolve("macros/demo-pooling.ijm"),
				png.toString());
		assertEquals(r.toString(), 0, r.exitCode);
		ImagePlus figure = IJ.openImage(png.toString());
		assertNotNull("no figure written:\n" + r, figure);
		ImageProcessor canvas = figure.getProcessor().convertToByte(false);
		ImagePlus cells = IJ.openImage(HeadlessProcess.basedir().resolve("sample-images/cells-8bit.tif").toString());
		float[] in = (float[]) cells.getProcessor().convertToFloatProcessor().getPixels();
		int n = cells.getWidth(), from = 0;
		from = find(canvas, in, n, n, from) + n;
		Object[][] cases = {{Pooling.Method.MAX, 2, 2, Padding.VALID}, {Pooling.Method.AVERAGE, 3, 2, Padding.SAME},
				{Pooling.Method.MAX, 4, 4, Padding.VALID}};
		for (Object[] c : cases) {
			WindowGrid[] g = Pooling.grids(n, n, (int) c[1], (int) c[2], (Padding) c[3]);
			float[] pooled = Pooling.apply(in, (Pooling.Method) c[0], g[0], g[1]);
			for (int i = 0; i < pooled.length; i++) pooled[i] = Math.round(pooled[i]); // 8-bit result
			from = find(canvas, pooled, g[0].out, g[1].out, from) + g[0].out;
		}
	}

	/** The x where the w × h image sits at y = 10 on the canvas, searching from x = from. */
	private static int find(ImageProcessor canvas, float[] img, int w, int h, int from) {
		for (int x = from; x + w <= canvas.getWidth(); x++) {
			boolean same = true;
			for (int y = 0; y < h && same; y++)
				for (int i = 0; i < w && same; i++) same = canvas.get(x + i, 10 + y) == (int) img[y * w + i];
			if (same) return x;
		}
		throw new AssertionError("a " + w + "x" + h + " panel is not on the figure after x = " + from);
	}
}
