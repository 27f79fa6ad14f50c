package org.convkit.plugins.filters;

import ij.ImagePlus;
import ij.Macro;
import ij.gui.GenericDialog;
import ij.process.FloatProcessor;
import org.convkit.core.filter.HighPass;
import org.convkit.core.filter.HighPassParams;
import org.convkit.core.image.Region;
import org.convkit.plugins.support.FieldValues;
import org.convkit.plugins.support.FloatFilterCommand;
import org.convkit.plugins.support.MacroValues;
import org.convkit.plugins.support.OutputType;

/**
 * Plugins › ConvKit › Filters › High-pass Filter...: original minus a Gaussian blur, or a Butterworth/ideal FFT
 * high-pass (see {@link HighPass}). Macro keys: method, sigma, cutoff, order, offset, output, stack.
 */
public class HighPassFilter extends FloatFilterCommand {
	public static final String COMMAND = "High-pass Filter...";
	public static final String KEY_METHOD = "method";
	public static final String KEY_SIGMA = "sigma";
	public static final String KEY_CUTOFF = "cutoff";
	public static final String KEY_ORDER = "order";
	public static final String KEY_OFFSET = "offset";

	/** The defaults of a fresh ImageJ; a macro gets them for keys it leaves out (a checkbox left out is off). */
	static final String DEFAULT_METHOD = HighPassParams.Method.GAUSSIAN.label;
	static final double DEFAULT_SIGMA = 10, DEFAULT_CUTOFF = 20, DEFAULT_ORDER = 2;

	// Last used values, kept only for interactive use (as ImageJ's own filters do).
	private static String lastMethod = DEFAULT_METHOD;
	private static double lastSigma = DEFAULT_SIGMA, lastCutoff = DEFAULT_CUTOFF, lastOrder = DEFAULT_ORDER;
	private static boolean lastOffset = true;

	private String method;
	private double sigma, cutoff, order;
	private boolean offset;
	private volatile HighPassParams params;

	/** The mid-grey added with {@code offset}: 128 for 8-bit and RGB channels, 32768 for 16-bit, 0 for float. */
	public static double midGrey(int bitDepth, OutputType output) {
		if (output == OutputType.FLOAT) return 0;
		switch (bitDepth) {
			case 8:
			case 24:
				return 128;
			case 16:
				return 32768;
			default:
				return 0;
		}
	}

	@Override
	protected String commandName() {
		return COMMAND;
	}

	@Override
	protected void addFields(GenericDialog gd) {
		MacroValues.requireNumbers(KEY_SIGMA, KEY_CUTOFF, KEY_ORDER);
		gd.addChoice(KEY_METHOD + ":", HighPassParams.Method.labels(), lastMethod);
		gd.addNumericField(KEY_SIGMA + ":", lastSigma, 2, 6, "pixels (Gaussian)");
		gd.addNumericField(KEY_CUTOFF + ":", lastCutoff, 2, 6, "pixels wavelength (FFT)");
		gd.addNumericField(KEY_ORDER + ":", lastOrder, 0, 6, "(FFT Butterworth; 0 = ideal)");
		gd.addCheckbox(KEY_OFFSET + " (add mid-grey: 128 for 8-bit/RGB, 32768 for 16-bit)", lastOffset);
	}

	@Override
	protected void readFields(FieldValues f) {
		method = f.choice(KEY_METHOD, DEFAULT_METHOD);
		sigma = f.number(KEY_SIGMA, DEFAULT_SIGMA);
		cutoff = f.number(KEY_CUTOFF, DEFAULT_CUTOFF);
		order = f.number(KEY_ORDER, DEFAULT_ORDER);
		offset = f.flag(KEY_OFFSET);
		params(0); // checks the method and the numbers (the offset needs the image: validate)
	}

	@Override
	protected void validate(ImagePlus imp) {
		// Called after every field and output= are read, so the offset can depend on the output type.
		HighPassParams p = params(offset ? midGrey(imp.getBitDepth(), outputType()) : 0);
		HighPass.checkSize(imp.getWidth(), imp.getHeight(), p);
		params = p;
	}

	private HighPassParams params(double add) {
		return HighPassParams.Method.fromLabel(method) == HighPassParams.Method.GAUSSIAN
				? HighPassParams.gaussian(sigma, add) : HighPassParams.fft(cutoff, order, add);
	}

	@Override
	protected void filterPlane(FloatProcessor fp, Region region) {
		HighPass.apply((float[]) fp.getPixels(), fp.getWidth(), fp.getHeight(), region, params);
	}

	@Override
	protected void finished() {
		if (Macro.getOptions() != null) return;
		lastMethod = method;
		lastSigma = sigma;
		lastCutoff = cutoff;
		lastOrder = order;
		lastOffset = offset;
	}
}
