package org.convkit.plugins.cnn;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import org.convkit.core.cnn.data.AugmentedPlanes;
import org.convkit.core.cnn.data.Augmenter;
import org.convkit.core.cnn.train.TrainingDefaults;
import org.convkit.plugins.support.CommandEnvironment;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.MacroValues;

import java.util.Set;

/**
 * Plugins › ConvKit › CNN › Augmentation Preview...: the current plane as training with {@code augment=} and
 * {@code seed=} would change it in epochs 1 … {@code count} — the training pipeline's own code
 * ({@link AugmentedPlanes}) — as a new stack, one slice per epoch, each labelled with
 * what was drawn. Grayscale images give a 32-bit stack (the values the network sees, back in pixel units); RGB an
 * RGB stack (rounded and clamped to 0–255).
 */
public class AugmentationPreview implements PlugIn {
	public static final String COMMAND = "Augmentation Preview...";
	public static final String KEY_AUGMENT = TrainCnnClassifier.KEY_AUGMENT, KEY_SEED = TrainCnnClassifier.KEY_SEED,
			KEY_COUNT = "count";
	public static final int DEFAULT_COUNT = 16, MAX_COUNT = 1000;

	/** The macro keys; a macro that leaves one out gets its default here, the dialog remembers the last values. */
	public static final CommandKeys KEYS = CommandKeys.of(COMMAND).usesImage()
			.text(KEY_AUGMENT, TrainingDefaults.AUGMENT).dialogDefault("flip rot90 rotate shift brightness contrast noise")
			.alternative("flip")
			.number(KEY_SEED, TrainingDefaults.SEED, CommandKeys.whole(-(double) (1L << 53), (double) (1L << 53)))
			.number(KEY_COUNT, DEFAULT_COUNT, CommandKeys.whole(1, MAX_COUNT));

	@Override
	public void run(String arg) {
		if (!CommandEnvironment.ready(COMMAND)) return; // Java only: no native library needed
		ImagePlus imp = WindowManager.getCurrentImage();
		if (imp == null) {
			CommandReporter.badInput(COMMAND, "There is no image open: open the image to preview first.");
			return;
		}
		CommandKeys.Run run = KEYS.beginDialog();
		if (run == null) return;
		GenericDialog gd = run.dialog();
		Set<Augmenter.Op> ops;
		long seed;
		int count;
		try {
			gd.addStringField(KEY_AUGMENT + ":", run.text(KEY_AUGMENT), 40);
			gd.addMessage("Any of: flip rot90 rotate shift brightness contrast noise (as in Train CNN Classifier)");
			gd.addNumericField(KEY_SEED + ":", run.number(KEY_SEED), 0, 12, "");
			gd.addNumericField(KEY_COUNT + ":", run.number(KEY_COUNT), 0, 6, "epochs");
			gd.showDialog();
			if (gd.wasCanceled()) return;
			TrainingOptions o = new TrainingOptions();
			o.augment = gd.getNextString().trim();
			ops = o.augmentOps();
			double s = gd.getNextNumber();
			seed = TrainingOptions.seed(gd.invalidNumber() ? Double.NaN : s);
			double c = gd.getNextNumber();
			if (gd.invalidNumber() || !(c == Math.rint(c) && c >= 1 && c <= MAX_COUNT))
				throw new IllegalArgumentException(KEY_COUNT + "=" + MacroValues.format(c) + " must be a whole number "
						+ "from 1 to " + MAX_COUNT);
			count = (int) c;
			run.remember(KEY_AUGMENT, o.augment).remember(KEY_SEED, seed).remember(KEY_COUNT, count);
		} catch (IllegalArgumentException e) {
			CommandReporter.badInput(COMMAND, e.getMessage());
			return;
		}
		int index = imp.getCurrentSlice() - 1;
		AugmentedPlanes preview;
		try {
			IJ.showStatus(COMMAND + " " + count + " epochs");
			preview = AugmentedPlanes.of(imp.getStack(), index, ops, seed, count,
					IJ::escapePressed);
		} catch (IllegalArgumentException e) {
			CommandReporter.badInput(COMMAND, e.getMessage());
			return;
		}
		if (preview == null) {
			IJ.showStatus(COMMAND + " stopped (Esc); no image created");
			return;
		}
		ImagePlus out = image(imp, preview);
		out.show();
		IJ.log(COMMAND + " " + imp.getTitle() + " plane " + (index + 1) + " (training example " + index
				+ "): augment=[" + (ops.isEmpty() ? "none" : words(ops)) + "] seed=" + seed + ", epochs 1-" + count
				+ "; normalisation of the " + imp.getStackSize() + " plane(s): " + preview.normalisation);
	}

	private static String words(Set<Augmenter.Op> ops) {
		StringBuilder sb = new StringBuilder();
		for (Augmenter.Op op : ops) sb.append(sb.length() == 0 ? "" : " ").append(op.word());
		return sb.toString();
	}

	/** Gray: 32-bit planes as computed; RGB: the three channels rounded and clamped into one RGB plane. */
	static ImagePlus image(ImagePlus source, AugmentedPlanes p) {
		int w = p.format.width(), h = p.format.height(), n = w * h;
		ImageStack stack = new ImageStack(w, h);
		for (int e = 0; e < p.planes.length; e++) {
			String label = "epoch " + (e + 1) + ": " + p.draws[e];
			if (p.format.channels() == 1) {
				stack.addSlice(label, new FloatProcessor(w, h, p.planes[e]));
			} else {
				ColorProcessor cp = new ColorProcessor(w, h);
				for (int c = 0; c < 3; c++) {
					float[] channel = new float[n];
					System.arraycopy(p.planes[e], c * n, channel, 0, n);
					cp.setPixels(c, new FloatProcessor(w, h, channel));
				}
				stack.addSlice(label, cp);
			}
		}
		String base = source.getTitle().replaceFirst("\\.[A-Za-z0-9]+$", "");
		ImagePlus out = new ImagePlus(base + " augmented", stack);
		out.setCalibration(source.getCalibration().copy());
		if (p.format.channels() == 1) {
			out.getCalibration().disableDensityCalibration();
			out.setDisplayRange(source.getDisplayRangeMin(), source.getDisplayRangeMax());
		}
		return out;
	}
}
