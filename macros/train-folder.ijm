// train-folder.ijm — ConvKit example: train a CNN classifier on a folder with one subfolder of images per class.
//
// Argument (getArgument()): the keys of "Train CNN Classifier...", at least folder= and model=, e.g.
//   folder=/path/to/classes model=/path/to/model.zip
//   folder=[/my images] model=[/my models/cells.zip] epochs=20 batch=32 augment=[flip rot90] overwrite
// Paths with spaces go in brackets; relative paths are relative to the directory ImageJ was started from.
// Every other key (architecture=, layers=, validation=, patience=, ...) is passed on as given; a key left out
// takes the command's default (see the README).
//
// It prints one summary line: "train-folder: best model MODEL (epoch E, validation accuracy A), last model LAST,
// N epochs, stopped: REASON". The best model is MODEL, the last epoch's model is beside it as NAME-last.zip.
//
// Headless:  ./convkit --headless macros/train-folder.ijm "folder=/data/classes model=/tmp/cells.zip epochs=5"
// The exit code is non-zero if anything failed (missing keys, bad data, a model file that exists without
// overwrite, training that diverged).

COMMAND = "Train CNN Classifier...";
RESULT = "org.convkit.plugins.cnn.TrainCnnClassifier.lastResult";

arg = getArgument();
if (arg == "") exit("usage: ./convkit --headless macros/train-folder.ijm \"folder=DIR model=FILE.zip [key=value ...]\"");
folder = option(arg, "folder");
model = option(arg, "model");
if (folder == "") exit("train-folder: folder= is missing (a folder with one subfolder of images per class)");
if (model == "") exit("train-folder: model= is missing (the .zip file to save the trained model to)");
if (!File.isDirectory(folder)) exit("train-folder: folder not found: " + folder);

setBatchMode(true);
// The first occurrence of a key counts: the caller's keys come first, source=Folder is the fixed part.
run(COMMAND, arg + " source=Folder");
setBatchMode(false);

best = call(RESULT, "best_file");
if (best == "" || !File.exists(best)) exit("train-folder: no model was saved (" + call(RESULT, "message") + ")");
accuracy = call(RESULT, "best_validation_accuracy");
if (accuracy == "") accuracy = "n/a (validation=0)";
else accuracy = d2s(parseFloat(accuracy), 4);
print("train-folder: best model " + best + " (epoch " + call(RESULT, "best_epoch") + ", validation accuracy "
	+ accuracy + "), last model " + call(RESULT, "last_file") + ", " + call(RESULT, "epochs") + " epochs, stopped: "
	+ call(RESULT, "stop"));

// The value of key=value or key=[value with spaces] in s, or "".
function option(s, key) {
	start = indexOf(" " + s, " " + key + "=");
	if (start < 0) return "";
	start = start + lengthOf(key) + 1;
	if (substring(s, start, start + 1) == "[") {
		end = indexOf(s, "]", start);
		if (end < 0) exit("train-folder: missing ']' after " + key + "=");
		return substring(s, start + 1, end);
	}
	end = indexOf(s, " ", start);
	if (end < 0) end = lengthOf(s);
	return substring(s, start, end);
}
