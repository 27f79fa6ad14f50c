package org.convkit.plugins.inspect;

import ij.IJ;
import org.convkit.core.cnn.inspect.Progress;

/** ImageJ's progress bar and Esc for the inspection core: Esc answers "stop". */
final class InspectProgress implements Progress {
	private final String command;

	InspectProgress(String command) {
		this.command = command;
		IJ.resetEscape();
	}

	@Override
	public boolean update(int done, int total) {
		IJ.showProgress(done, total);
		if (done < total) IJ.showStatus(command + " " + done + "/" + total + " (Esc stops)");
		return !IJ.escapePressed();
	}

	/** The status after Esc: nothing was created. */
	void stopped() {
		IJ.showProgress(1.0);
		IJ.showStatus(command + ": stopped (Esc); nothing was created");
	}
}
