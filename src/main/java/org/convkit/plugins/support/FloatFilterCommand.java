package org.convkit.plugins.support;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.Macro;
import ij.gui.DialogListener;
import ij.gui.GenericDialog;
import ij.gui.Roi;
import ij.macro.Interpreter;
import ij.plugin.filter.ExtendedPlugInFilter;
import ij.plugin.filter.PlugInFilterRunner;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.filter.WindowGrid;
import org.convkit.core.image.Region;

import java.awt.AWTEvent;
import java.awt.Rectangle;
import java.util.concurrent.CancellationException;
import java.util.stream.IntStream;

/**
 * The frame shared by filters that compute in floating point (Apply Kernel, High-pass Filter): the subclass adds
 * its fields and filters one float plane; this class handles every ImageJ type and the {@code output=} key.
 * <ul>
 * <li>Same type: in place through ImageJ's PlugInFilterRunner with CONVERT_TO_FLOAT (8/16-bit rounded and
 * clamped, RGB per channel), selection masking, preview, Undo, Esc, and both cores on stacks.</li>
 * <li>32-bit: a new 32-bit image (RGB becomes three channels) filtered plane by plane, also for a 32-bit input,
 * which stays as it is.</li>
 * <li>A result of another size (pooling; strided or Valid kernels, {@link #newSizeGrids}): a new image of either
 * output type, see {@link ResizedCopies}.</li>
 * </ul>
 * The live preview works in place, so it shows nothing (the image as it is) while the settings make a new image.
 * Parameters are validated before any pixel is touched; bad input is reported by {@link CommandReporter}.
 */
public abstract class FloatFilterCommand implements ExtendedPlugInFilter, DialogListener {
	public static final String KEY_OUTPUT = "output";

	private static final int FLAGS = DOES_ALL | SUPPORTS_MASKING | PARALLELIZE_STACKS | CONVERT_TO_FLOAT
			| KEEP_PREVIEW | FINAL_PROCESSING;

	protected ImagePlus imp;
	/** This run's dialog defaults (documented defaults in a macro, remembered values in the GUI); null in apply. */
	protected CommandKeys.Run run;
	/** Whether the values come from a macro (a macro's dialog, or {@link #apply} without one). */
	protected boolean macro;
	private OutputType output = OutputType.SAME_TYPE;
	private boolean previewing;
	private volatile boolean newImagePreview;
	/** The dialog was OKed with valid values: only then may run() filter (PlugInFilterRunner calls it anyway). */
	private volatile boolean confirmed;
	private volatile boolean cancelled;

	/** The command name as it appears in the menu (and in macros). */
	protected abstract String commandName();

	/** The command's macro keys (with {@link #KEY_OUTPUT} and {@code stack}). */
	protected abstract CommandKeys keys();

	/** Adds this command's fields, before the shared output choice. */
	protected abstract void addFields(GenericDialog gd);

	/**
	 * Reads this command's fields in the order they were added (from the dialog, or from macro options without
	 * one); throws IllegalArgumentException on bad input.
	 */
	protected abstract void readFields(FieldValues values);

	/** Checks the parameters against the image (e.g. kernel larger than the image). */
	protected void validate(ImagePlus imp) {}

	/** Filters one float plane inside {@code region}, reading neighbours outside it; must be thread-safe. */
	protected abstract void filterPlane(FloatProcessor fp, Region region);

	/** The output= choice read from the dialog (Same type: in place; 32-bit: a new image unless already float). */
	protected OutputType outputType() {
		return output;
	}

	/** Called once after a successful run that was not a preview (log notes, remember settings). */
	protected void finished() {}

	/**
	 * For settings whose result has another size than the image (pooling; a strided or Valid kernel): the windows
	 * along x and y; null (the default) filters in place. Called after {@link #validate}.
	 */
	protected WindowGrid[] newSizeGrids(ImagePlus imp) {
		return null;
	}

	/** The result plane of {@link #newSizeGrids} (gx.out × gy.out) from a whole float plane; must be thread-safe. */
	protected float[] filterToNewSize(float[] pixels, WindowGrid gx, WindowGrid gy) {
		throw new UnsupportedOperationException(commandName() + " makes no image of another size");
	}

	/** The title suffix of an image of another size, e.g. "-maxpool". */
	protected String newSizeSuffix() {
		return "-strided";
	}

	/** Whether the dialog has a live preview (pooling never filters in place, so it has none). */
	protected boolean hasPreview() {
		return true;
	}

	@Override
	public int setup(String arg, ImagePlus imp) {
		if ("final".equals(arg)) {
			if (cancelled) IJ.showStatus(commandName() + ": stopped (Esc); remaining slices were not processed");
			else complete();
			return DONE;
		}
		this.imp = imp;
		if (!CommandEnvironment.readyForFilters(commandName())) return DONE;
		if (imp == null) {
			CommandReporter.noImage(commandName());
			return DONE;
		}
		return FLAGS;
	}

	@Override
	public int showDialog(ImagePlus imp, String command, PlugInFilterRunner pfr) {
		// ij1-patcher's headless dialog parses macro values while fields are added (value=abc would throw there),
		// and PlugInFilterRunner swallows an exception from showDialog and then runs the filter anyway: beginDialog
		// refuses a non-number first.
		run = keys().beginDialog();
		if (run == null) return DONE;
		macro = Macro.getOptions() != null;
		GenericDialog gd = run.dialog();
		try {
			addFields(gd);
		} catch (IllegalArgumentException e) {
			CommandReporter.badInput(commandName(), e.getMessage());
			return DONE;
		}
		gd.addChoice(KEY_OUTPUT + ":", OutputType.labels(), run.choice(KEY_OUTPUT));
		if (hasPreview()) gd.addPreviewCheckbox(pfr);
		gd.addDialogListener(this);
		previewing = true;
		gd.showDialog();
		previewing = false;
		if (gd.wasCanceled()) return DONE;
		try {
			// Read again: the dialog listener may not have seen the final values (e.g. in a macro).
			readAll(FieldValues.of(gd));
			validate(imp);
		} catch (IllegalArgumentException e) {
			CommandReporter.badInput(commandName(), e.getMessage());
			return DONE;
		}
		int flags = IJ.setupDialog(imp, FLAGS);
		if (flags == DONE) return DONE;
		boolean allPlanes = (flags & DOES_STACKS) != 0;
		WindowGrid[] grids = newSizeGrids(imp);
		if (grids != null) {
			runToNewSize(imp, allPlanes, grids[0], grids[1]);
			return DONE;
		}
		if (output == OutputType.FLOAT) {
			runToNewFloatImage(imp, allPlanes);
			return DONE;
		}
		// A batch-mode macro (every headless run) has no Undo: skip its full-image snapshot, in time and memory.
		if (Interpreter.isBatchMode()) flags |= NO_UNDO;
		confirmed = true;
		if (!allPlanes && imp.getNChannels() > 1)
			CommandReporter.note(commandName(), "processed channel " + imp.getC() + " of " + imp.getNChannels()
					+ " only (slice " + imp.getZ() + ", frame " + imp.getT() + "); add 'stack' to process every plane.");
		return flags;
	}

	private void readAll(FieldValues values) {
		readFields(values);
		output = OutputType.fromLabel(values.choice(KEY_OUTPUT, OutputType.SAME_TYPE.label));
	}

	@Override
	public boolean dialogItemChanged(GenericDialog gd, AWTEvent e) {
		try {
			readAll(FieldValues.of(gd));
			validate(imp);
		} catch (IllegalArgumentException ex) {
			IJ.showStatus(commandName() + ": " + ex.getMessage());
			return false;
		}
		// true keeps OK enabled (false disables it); run() skips a preview of a result that is a new image.
		newImagePreview = makesNewImage();
		if (newImagePreview) IJ.showStatus(commandName() + ": no preview for a result that is a new image");
		return true;
	}

	/** Whether the current settings make a new image rather than filtering in place. */
	private boolean makesNewImage() {
		return output == OutputType.FLOAT || newSizeGrids(imp) != null;
	}

	@Override
	public void setNPasses(int nPasses) {}

	@Override
	public void run(ImageProcessor ip) {
		if (!previewing && IJ.escapePressed()) {
			cancelled = true;
			return;
		}
		if (previewing ? newImagePreview : !confirmed) return;
		filterPlane((FloatProcessor) ip, regionOf(ip));
	}

	/** The processor's rectangular ROI, or everything (ImageJ hands it over as an AWT Rectangle: not in the core). */
	private static Region regionOf(ImageProcessor ip) {
		Rectangle r = ip.getRoi();
		return new Region(r.x, r.y, r.width, r.height);
	}

	/**
	 * The command as a macro line {@code run(command, options)} runs it on {@code imp}, without a dialog, progress
	 * or Esc (batch jobs, e.g. the Spark filter job): the same keys and defaults, the same planes (every plane with
	 * {@code stack}, as ImageJ's IJ.setupDialog decides for macros, else the current one), the same selection
	 * masking and the same conversion back to 8/16-bit or RGB as ImageJ's PlugInFilterRunner.
	 *
	 * @return {@code imp} itself, changed in place ({@code output=[Same type]}, or any output of a 32-bit image), a
	 *         new 32-bit image ({@code output=32-bit} of an 8/16-bit or RGB image), or a new image of another size
	 *         (pooling; a strided or Valid kernel)
	 * @throws IllegalArgumentException for bad options or options that do not fit the image; nothing is changed
	 */
	public ImagePlus apply(ImagePlus imp, String options) {
		this.imp = imp;
		macro = true;
		readAll(FieldValues.of(options));
		validate(imp);
		boolean allPlanes = processesAllPlanes(imp, options);
		WindowGrid[] grids = newSizeGrids(imp);
		if (grids != null) { // pooling, a strided or Valid kernel: a new image of another size, as the command makes
			ImagePlus result = ResizedCopies.create(imp, allPlanes, output == OutputType.FLOAT, grids[0], grids[1],
					pixels -> filterToNewSize(pixels, grids[0], grids[1]), newSizeSuffix());
			if (result == null) throw new CancellationException(commandName() + ": stopped (Esc)");
			return result;
		}
		if (output == OutputType.FLOAT) { // a new image, also from a 32-bit image, as the command makes
			ImagePlus result = toNewFloatImage(imp, allPlanes);
			if (result == null) throw new CancellationException(commandName() + ": stopped (Esc)");
			return result;
		}
		Roi roi = imp.getRoi();
		if (imp.getStackSize() == 1) {
			filterInPlace(imp.getProcessor(), roi);
		} else {
			ImageStack stack = imp.getStack();
			int first = allPlanes ? 1 : imp.getCurrentSlice(), last = allPlanes ? stack.getSize() : first;
			for (int i = first; i <= last; i++) filterInPlace(stack.getProcessor(i), roi);
		}
		return imp;
	}

	/**
	 * Checks macro options without an image: everything {@link #apply} checks before it needs the image.
	 *
	 * @throws IllegalArgumentException with the message the command gives
	 */
	public void checkOptions(String options) {
		macro = true;
		readAll(FieldValues.of(options));
	}

	/**
	 * IJ.setupDialog's rule for a macro on a stack: every plane when the options hold "stack " (or for a composite
	 * image in composite mode, unless they hold "slice"), else only the current one.
	 */
	static boolean processesAllPlanes(ImagePlus imp, String options) {
		if (imp.getStackSize() < 2) return false;
		String o = options == null ? " " : options + " ";
		if (imp.isComposite() && ((CompositeImage) imp).getMode() == IJ.COMPOSITE && !o.contains("slice"))
			return true;
		return o.contains("stack ");
	}

	/** What PlugInFilterRunner does with CONVERT_TO_FLOAT and SUPPORTS_MASKING, channel by channel. */
	private void filterInPlace(ImageProcessor ip, Roi roi) {
		for (int c = 0; c < ip.getNChannels(); c++) {
			FloatProcessor fp = ip.toFloat(c, null);
			FloatCopies.filterInsideRoi(fp, roi, this::filterPlane);
			ip.setPixels(c, fp);
		}
	}

	/** A result of another size: a new image of the output type, made plane by plane in parallel. */
	private void runToNewSize(ImagePlus source, boolean allPlanes, WindowGrid gx, WindowGrid gy) {
		if (source.getRoi() != null && source.getRoi().isArea())
			CommandReporter.note(commandName(), "the selection is not used: a result of another size is made from "
					+ "the whole image.");
		ImagePlus result = ResizedCopies.create(source, allPlanes, output == OutputType.FLOAT, gx, gy,
				pixels -> filterToNewSize(pixels, gx, gy), newSizeSuffix());
		if (result == null) {
			cancelled = true;
			IJ.showStatus(commandName() + ": stopped (Esc); no image created");
			return;
		}
		result.show();
		complete();
	}

	/** The 32-bit output: a new image (also from a 32-bit image), planes in parallel, only inside the selection. */
	private void runToNewFloatImage(ImagePlus source, boolean allPlanes) {
		ImagePlus result = toNewFloatImage(source, allPlanes);
		if (result == null) {
			IJ.showStatus(commandName() + ": stopped (Esc); no image created");
			return;
		}
		result.show();
		complete();
	}

	/** Remembers output= for the next dialog (not in a macro or apply), then the command's own finish. */
	private void complete() {
		if (run != null) run.remember(KEY_OUTPUT, output.label);
		finished();
	}

	/** A new 32-bit image of the planes, filtered in parallel inside the selection; null when stopped by Esc. */
	private ImagePlus toNewFloatImage(ImagePlus source, boolean allPlanes) {
		ImagePlus result = FloatCopies.of(source, allPlanes);
		Roi roi = source.getRoi();
		ImageStack stack = result.getStack();
		IntStream.rangeClosed(1, stack.getSize()).parallel().forEach(i -> {
			if (cancelled || IJ.escapePressed()) {
				cancelled = true;
				return;
			}
			FloatCopies.filterInsideRoi((FloatProcessor) stack.getProcessor(i), roi, this::filterPlane);
		});
		if (cancelled) return null;
		result.resetDisplayRange();
		return result;
	}
}
