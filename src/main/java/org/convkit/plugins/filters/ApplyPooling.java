package org.convkit.plugins.filters;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.GenericDialog;
import ij.process.FloatProcessor;
import org.convkit.core.cnn.spec.Padding;
import org.convkit.core.filter.Pooling;
import org.convkit.core.filter.WindowGrid;
import org.convkit.core.image.Region;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.FieldValues;
import org.convkit.plugins.support.FloatFilterCommand;
import org.convkit.plugins.support.MacroValues;

/**
 * Plugins › ConvKit › Filters › Apply Pooling...: a CNN's pooling layer on the image ({@link Pooling}): a new image
 * of {@code floor((n + 2p − k) / s) + 1} pixels per axis (Same: {@code ceil(n / s)}), with the formula filled in
 * in the Log. Every image type, stacks and the {@code output=} key as the other filters.
 */
public class ApplyPooling extends FloatFilterCommand {
	public static final String COMMAND = "Apply Pooling...";
	public static final String KEY_METHOD = "method", KEY_SIZE = "size", KEY_STRIDE = "stride",
			KEY_PADDING = "padding";

	// Last used in the GUI only; a macro always starts from the documented defaults.
	private static Pooling.Method lastMethod = Pooling.Method.MAX;
	private static int lastSize = 2, lastStride = 2;
	private static Padding lastPadding = Padding.VALID;

	private volatile Pooling.Method method = Pooling.Method.MAX;
	private volatile int size = 2, stride = 2;
	private volatile Padding padding = Padding.VALID;
	private WindowGrid[] grids;

	@Override
	protected String commandName() {
		return COMMAND;
	}

	@Override
	protected boolean hasPreview() {
		return false;
	}

	@Override
	protected void addFields(GenericDialog gd) {
		gd.addChoice(KEY_METHOD + ":", Pooling.Method.labels(), (macro ? Pooling.Method.MAX : lastMethod).label);
		MacroValues.requireNumbers(KEY_SIZE, KEY_STRIDE);
		gd.addNumericField(KEY_SIZE + ":", macro ? 2 : lastSize, 0, 5, "pixels (window k × k)");
		gd.addNumericField(KEY_STRIDE + ":", macro ? 2 : lastStride, 0, 5, "pixels (step s)");
		gd.addChoice(KEY_PADDING + ":", Padding.labels(), (macro ? Padding.VALID : lastPadding).label);
		gd.addMessage("Output per axis: floor((n + 2p - k) / s) + 1 (Valid: p = 0); Same: ceil(n / s).");
	}

	@Override
	protected void readFields(FieldValues f) {
		Pooling.Method m = Pooling.Method.fromLabel(f.choice(KEY_METHOD, Pooling.Method.MAX.label));
		int k = ApplyKernel.wholeNumber(KEY_SIZE, f.number(KEY_SIZE, 2), f.invalidNumber());
		int s = ApplyKernel.wholeNumber(KEY_STRIDE, f.number(KEY_STRIDE, 2), f.invalidNumber());
		Padding p = Padding.fromLabel(f.choice(KEY_PADDING, Padding.VALID.label));
		method = m;
		size = k;
		stride = s;
		padding = p;
	}

	@Override
	protected void validate(ImagePlus imp) {
		grids = Pooling.grids(imp.getWidth(), imp.getHeight(), size, stride, padding);
	}

	@Override
	protected WindowGrid[] newSizeGrids(ImagePlus imp) {
		return grids;
	}

	@Override
	protected float[] filterToNewSize(float[] pixels, WindowGrid gx, WindowGrid gy) {
		return Pooling.apply(pixels, method, gx, gy);
	}

	@Override
	protected String newSizeSuffix() {
		return "-" + (method == Pooling.Method.MAX ? "max" : "avg") + "pool" + size + "s" + stride
				+ (padding == Padding.SAME ? "same" : "");
	}

	@Override
	protected void filterPlane(FloatProcessor fp, Region region) {
		throw new IllegalStateException(COMMAND + " always makes a new image");
	}

	@Override
	protected void finished() {
		CommandReporter.note(COMMAND, method.label + " " + size + "x" + size + ", stride " + stride + ", "
				+ padding.label + ": width " + grids[0].formula() + ", height " + grids[1].formula() + ".");
		if (!macro) {
			lastMethod = method;
			lastSize = size;
			lastStride = stride;
			lastPadding = padding;
		}
		IJ.showStatus(COMMAND + " " + grids[0].size + "x" + grids[1].size + " -> " + grids[0].out + "x"
				+ grids[1].out);
	}
}
