package org.convkit.plugins.filters;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.GenericDialog;
import ij.process.FloatProcessor;
import org.convkit.core.filter.Border;
import org.convkit.core.filter.KernelCorrelator;
import org.convkit.core.image.Region;
import org.convkit.core.kernel.Kernel;
import org.convkit.core.kernel.KernelFiles;
import org.convkit.core.kernel.KernelParser;
import org.convkit.core.kernel.KernelPresets;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.FloatFilterCommand;
import org.convkit.plugins.support.MacroValues;
import org.convkit.plugins.support.OutputType;

import java.awt.AWTEvent;
import java.awt.Choice;
import java.awt.GraphicsEnvironment;
import java.awt.TextField;
import java.nio.file.Paths;

/**
 * Plugins › ConvKit › Filters › Apply Kernel...: correlates the image with a preset, typed or loaded kernel
 * ({@link KernelCorrelator}). Which kernel: {@code file=} (macros only) and {@code kernel=} need
 * {@code preset=Custom} (the macro default); a preset with a {@code kernel=} text that differs from it is an
 * error, so a recorded macro (which records both) plays back and a hand-written one cannot be ambiguous.
 */
public class ApplyKernel extends FloatFilterCommand {
	public static final String COMMAND = "Apply Kernel...";
	public static final String KEY_PRESET = "preset";
	public static final String KEY_KERNEL = "kernel";
	public static final String KEY_FILE = "file";
	public static final String KEY_NORMALIZE = "normalize";
	public static final String KEY_BORDER = "border";
	public static final String KEY_VALUE = "value";
	public static final String KEY_STACK = "stack";

	/** The macro keys; a macro that leaves one out gets its default here, the dialog remembers the last values. */
	public static final CommandKeys KEYS = CommandKeys.of(COMMAND).usesImage()
			.choice(KEY_PRESET, KernelPresets.CUSTOM, KernelPresets.names().toArray(new String[0]))
			.dialogDefault("Sobel X").alternative(KernelPresets.CUSTOM)
			.text(KEY_KERNEL, "").required().dialogDefault(KernelPresets.text("Sobel X"))
			.example("1 2 1; 2 4 2; 1 2 1").numbersIn("1 # 1").alternative("1 1 1; 1 1 1; 1 1 1")
			.path(KEY_FILE, CommandKeys.PathRole.KERNEL_FILE).insteadOf(KEY_KERNEL)
			.flag(KEY_NORMALIZE)
			.choice(KEY_BORDER, Border.REFLECT.label, Border.labels())
			.number(KEY_VALUE, 0, CommandKeys.between(-Float.MAX_VALUE, Float.MAX_VALUE))
			.when(KEY_BORDER, Border.CONSTANT.label)
			.choice(KEY_OUTPUT, OutputType.SAME_TYPE.label, OutputType.labels())
			.flag(KEY_STACK);

	private boolean macro;
	private double largestPixel = Double.NaN;
	private volatile Kernel kernel;
	private volatile Border border = Border.REFLECT;
	private volatile double value;
	private String preset, kernelText;
	private boolean normalize, zeroSum;
	private Choice presetChoice;
	private TextField kernelField;

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
		macro = run.isMacro();
		gd.addChoice(KEY_PRESET + ":", KernelPresets.names().toArray(new String[0]), run.choice(KEY_PRESET));
		gd.addStringField(KEY_KERNEL + ":", run.text(KEY_KERNEL), 36);
		boolean gui = !macro && !GraphicsEnvironment.isHeadless();
		if (gui) {
			presetChoice = (Choice) gd.getChoices().lastElement();
			kernelField = (TextField) gd.getStringFields().lastElement();
			gd.addMessage("Rows separated by ';', values by spaces; fractions like 1/9 are fine.");
			KernelFileButtons.add(gd, presetChoice, kernelField);
		}
		if (macro) gd.addStringField(KEY_FILE + ":", "", 36);
		gd.addCheckbox(KEY_NORMALIZE, run.flag(KEY_NORMALIZE));
		gd.addChoice(KEY_BORDER + ":", Border.labels(), run.choice(KEY_BORDER));
		gd.addNumericField(KEY_VALUE + ":", run.number(KEY_VALUE), 3, 8, "(Constant border)");
	}

	@Override
	protected void readFields(GenericDialog gd) {
		String presetName = KernelPresets.canonical(MacroValues.nextChoice(gd, KEY_PRESET));
		String text = gd.getNextString().trim();
		String file = macro ? gd.getNextString().trim() : "";
		boolean norm = gd.getNextBoolean();
		Border b = Border.fromLabel(MacroValues.nextChoice(gd, KEY_BORDER));
		double v = gd.getNextNumber();
		if (gd.invalidNumber() || !(Math.abs(v) <= Float.MAX_VALUE))
			throw new IllegalArgumentException("value=" + v + ": the Constant border value must be a finite 32-bit "
					+ "float (largest magnitude " + Float.MAX_VALUE + ").");
		Kernel k = resolve(presetName, text, file);
		zeroSum = norm && !k.canNormalize();
		kernel = norm ? k.normalized() : k;
		preset = presetName;
		kernelText = text;
		normalize = norm;
		border = b;
		value = v;
	}

	/** The kernel named by preset=, kernel= and file=; see the class comment for the rules. */
	static Kernel resolve(String presetName, String text, String file) {
		boolean custom = KernelPresets.isCustom(presetName);
		if (!file.isEmpty()) {
			if (!custom) throw new IllegalArgumentException("Give either file= or preset=[" + presetName
					+ "], not both.");
			if (!text.isEmpty()) throw new IllegalArgumentException("Give either file= or kernel=, not both.");
			return KernelFiles.read(Paths.get(file));
		}
		if (!custom) {
			Kernel k = KernelPresets.get(presetName);
			if (!text.isEmpty() && !KernelParser.parse(text).equals(k))
				throw new IllegalArgumentException("kernel=[" + text + "] differs from preset=[" + presetName
						+ "]; use preset=" + KernelPresets.CUSTOM + " for your own kernel.");
			return k;
		}
		return KernelParser.parse(text);
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
		// GUI only: picking a preset shows its values; editing the values switches to Custom.
		if (e != null && presetChoice != null) {
			if (e.getSource() == presetChoice && !KernelPresets.isCustom(presetChoice.getSelectedItem()))
				kernelField.setText(KernelPresets.text(presetChoice.getSelectedItem()));
			else if (e.getSource() == kernelField && !KernelPresets.isCustom(presetChoice.getSelectedItem())
					&& !kernelField.getText().trim().equals(KernelPresets.text(presetChoice.getSelectedItem())))
				presetChoice.select(KernelPresets.CUSTOM);
		}
		return super.dialogItemChanged(gd, e);
	}

	@Override
	protected void filterPlane(FloatProcessor fp, Region region) {
		KernelCorrelator.apply((float[]) fp.getPixels(), fp.getWidth(), fp.getHeight(), region, kernel, border,
				value);
	}

	@Override
	protected void finished() {
		if (zeroSum)
			CommandReporter.note(COMMAND, "the kernel sum is 0, so it was not normalized (applied as given).");
		run.remember(KEY_PRESET, preset).remember(KEY_KERNEL, kernelText).remember(KEY_NORMALIZE, normalize)
				.remember(KEY_BORDER, border.label).remember(KEY_VALUE, value);
		IJ.showStatus(COMMAND + " " + kernel.width() + "x" + kernel.height() + ", " + border.label + " border");
	}
}
