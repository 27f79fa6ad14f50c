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
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.FieldValues;
import org.convkit.plugins.support.FloatFilterCommand;
import org.convkit.plugins.support.MacroValues;
import org.convkit.plugins.support.OutputType;

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
	public static final String KEY_STACK = "stack";

	/** The macro keys; a macro that leaves one out gets its default here, the dialog remembers the last values. */
	public static final CommandKeys KEYS = KernelFields.declare(CommandKeys.of(COMMAND).usesImage(), "Sobel X")
			.choice(KEY_BORDER, Border.REFLECT.label, Border.labels())
			.number(KEY_VALUE, 0, CommandKeys.between(-Float.MAX_VALUE, Float.MAX_VALUE))
			.when(KEY_BORDER, Border.CONSTANT.label)
			.number(KEY_STRIDE, 1, CommandKeys.whole(1, WindowGrid.MAX))
			.choice(KEY_PADDING, Padding.SAME.label, Padding.SAME.label, Padding.VALID.label)
			.choice(KEY_OUTPUT, OutputType.SAME_TYPE.label, OutputType.labels())
			.flag(KEY_STACK);

	private KernelFields fields;
	private double largestPixel = Double.NaN;
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
	protected CommandKeys keys() {
		return KEYS;
	}

	@Override
	protected void addFields(GenericDialog gd) {
		fields = new KernelFields(run);
		fields.add(gd);
		gd.addChoice(KEY_BORDER + ":", Border.labels(), run.choice(KEY_BORDER));
		gd.addNumericField(KEY_VALUE + ":", run.number(KEY_VALUE), 3, 8, "(Constant border)");
		gd.addNumericField(KEY_STRIDE + ":", run.number(KEY_STRIDE), 0, 5, "(1 = every pixel)");
		gd.addChoice(KEY_PADDING + ":", new String[] {Padding.SAME.label, Padding.VALID.label},
				run.choice(KEY_PADDING));
	}

	@Override
	protected void readFields(FieldValues f) {
		if (fields == null) fields = new KernelFields(macro); // no dialog: apply() with macro options
		fields.read(f);
		Border b = Border.fromLabel(f.choice(KEY_BORDER, Border.REFLECT.label));
		double v = f.number(KEY_VALUE, 0);
		if (f.invalidNumber() || !(Math.abs(v) <= Float.MAX_VALUE))
			throw new IllegalArgumentException("value=" + v + ": the Constant border value must be a finite 32-bit "
					+ "float (largest magnitude " + Float.MAX_VALUE + ").");
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
		if (Double.isNaN(largestPixel)) largestPixel = largestMagnitude(imp);
		double input = Math.max(largestPixel, border == Border.CONSTANT ? Math.abs(value) : 0);
		if (kernel.absSum() * input > Float.MAX_VALUE)
			throw new IllegalArgumentException("The kernel's absolute sum (" + kernel.absSum() + ") times the largest "
					+ "pixel magnitude (" + input + ") is beyond the 32-bit float range (" + Float.MAX_VALUE
					+ "): results would be infinite. Scale the kernel down, or normalize it.");
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

	/** The largest finite magnitude the image's type or (32-bit) its pixels can have. */
	private static double largestMagnitude(ImagePlus imp) {
		switch (imp.getBitDepth()) {
			case 8:
			case 24:
				return 255;
			case 16:
				return 65535;
			default:
				double m = 0;
				for (int i = 1; i <= imp.getStackSize(); i++)
					for (float f : (float[]) imp.getStack().getPixels(i))
						if (Math.abs(f) > m && Float.isFinite(f)) m = Math.abs(f);
				return m;
		}
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
		fields.remember();
		if (run != null) run.remember(KEY_BORDER, border.label).remember(KEY_VALUE, value).remember(KEY_STRIDE, stride)
				.remember(KEY_PADDING, padding.label);
		IJ.showStatus(COMMAND + " " + kernel.width() + "x" + kernel.height() + ", " + border.label + " border");
	}
}
