package org.convkit.plugins.filters;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.gui.GenericDialog;
import ij.measure.Calibration;
import ij.plugin.PlugIn;
import ij.process.FloatProcessor;
import org.convkit.core.kernel.FrequencyResponse;
import org.convkit.core.kernel.Kernel;
import org.convkit.core.kernel.KernelPresets;
import org.convkit.plugins.support.CommandEnvironment;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.FieldValues;
import org.convkit.plugins.support.MacroValues;

import java.nio.file.Paths;
import java.util.Locale;

/**
 * Plugins › ConvKit › Filters › Kernel Frequency Response...: for a kernel given by the same keys as Apply Kernel
 * ({@link KernelFields}), three new 32-bit images — the kernel enlarged, the magnitude |H| of its 2-D frequency
 * response and the same in dB ({@link FrequencyResponse}) — and the gains at DC and Nyquist in the Log. Needs no
 * open image.
 */
public class KernelFrequencyResponse implements PlugIn {
	public static final String COMMAND = "Kernel Frequency Response...";
	public static final String KEY_SIZE = "size", KEY_ZOOM = "zoom";
	public static final int DEFAULT_SIZE = 64, DEFAULT_ZOOM = 16, MAX_ZOOM = 64;
	/** Title suffixes of the three images, after the kernel's name. */
	public static final String KERNEL_SUFFIX = " kernel", MAGNITUDE_SUFFIX = " response", DB_SUFFIX = " response dB";

	/** The macro keys; a macro that leaves one out gets its default here, the dialog remembers the last values. */
	public static final CommandKeys KEYS = KernelFields.declare(CommandKeys.of(COMMAND), "High-pass 3x3")
			.number(KEY_SIZE, DEFAULT_SIZE, CommandKeys.whole(FrequencyResponse.MIN_SIZE, FrequencyResponse.MAX_SIZE))
			.number(KEY_ZOOM, DEFAULT_ZOOM, CommandKeys.whole(1, MAX_ZOOM));

	@Override
	public void run(String arg) {
		if (!CommandEnvironment.ready(COMMAND)) return; // Java only: no native library needed
		CommandKeys.Run run = KEYS.beginDialog();
		if (run == null) return;
		boolean macro = run.isMacro();
		GenericDialog gd = run.dialog();
		KernelFields fields = new KernelFields(run);
		int size, zoom;
		try {
			fields.add(gd);
			gd.addNumericField(KEY_SIZE + ":", run.number(KEY_SIZE), 0, 5, "frequencies per axis");
			gd.addNumericField(KEY_ZOOM + ":", run.number(KEY_ZOOM), 0, 5, "× (kernel image)");
			gd.addDialogListener((dialog, e) -> {
				// GenericDialog records what a listener reads, so it reads every field
				fields.itemChanged(e);
				try {
					readAll(dialog, fields);
					return true;
				} catch (IllegalArgumentException ex) {
					IJ.showStatus(COMMAND + ": " + ex.getMessage());
					return false;
				}
			});
			gd.showDialog();
			if (gd.wasCanceled()) return;
			int[] sizeAndZoom = readAll(gd, fields);
			size = sizeAndZoom[0];
			zoom = sizeAndZoom[1];
		} catch (IllegalArgumentException e) {
			CommandReporter.badInput(COMMAND, e.getMessage());
			return;
		}
		Kernel kernel = fields.kernel;
		FrequencyResponse response;
		try {
			response = FrequencyResponse.of(kernel, size);
		} catch (IllegalArgumentException e) {
			CommandReporter.badInput(COMMAND, "size=" + size + ": " + e.getMessage());
			return;
		}
		String name = name(fields, gd, macro);
		show(name, kernel, zoom, response);
		log(name, kernel, response, fields.zeroSum);
		fields.remember();
		run.remember(KEY_SIZE, size).remember(KEY_ZOOM, zoom);
	}

	/** Reads every field in order: the kernel into {@code fields}, and {size, zoom}. */
	private static int[] readAll(GenericDialog gd, KernelFields fields) {
		fields.read(FieldValues.of(gd));
		int size = whole(KEY_SIZE, gd.getNextNumber(), gd.invalidNumber(), FrequencyResponse.MIN_SIZE,
				FrequencyResponse.MAX_SIZE);
		int zoom = whole(KEY_ZOOM, gd.getNextNumber(), gd.invalidNumber(), 1, MAX_ZOOM);
		return new int[] {size, zoom};
	}

	private static int whole(String key, double v, boolean invalid, int min, int max) {
		if (invalid || !(v == Math.rint(v) && v >= min && v <= max))
			throw new IllegalArgumentException(key + "=" + (invalid ? "(not a number)" : MacroValues.format(v))
					+ " must be a whole number from " + min + " to " + max + ".");
		return (int) v;
	}

	/** The preset's name, the kernel file's name, or "Custom kernel". */
	private static String name(KernelFields fields, GenericDialog gd, boolean macro) {
		if (!KernelPresets.isCustom(fields.preset)) return fields.preset + (fields.normalize ? " normalized" : "");
		String file = macro ? Macro.getValue(Macro.getOptions(), KernelFields.KEY_FILE, "").trim() : "";
		return (file.isEmpty() ? "Custom kernel" : Paths.get(file).getFileName().toString())
				+ (fields.normalize ? " normalized" : "");
	}

	private static void show(String name, Kernel kernel, int zoom, FrequencyResponse r) {
		int n = r.size();
		ImagePlus k = new ImagePlus(name + KERNEL_SUFFIX, new FloatProcessor(kernel.width() * zoom,
				kernel.height() * zoom, FrequencyResponse.enlarged(kernel, zoom)));
		k.getCalibration().pixelWidth = k.getCalibration().pixelHeight = 1.0 / zoom;
		k.getCalibration().setUnit("pixel");
		k.resetDisplayRange();
		ImagePlus mag = new ImagePlus(name + MAGNITUDE_SUFFIX, new FloatProcessor(n, n, r.magnitude()));
		ImagePlus db = new ImagePlus(name + DB_SUFFIX, new FloatProcessor(n, n, r.decibels()));
		for (ImagePlus f : new ImagePlus[] {mag, db}) {
			Calibration c = f.getCalibration();
			c.pixelWidth = c.pixelHeight = 1.0 / n;
			c.xOrigin = c.yOrigin = n / 2;
			c.setUnit("cycle/pixel");
			f.resetDisplayRange();
		}
		k.show();
		mag.show();
		db.show();
	}

	private static void log(String name, Kernel kernel, FrequencyResponse r, boolean zeroSum) {
		int n = r.size(), c = n / 2, best = r.argMax();
		StringBuilder sb = new StringBuilder(COMMAND + " " + name + " (" + kernel.width() + "x" + kernel.height()
				+ ") on " + n + "x" + n + " frequencies: |H| at DC = " + fmt(r.dc()));
		if (n % 2 == 0)
			sb.append(", at Nyquist (0.5, 0) = ").append(fmt(r.at(0, c))).append(", (0, 0.5) = ")
					.append(fmt(r.at(c, 0))).append(", (0.5, 0.5) = ").append(fmt(r.at(0, 0)));
		sb.append("; largest ").append(fmt(r.at(best % n, best / n))).append(" at (")
				.append(fmt(r.frequency(best % n))).append(", ").append(fmt(r.frequency(best / n)))
				.append(") cycles/pixel.");
		IJ.log(sb.toString());
		if (zeroSum) CommandReporter.note(COMMAND, "the kernel sum is 0, so it was not normalized (shown as given).");
	}

	private static String fmt(double v) {
		return String.format(Locale.ROOT, "%.4g", Math.abs(v) < 5e-7 ? 0.0 : v);
	}
}
