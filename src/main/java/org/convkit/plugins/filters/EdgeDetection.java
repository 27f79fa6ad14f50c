package org.convkit.plugins.filters;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.Roi;
import ij.plugin.PlugIn;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.edges.EdgeDetector;
import org.convkit.plugins.support.CommandEnvironment;
import org.convkit.core.edges.EdgeParams;
import org.convkit.core.edges.EightBitScaling;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.FieldValues;
import org.convkit.plugins.support.MacroValues;

import java.awt.Rectangle;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Plugins › ConvKit › Filters › Edge Detection...: OpenCV Canny, Sobel, Scharr or Laplacian into a NEW image
 * ("title-canny", "title-sobel-x", ...), for the current plane or, with {@code stack}, every plane (in parallel;
 * Esc stops). Canny gives 8-bit 0/255 from an 8-bit version of the plane ({@link EightBitScaling} with the display
 * range); the gradients are 32-bit on the raw values (RGB: on the gray conversion). An area selection crops the
 * result to its bounding rectangle (neighbours outside it are still used).
 */
public class EdgeDetection implements PlugIn {
	public static final String COMMAND = "Edge Detection...";
	public static final String KEY_METHOD = "method", KEY_LOW = "low", KEY_HIGH = "high", KEY_APERTURE = "aperture",
			KEY_L2 = "l2", KEY_BLUR = "blur", KEY_OUTPUT = "output", KEY_KSIZE = "ksize", KEY_STACK = "stack";
	private static final String[] APERTURES = {"3", "5", "7"};

	/** The defaults of a fresh ImageJ; a macro gets them for keys it leaves out (a checkbox left out is off). */
	static final String DEFAULT_METHOD = EdgeParams.Method.CANNY.label, DEFAULT_APERTURE = "3",
			DEFAULT_OUTPUT = EdgeParams.Gradient.MAGNITUDE.label;
	static final double DEFAULT_LOW = 50, DEFAULT_HIGH = 150, DEFAULT_BLUR = 0, DEFAULT_KSIZE = 3;

	/** The macro keys; a macro that leaves one out gets its default here, the dialog remembers the last values. */
	public static final CommandKeys KEYS = CommandKeys.of(COMMAND).usesImage()
			.choice(KEY_METHOD, DEFAULT_METHOD, EdgeParams.Method.labels())
			.number(KEY_LOW, DEFAULT_LOW, CommandKeys.between(0, EdgeParams.MAX_THRESHOLD))
			.when(KEY_METHOD, EdgeParams.Method.CANNY.label).example("0")
			.number(KEY_HIGH, DEFAULT_HIGH, CommandKeys.between(0, EdgeParams.MAX_THRESHOLD))
			.when(KEY_METHOD, EdgeParams.Method.CANNY.label)
			.choice(KEY_APERTURE, DEFAULT_APERTURE, APERTURES).when(KEY_METHOD, EdgeParams.Method.CANNY.label)
			.flag(KEY_L2).when(KEY_METHOD, EdgeParams.Method.CANNY.label)
			.number(KEY_BLUR, DEFAULT_BLUR, CommandKeys.between(0, EdgeParams.MAX_BLUR))
			.when(KEY_METHOD, EdgeParams.Method.CANNY.label)
			.choice(KEY_OUTPUT, DEFAULT_OUTPUT, EdgeParams.Gradient.labels())
			.when(KEY_METHOD, EdgeParams.Method.SOBEL.label)
			.number(KEY_KSIZE, DEFAULT_KSIZE, CommandKeys.whole(1, 7)).when(KEY_METHOD, EdgeParams.Method.SOBEL.label)
			.alternative("5")
			.flag(KEY_STACK);

	/** The values of one run as the fields give them, read in the order the dialog adds them. */
	private static final class Values {
		String method, aperture, output;
		double low, high, blur, ksize;
		boolean l2, stack;

		static Values read(FieldValues f, boolean isStack) {
			Values v = new Values();
			v.method = f.choice(KEY_METHOD, DEFAULT_METHOD);
			v.low = f.number(KEY_LOW, DEFAULT_LOW);
			v.high = f.number(KEY_HIGH, DEFAULT_HIGH);
			v.aperture = f.choice(KEY_APERTURE, DEFAULT_APERTURE);
			v.l2 = f.flag(KEY_L2);
			v.blur = f.number(KEY_BLUR, DEFAULT_BLUR);
			v.output = f.choice(KEY_OUTPUT, DEFAULT_OUTPUT);
			v.ksize = f.number(KEY_KSIZE, DEFAULT_KSIZE);
			v.stack = isStack && f.flag(KEY_STACK);
			return v;
		}

		EdgeParams params() {
			return EdgeDetection.params(method, low, high, aperture, l2, blur, output, ksize);
		}
	}

	@Override
	public void run(String arg) {
		if (!CommandEnvironment.readyForFilters(COMMAND)) return;
		ImagePlus imp = WindowManager.getCurrentImage();
		if (imp == null) {
			CommandReporter.noImage(COMMAND);
			return;
		}
		CommandKeys.Run run = KEYS.beginDialog();
		if (run == null) return;
		GenericDialog gd = run.dialog();
		gd.addChoice(KEY_METHOD + ":", EdgeParams.Method.labels(), run.choice(KEY_METHOD));
		gd.addMessage("Canny (8-bit input; other types are scaled by their display range):");
		gd.addNumericField(KEY_LOW + ":", run.number(KEY_LOW), 1, 6, "hysteresis threshold");
		gd.addNumericField(KEY_HIGH + ":", run.number(KEY_HIGH), 1, 6, "hysteresis threshold");
		gd.addChoice(KEY_APERTURE + ":", APERTURES, run.choice(KEY_APERTURE));
		gd.addCheckbox(KEY_L2 + " gradient (sqrt(dx²+dy²) instead of |dx|+|dy|)", run.flag(KEY_L2));
		gd.addNumericField(KEY_BLUR + ":", run.number(KEY_BLUR), 2, 6, "Gaussian sigma first (0 = none)");
		gd.addMessage("Sobel / Scharr / Laplacian (32-bit result):");
		gd.addChoice(KEY_OUTPUT + ":", EdgeParams.Gradient.labels(), run.choice(KEY_OUTPUT));
		gd.addNumericField(KEY_KSIZE + ":", run.number(KEY_KSIZE), 0, 6, "1, 3, 5 or 7 (Scharr: 3)");
		boolean isStack = imp.getStackSize() > 1;
		if (isStack) gd.addCheckbox(KEY_STACK + " (all " + imp.getStackSize() + " planes)", run.flag(KEY_STACK));
		boolean interactive = !run.isMacro() && !java.awt.GraphicsEnvironment.isHeadless();
		EdgePreview preview = interactive ? new EdgePreview(imp) : null;
		if (preview != null) {
			gd.addPreviewCheckbox(null);
			gd.addDialogListener((dialog, e) -> {
				// reads every field: ImageJ's Recorder records only what this listener reads
				EdgeParams p = readParams(dialog, isStack);
				preview.update(dialog.isPreviewActive() ? p : null);
				return p != null; // invalid values disable OK
			});
		}
		gd.showDialog();
		if (preview != null) preview.close();
		if (gd.wasCanceled()) return;
		Values v = Values.read(FieldValues.of(gd), isStack);
		EdgeParams params;
		try {
			params = v.params();
			EdgeDetector.checkSize(imp.getWidth(), imp.getHeight());
		} catch (IllegalArgumentException e) {
			CommandReporter.badInput(COMMAND, e.getMessage());
			return;
		}
		run.remember(KEY_METHOD, v.method).remember(KEY_LOW, v.low).remember(KEY_HIGH, v.high)
				.remember(KEY_APERTURE, v.aperture).remember(KEY_L2, v.l2).remember(KEY_BLUR, v.blur)
				.remember(KEY_OUTPUT, v.output).remember(KEY_KSIZE, v.ksize).remember(KEY_STACK, v.stack);
		ImagePlus result = detect(imp, params, v.stack);
		if (result == null) IJ.showStatus(COMMAND + ": stopped (Esc); no image created");
		else result.show();
	}

	/** The dialog's current values as parameters (for the preview), or null while they are invalid. */
	private static EdgeParams readParams(GenericDialog gd, boolean isStack) {
		try {
			return Values.read(FieldValues.of(gd), isStack).params();
		} catch (IllegalArgumentException e) {
			IJ.showStatus(COMMAND + ": " + e.getMessage());
			return null;
		}
	}

	/** The dialog's values as parameters; only the keys of the chosen method are validated. */
	public static EdgeParams params(String method, double low, double high, String aperture, boolean l2, double blur,
			String output, double ksize) {
		switch (EdgeParams.Method.fromLabel(method)) {
			case CANNY:
				double a;
				try {
					a = Double.parseDouble(aperture.trim());
				} catch (NumberFormatException e) {
					throw new IllegalArgumentException("Canny aperture must be 3, 5 or 7, got '" + aperture + "'.");
				}
				return EdgeParams.canny(low, high, a, l2, blur);
			case SOBEL:
				return EdgeParams.sobel(EdgeParams.Gradient.fromLabel(output), ksize);
			case SCHARR:
				return EdgeParams.scharr(EdgeParams.Gradient.fromLabel(output), ksize);
			default:
				return EdgeParams.laplacian(ksize);
		}
	}

	/**
	 * The command as a macro line {@code run("Edge Detection...", options)} runs it on {@code imp}, without a dialog
	 * (batch jobs, e.g. the Spark filter job): the same keys, defaults, checks and result, not shown.
	 *
	 * @throws IllegalArgumentException for bad options; {@link CancellationException} when stopped by Esc
	 */
	public static ImagePlus apply(ImagePlus imp, String options) {
		Values v = Values.read(FieldValues.of(options), imp.getStackSize() > 1);
		ImagePlus result = detect(imp, v.params(), v.stack);
		if (result == null) throw new CancellationException(COMMAND + ": stopped (Esc)");
		return result;
	}

	/** Checks macro options without an image (numbers, names, ranges of the chosen method). */
	static void checkOptions(String options) {
		Values.read(FieldValues.of(options), true).params();
	}

	/**
	 * Script entry: the edges of the current plane (or every plane) of {@code imp} as a new image, not shown;
	 * null when the user pressed Esc. Planes run in parallel; progress goes to ImageJ's progress bar.
	 */
	public static ImagePlus detect(ImagePlus imp, EdgeParams p, boolean allPlanes) {
		EdgeDetector.checkSize(imp.getWidth(), imp.getHeight());
		ImageStack in = imp.getStack();
		int first = allPlanes ? 1 : imp.getCurrentSlice(), n = allPlanes ? in.getSize() : 1;
		Roi roi = imp.getRoi();
		Rectangle crop = roi != null && roi.isArea()
				? roi.getBounds().intersection(new Rectangle(0, 0, imp.getWidth(), imp.getHeight())) : null;
		if (crop != null && crop.isEmpty()) crop = null;
		ImageProcessor[] out = new ImageProcessor[n];
		AtomicInteger done = new AtomicInteger();
		AtomicBoolean stopped = new AtomicBoolean();
		final Rectangle r = crop;
		IntStream.range(0, n).parallel().forEach(i -> {
			if (stopped.get() || IJ.escapePressed()) {
				stopped.set(true);
				return;
			}
			int slice = first + i;
			ImageProcessor res = plane(imp, in.getProcessor(slice), slice, p);
			if (r != null) {
				res.setRoi(r);
				res = res.crop();
			}
			out[i] = res;
			IJ.showProgress(done.incrementAndGet(), n);
		});
		IJ.showProgress(1.0);
		if (stopped.get()) return null;
		ImageStack st = new ImageStack(out[0].getWidth(), out[0].getHeight());
		for (int i = 0; i < n; i++) st.addSlice(in.getSliceLabel(first + i), out[i]);
		String base = imp.getTitle().replaceFirst("\\.[A-Za-z0-9]+$", "");
		ImagePlus result = new ImagePlus(base + "-" + p.suffix(), st);
		result.setCalibration(imp.getCalibration().copy());
		result.getCalibration().disableDensityCalibration();
		if (allPlanes && n > 1 && imp.getNChannels() * imp.getNSlices() * imp.getNFrames() == n) {
			result.setDimensions(imp.getNChannels(), imp.getNSlices(), imp.getNFrames());
			result.setOpenAsHyperStack(imp.isHyperStack());
		}
		if (p.method == EdgeParams.Method.CANNY) result.setDisplayRange(0, 255);
		else result.resetDisplayRange();
		return result;
	}

	private static ImageProcessor plane(ImagePlus imp, ImageProcessor ip, int slice, EdgeParams p) {
		int w = ip.getWidth(), h = ip.getHeight();
		if (p.method == EdgeParams.Method.CANNY)
			return new ByteProcessor(w, h, EdgeDetector.canny(eightBit(imp, ip, slice), w, h, p));
		float[] px = ip instanceof ColorProcessor ? EightBitScaling.toFloats(eightBit(imp, ip, slice))
				: (float[]) ip.convertToFloatProcessor().getPixels();
		return new FloatProcessor(w, h, EdgeDetector.gradient(px, w, h, p));
	}

	/** The documented 8-bit version of a plane: display range of its channel, or ImageJ's RGB gray weights. */
	static byte[] eightBit(ImagePlus imp, ImageProcessor ip, int slice) {
		switch (imp.getBitDepth()) {
			case 8:
				return (byte[]) ip.getPixels();
			case 24:
				return EightBitScaling.fromRgb((int[]) ip.getPixels(), ColorProcessor.getWeightingFactors());
			default:
				double min = imp.getDisplayRangeMin(), max = imp.getDisplayRangeMax();
				if (imp instanceof CompositeImage && imp.getNChannels() > 1) {
					int c = imp.convertIndexToPosition(slice)[0];
					var lut = ((CompositeImage) imp).getChannelLut(c);
					min = lut.min;
					max = lut.max;
				}
				return imp.getBitDepth() == 16 ? EightBitScaling.fromShorts((short[]) ip.getPixels(), min, max)
						: EightBitScaling.fromFloats((float[]) ip.getPixels(), min, max);
		}
	}
}
