package org.convkit.plugins.filters;

import ij.gui.GenericDialog;
import org.convkit.core.kernel.Kernel;
import org.convkit.core.kernel.KernelFiles;
import org.convkit.core.kernel.KernelParser;
import org.convkit.core.kernel.KernelPresets;
import org.convkit.plugins.support.FieldValues;

import java.awt.AWTEvent;
import java.awt.Choice;
import java.awt.GraphicsEnvironment;
import java.awt.TextField;
import java.nio.file.Paths;

/**
 * The kernel keys that Apply Kernel and Kernel Frequency Response share, in this order: {@code preset=},
 * {@code kernel=}, {@code file=} (macros only; the GUI has Load…/Save… buttons), {@code normalize}. Which kernel:
 * {@code file=} and {@code kernel=} need {@code preset=Custom} (the macro default); a preset with a {@code kernel=}
 * text that differs from it is an error, so a recorded macro (which records both) plays back and a hand-written one
 * cannot be ambiguous. In the GUI, picking a preset shows its values and editing them selects Custom.
 */
final class KernelFields {
	static final String KEY_PRESET = "preset", KEY_KERNEL = "kernel", KEY_FILE = "file", KEY_NORMALIZE = "normalize";

	private final boolean macro;
	private Choice presetChoice;
	private TextField kernelField;

	/** What {@link #read} found: the kernel (normalized if asked) and the values to remember. */
	Kernel kernel;
	String preset, text;
	boolean normalize;
	/** normalize was asked for a kernel whose sum is 0: it is applied as given. */
	boolean zeroSum;

	/** @param macro whether a macro runs the command (its fields start from the documented defaults) */
	KernelFields(boolean macro) {
		this.macro = macro;
	}

	/** Adds the fields, starting from the given values in the GUI and from the defaults in a macro. */
	void add(GenericDialog gd, String lastPreset, String lastText, boolean lastNormalize) {
		gd.addChoice(KEY_PRESET + ":", KernelPresets.names().toArray(new String[0]),
				macro ? KernelPresets.CUSTOM : lastPreset);
		gd.addStringField(KEY_KERNEL + ":", macro ? "" : lastText, 36);
		if (!macro && !GraphicsEnvironment.isHeadless()) {
			presetChoice = (Choice) gd.getChoices().lastElement();
			kernelField = (TextField) gd.getStringFields().lastElement();
			gd.addMessage("Rows separated by ';', values by spaces; fractions like 1/9 are fine.");
			KernelFileButtons.add(gd, presetChoice, kernelField);
		}
		if (macro) gd.addStringField(KEY_FILE + ":", "", 36);
		gd.addCheckbox(KEY_NORMALIZE, !macro && lastNormalize);
	}

	/** Reads the fields in the order they were added; throws IllegalArgumentException on a bad kernel. */
	void read(FieldValues f) {
		String presetName = KernelPresets.canonical(f.choice(KEY_PRESET, KernelPresets.CUSTOM));
		String kernelText = f.string(KEY_KERNEL, "").trim();
		String file = macro ? f.string(KEY_FILE, "").trim() : "";
		boolean norm = f.flag(KEY_NORMALIZE);
		Kernel k = resolve(presetName, kernelText, file);
		zeroSum = norm && !k.canNormalize();
		kernel = norm ? k.normalized() : k;
		preset = presetName;
		text = kernelText;
		normalize = norm;
	}

	/** GUI only: picking a preset shows its values; editing the values switches to Custom. */
	void itemChanged(AWTEvent e) {
		if (e == null || presetChoice == null) return;
		String selected = presetChoice.getSelectedItem();
		if (e.getSource() == presetChoice && !KernelPresets.isCustom(selected))
			kernelField.setText(KernelPresets.text(selected));
		else if (e.getSource() == kernelField && !KernelPresets.isCustom(selected)
				&& !kernelField.getText().trim().equals(KernelPresets.text(selected)))
			presetChoice.select(KernelPresets.CUSTOM);
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
}
