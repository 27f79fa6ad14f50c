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
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.FieldValues;
import org.convkit.plugins.support.FloatFilterCommand;
import org.convkit.plugins.support.MacroValues;

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

	// Last used in the GUI only; a macro always starts from the documented defaults.
	private static String lastPreset = "Sobel X";
	private static String lastKernelText = KernelPresets.text("Sobel X");
	private static boolean lastNormalize = false;
	private static Border lastBorder = Border.REFLECT;
	private static double lastValue = 0;

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
	protected void addFields(GenericDialog gd) {
		gd.addChoice(KEY_PRESET + ":", KernelPresets.names().toArray(new String[0]),
				macro ? KernelPresets.CUSTOM : lastPreset);
		gd.addStringField(KEY_KERNEL + ":", macro ? "" : lastKernelText, 36);
		boolean gui = !macro && !GraphicsEnvironment.isHeadless();
		if (gui) {
			presetChoice = (Choice) gd.getChoices().lastElement();
			kernelField = (TextField) gd.getStringFields().lastElement();
			gd.addMessage("Rows separated by ';', values by spaces; fractions like 1/9 are fine.");
			KernelFileButtons.add(gd, presetChoice, kernelField);
		}
		if (macro) gd.addStringField(KEY_FILE + ":", "", 36);
		gd.addCheckbox(KEY_NORMALIZE, macro ? false : lastNormalize);
		gd.addChoice(KEY_BORDER + ":", Border.labels(), (macro ? Border.REFLECT : lastBorder).label);
		MacroValues.requireNumbers(KEY_VALUE);
		gd.addNumericField(KEY_VALUE + ":", macro ? 0 : lastValue, 3, 8, "(Constant border)");
	}

	@Override
	protected void readFields(FieldValues f) {
		String presetName = KernelPresets.canonical(f.choice(KEY_PRESET, KernelPresets.CUSTOM));
		String text = f.string(KEY_KERNEL, "").trim();
		String file = macro ? f.string(KEY_FILE, "").trim() : "";
		boolean norm = f.flag(KEY_NORMALIZE);
		Border b = Border.fromLabel(f.choice(KEY_BORDER, Border.REFLECT.label));
		double v = f.number(KEY_VALUE, 0);
		if (f.invalidNumber() || !Double.isFinite(v))
			throw new IllegalArgumentException("The border value is not a finite number.");
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
		if (!macro) {
			lastPreset = preset;
			lastKernelText = kernelText;
			lastNormalize = normalize;
			lastBorder = border;
			lastValue = value;
		}
		IJ.showStatus(COMMAND + " " + kernel.width() + "x" + kernel.height() + ", " + border.label + " border");
	}
}
