package org.convkit.plugins.filters;

import ij.IJ;
import ij.gui.GenericDialog;
import ij.io.OpenDialog;
import ij.io.SaveDialog;
import org.convkit.core.kernel.Kernel;
import org.convkit.core.kernel.KernelFiles;
import org.convkit.core.kernel.KernelParser;
import org.convkit.core.kernel.KernelPresets;

import java.awt.Button;
import java.awt.Choice;
import java.awt.FlowLayout;
import java.awt.Panel;
import java.awt.TextField;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The "Load..." and "Save..." buttons of the Apply Kernel dialog (GUI only: the caller adds them only when a
 * display exists and no macro runs). Loading fills the kernel field and selects Custom, so a recorded macro
 * holds the values themselves; saving asks before replacing a file and writes atomically ({@link KernelFiles}).
 */
final class KernelFileButtons {
	private KernelFileButtons() {}

	static void add(GenericDialog gd, Choice preset, TextField kernel) {
		Panel panel = new Panel(new FlowLayout(FlowLayout.CENTER, 5, 0));
		Button load = new Button("Load...");
		load.addActionListener(e -> load(preset, kernel));
		Button save = new Button("Save...");
		save.addActionListener(e -> save(kernel));
		panel.add(load);
		panel.add(save);
		gd.addPanel(panel);
	}

	private static void load(Choice preset, TextField kernel) {
		OpenDialog od = new OpenDialog("Load Kernel...", "");
		if (od.getFileName() == null) return;
		try {
			Kernel k = KernelFiles.read(Paths.get(od.getDirectory(), od.getFileName()));
			preset.select(KernelPresets.CUSTOM);
			// setText fires the dialog's listener, which refreshes the preview.
			kernel.setText(KernelParser.format(k, "; "));
		} catch (IllegalArgumentException e) {
			IJ.error(ApplyKernel.COMMAND, e.getMessage());
		}
	}

	private static void save(TextField kernel) {
		Kernel k;
		try {
			k = KernelParser.parse(kernel.getText());
		} catch (IllegalArgumentException e) {
			IJ.error(ApplyKernel.COMMAND, "Cannot save: " + e.getMessage());
			return;
		}
		SaveDialog sd = new SaveDialog("Save Kernel...", "kernel", ".txt");
		if (sd.getFileName() == null) return;
		Path path = Paths.get(sd.getDirectory(), sd.getFileName());
		boolean replace = Files.exists(path);
		if (replace && !IJ.showMessageWithCancel(ApplyKernel.COMMAND, path + " exists.\nReplace it?")) return;
		try {
			KernelFiles.write(path, k, replace);
		} catch (RuntimeException e) {
			IJ.error(ApplyKernel.COMMAND, e.getMessage());
		}
	}
}
