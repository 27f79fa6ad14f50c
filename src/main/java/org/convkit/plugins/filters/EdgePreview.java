package org.convkit.plugins.filters;

import ij.IJ;
import ij.ImagePlus;
import org.convkit.core.edges.EdgeParams;

/**
 * The live preview of Edge Detection: the current plane's result in a window of its own (the result has another
 * type than the source, so it cannot be shown in place), updated while the dialog's values change and closed
 * with the dialog. GUI only.
 */
final class EdgePreview {
	private final ImagePlus source;
	private ImagePlus window;

	EdgePreview(ImagePlus source) {
		this.source = source;
	}

	/** Shows the result for {@code params}, or hides the preview when null (preview off or invalid values). */
	void update(EdgeParams params) {
		if (params == null) {
			close();
			return;
		}
		ImagePlus result;
		try {
			result = EdgeDetection.detect(source, params, false);
		} catch (IllegalArgumentException e) {
			IJ.showStatus(EdgeDetection.COMMAND + ": " + e.getMessage());
			close();
			return;
		}
		if (result == null) return;
		String title = EdgeDetection.COMMAND.replace("...", "") + " preview";
		if (window == null || window.getWindow() == null) {
			window = new ImagePlus(title, result.getProcessor());
			window.show();
		} else {
			window.setProcessor(result.getProcessor());
		}
		window.setDisplayRange(result.getDisplayRangeMin(), result.getDisplayRangeMax());
		window.updateAndDraw();
	}

	void close() {
		if (window != null) {
			window.changes = false;
			window.close();
			window = null;
		}
	}
}
