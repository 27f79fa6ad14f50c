package org.convkit.plugins.cnn;

import ij.IJ;
import ij.gui.GenericDialog;
import ij.gui.Plot;
import ij.measure.ResultsTable;
import ij.plugin.PlugIn;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.plugins.support.CommandEnvironment;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.model.ModelSummary;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.NamedTables;

import java.nio.file.Paths;

/**
 * Plugins › ConvKit › CNN › CNN Model Info...: the layers of a model file as the "CNN Model Info" table (name as
 * the Inspect commands take it, layer, output shape, parameters, and a total row), its input, classes, normalisation and training settings in the Log,
 * and its training history as a plot.
 */
public class CnnModelInfo implements PlugIn {
	public static final String COMMAND = "CNN Model Info...", TABLE = "CNN Model Info";
	public static final String KEY_MODEL = ModelField.KEY;
	public static final String COL_NAME = "name", COL_LAYER = "layer", COL_OUTPUT = "output",
			COL_PARAMETERS = "parameters";
	/** The layer text of the last row, which holds the total parameter count. */
	public static final String TOTAL = "total";
	/** The macro keys. */
	public static final CommandKeys KEYS = CommandKeys.of(COMMAND).path(KEY_MODEL, CommandKeys.PathRole.MODEL)
			.required();

	@Override
	public void run(String arg) {
		if (!CommandEnvironment.readyForCnn(COMMAND)) return;
		CommandKeys.Run run = KEYS.beginDialog();
		if (run == null) return;
		GenericDialog gd = run.dialog();
		ModelField.add(gd, run);
		gd.showDialog();
		if (gd.wasCanceled()) return;
		String model = gd.getNextString();
		ModelBundle bundle;
		try {
			bundle = ModelField.read(model);
		} catch (ModelFileException e) {
			CommandReporter.badInput(COMMAND, e.getMessage());
			return;
		}
		ModelField.remember(run, model);
		ModelSummary s = new ModelSummary(bundle);
		NamedTables.show(TABLE, table(s));
		String name = Paths.get(model.trim()).getFileName().toString();
		IJ.log(COMMAND + " " + Paths.get(model.trim()).toAbsolutePath().normalize());
		for (String line : s.infoLines()) IJ.log("  " + line);
		Plot plot = HistoryPlot.create(name + " training history", bundle.history());
		plot.show();
	}

	/** One row per layer (output layer included), then the total. */
	public static ResultsTable table(ModelSummary s) {
		ResultsTable rt = new ResultsTable();
		for (ModelSummary.Row r : s.rows()) {
			rt.incrementCounter();
			rt.addValue(COL_NAME, r.name);
			rt.addValue(COL_LAYER, r.layer);
			rt.addValue(COL_OUTPUT, r.shape);
			rt.addValue(COL_PARAMETERS, r.params);
		}
		rt.incrementCounter();
		rt.addValue(COL_NAME, "");
		rt.addValue(COL_LAYER, TOTAL);
		rt.addValue(COL_OUTPUT, "");
		rt.addValue(COL_PARAMETERS, s.totalParams());
		rt.setPrecision(0);
		return rt;
	}
}
