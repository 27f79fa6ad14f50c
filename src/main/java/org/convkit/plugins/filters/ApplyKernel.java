package org.convkit.plugins.filters;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.GenericDialog;
import ij.process.FloatProcessor;
import org.convkit.core.cnn.spec.Padding;
import org.convkit.core.filter.Border;
import org.convkit.core.filter.KernelCorrelator;
import org.convkit.core.filter.WindowGrid;
import org.convkit.core.image.Region;
import org.convkit.core.kernel.Kernel;
import org.convkit.core.kernel.KernelPresets;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.FieldValues;
import org.convkit.plugins.support.FloatFilterCommand;
import org.convkit.plugins.support.MacroValues;

import java.awt.AWTEvent;

/**
 * Plugins › ConvKit › Filters › Apply Kernel...: correlates the image with a preset, typed or loaded kernel
 * ({@link KernelCorrelator}; the kernel keys are {@link KernelFields}). With {@code stride=} above 1 or
 * {@code padding=Valid} the result is a new, smaller image: the stride-1 result at the pixels under the kernel's
 * anchor ({@link KernelCorrelator#applyStrided}), sized by the layer formula, which the Log shows filled in.
 */
public class ApplyKernel extends FloatFilterCommand {
	public static final String COMMAND = "Apply Kernel...";
	public static final String KEY_PRESET = KernelFields.KEY_PRESET;
	public static final String KEY_KERNEL = KernelFields.KEY_KERNEL;
	public static final String KEY_FILE = KernelFields.KEY_FILE;
	public static final String KEY_NORMALIZE = KernelFields.KEY_NORMALIZE;
	public static final String KEY_BORDER = "border";
	public static final String KEY_VALUE = "value";
	public static final String KEY_STRIDE = "stride";
	public static final String KEY_PADDING = "padding";

	// Last used in the GUI only; a macro always starts from the documented defaults.
	private static String lastPreset = "Sobel X";
	private static String lastKernelText = KernelPresets.text("Sobel X");
	private static boolean lastNormalize = false;
	private static Border lastBorder = Border.REFLECT;
	private static double lastValue = 0;
	private static int lastStride = 1;
	private static Padding lastPadding = Padding.SAME;

	private KernelFields fields;
	private volatile Kernel kernel;
	private volatile Border border = Border.REFLECT;
	private volatile double value;
	private volatile int stride = 1;
	private volatile Padding padding = Padding.SAME;
	private WindowGrid[] grids;

	@Override
	protected String commandName() {
		return COMMAND;
	}

	@Override
	protected void addFields(GenericDialog gd) {
		fields = new KernelFields(macro);
		fields.add(gd, lastPreset, lastKernelText, lastNormalize);
		gd.addChoice(KEY_BORDER + ":", Border.labels(), (macro ? Border.REFLECT : lastBorder).label);
		MacroValues.requireNumbers(KEY_VALUE, KEY_STRIDE);
		gd.addNumericField(KEY_VALUE + ":", macro ? 0 : lastValue, 3, 8, "(Constant border)");
		gd.addNumericField(KEY_STRIDE + ":", macro ? 1 : lastStride, 0, 5, "(1 = every pixel)");
		gd.addChoice(KEY_PADDING + ":", new String[] {Padding.SAME.label, Padding.VALID.label},
				(macro ? Padding.SAME : lastPadding).label);
	}

	@Override
	protected void readFields(FieldValues f) {
		if (fields == null) fields = new KernelFields(macro); // no dialog: apply() with macro options
		fields.read(f);
		Border b = Border.fromLabel(f.choice(KEY_BORDER, Border.REFLECT.label));
		double v = f.number(KEY_VALUE, 0);
		if (f.invalidNumber() || !Double.isFinite(v))
			throw new IllegalArgumentException("The border value is not a finite number.");
		int s = wholeNumber(KEY_STRIDE, f.number(KEY_STRIDE, 1), f.invalidNumber());
		Padding p = Padding.fromLabel(f.choice(KEY_PADDING, Padding.SAME.label));
		kernel = fields.kernel;
		border = b;
		value = v;
		stride = s;
		padding = p;
	}

	/** A value for a whole-number key from 1 to {@link WindowGrid#MAX}, or a message naming the key. */
	static int wholeNumber(String key, double v, boolean invalid) {
		if (invalid || !(v == Math.rint(v) && v >= 1 && v <= WindowGrid.MAX))
			throw new IllegalArgumentException(key + "=" + (invalid ? "(not a number)" : MacroValues.format(v))
					+ " must be a whole number from 1 to " + WindowGrid.MAX + ".");
		return (int) v;
	}

	@Override
	protected void validate(ImagePlus imp) {
		if (kernel.width() > imp.getWidth() || kernel.height() > imp.getHeight())
			throw new IllegalArgumentException("The kernel (" + kernel.width() + "x" + kernel.height()
					+ ") is larger than the image (" + imp.getWidth() + "x" + imp.getHeight() + ").");
		grids = stride == 1 && padding == Padding.SAME ? null
				: KernelCorrelator.grids(imp.getWidth(), imp.getHeight(), kernel, stride, padding);
	}

	@Override
	protected WindowGrid[] newSizeGrids(ImagePlus imp) {
		return grids;
	}

	@Override
	protected float[] filterToNewSize(float[] pixels, WindowGrid gx, WindowGrid gy) {
		return KernelCorrelator.applyStrided(pixels, gx.size, gy.size, kernel, border, value, gx, gy);
	}

	@Override
	protected String newSizeSuffix() {
		return "-" + padding.label.toLowerCase() + (stride > 1 ? "-stride" + stride : "");
	}

	@Override
	public boolean dialogItemChanged(GenericDialog gd, AWTEvent e) {
		fields.itemChanged(e);
		return super.dialogItemChanged(gd, e);
	}

	@Override
	protected void filterPlane(FloatProcessor fp, Region region) {
		KernelCorrelator.apply((float[]) fp.getPixels(), fp.getWidth(), fp.getHeight(), region, kernel, border,
				value);
	}

	@Override
	protected void finished() {
		if (fields.zeroSum)
			CommandReporter.note(COMMAND, "the kernel sum is 0, so it was not normalized (applied as given).");
		if (grids != null)
			CommandReporter.note(COMMAND, "stride " + stride + ", " + padding.label + " padding: width "
					+ grids[0].formula() + ", height " + grids[1].formula() + ".");
		if (!macro) {
			lastPreset = fields.preset;
			lastKernelText = fields.text;
			lastNormalize = fields.normalize;
			lastBorder = border;
			lastValue = value;
			lastStride = stride;
			lastPadding = padding;
		}
		IJ.showStatus(COMMAND + " " + kernel.width() + "x" + kernel.height() + ", " + border.label + " border");
	}
}
