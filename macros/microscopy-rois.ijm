// microscopy-rois.ijm — ConvKit example: learn cell phenotypes from ROIs on one field, classify the ROIs of a second
// field, and map class probabilities over it. Runs on the SYNTHETIC sample in sample-images/ (2-channel 16-bit fields
// made by org.convkit.app.MicroscopySample; nothing there was imaged) or on your own files with the same layout.
//
// Argument (getArgument()): key=value pairs; model= and output= are required:
//   model=FILE.zip     where the trained model goes (the last epoch's model beside it as NAME-last.zip)
//   output=FOLDER      where the results go (created if missing): field2-rois.zip (the second field's ROIs, each in
//                      the group of its predicted class), field2-probabilities.tif (one 32-bit channel per class),
//                      field2-classes.tif (8-bit, the most probable class per pixel)
//   samples=FOLDER     the fields and ROI sets (default: sample-images of this ConvKit)
//   epochs=N           training epochs (default 15)          stride=N   pixels between map windows (default 4)
//   overwrite          replace an existing model file
// Paths with spaces go in brackets.
//
// Headless:  ./convkit --headless macros/microscopy-rois.ijm "model=/tmp/cells.zip output=/tmp/cells"
// It prints the second field's accuracy against microscopy-field2-truth.csv. The exit code is non-zero if anything
// failed (missing files, bad keys, a model file that exists without overwrite).

arg = getArgument();
model = option(arg, "model", "");
output = option(arg, "output", "");
if (model == "" || output == "") exit("microscopy-rois: give model=FILE.zip and output=FOLDER");
home = call("java.lang.System.getProperty", "convkit.home");
samples = option(arg, "samples", home + File.separator + "sample-images");
epochs = option(arg, "epochs", "15");
stride = option(arg, "stride", "4");
overwrite = "";
if (indexOf(" " + arg + " ", " overwrite ") >= 0) overwrite = " overwrite";
field1 = samples + File.separator + "microscopy-field1.tif";
field2 = samples + File.separator + "microscopy-field2.tif";
if (!File.exists(field1) || !File.exists(field2)) exit("microscopy-rois: no sample fields in " + samples);
File.makeDirectory(output);
if (!File.isDirectory(output)) exit("microscopy-rois: cannot create the output folder " + output);

setBatchMode(true);
// 1. Train from the first field's ROIs: their groups are the classes (1 apoptotic, 2 mitotic, 3 normal), and ROIs
//    on empty background (group 4) teach the model what is no cell, which the probability map needs.
open(field1);
roiManager("reset");
roiManager("open", samples + File.separator + "microscopy-field1-rois.zip");
roiManager("open", samples + File.separator + "microscopy-field1-background-rois.zip");
Roi.setGroupNames("apoptotic,mitotic,normal,background");
run("Train CNN Classifier...", "source=ROIs label=Group patch=32 border=Reflect channels=[1,2] "
	+ "normalize=Percentile low=1 high=99.8 per=Image balance=Weights architecture=Custom "
	+ "layers=[conv 3x3x16 pad=same; maxpool 2; conv 3x3x32 pad=same; maxpool 2; dense 64; dropout 0.3] "
	+ "epochs=" + epochs + " batch=16 learning=0.002 validation=0.1 patience=5 augment=[flip rot90] seed=7 "
	+ "model=[" + model + "]" + overwrite);
accuracy = call("org.convkit.plugins.cnn.TrainCnnClassifier.lastResult", "best_validation_accuracy");
close("*");

// 2. Classify the second field's ROIs: each gets its predicted class as group and colour.
open(field2);
roiManager("reset");
roiManager("open", samples + File.separator + "microscopy-field2-rois.zip");
run("Classify ROIs with CNN...", "model=[" + model + "]");
roiManager("save", output + File.separator + "field2-rois.zip");

// Compare with the classes the generator drew (roi,class per line).
truth = split(File.openAsString(samples + File.separator + "microscopy-field2-truth.csv"), "\n");
classes = split(Roi.getGroupNames, ",");
n = roiManager("count");
right = 0;
for (i = 0; i < n; i++) {
	roiManager("select", i);
	row = split(truth[i + 1], ",");
	if (row[0] != Roi.getName) exit("microscopy-rois: the truth file does not list the ROIs in order");
	if (classes[Roi.getGroup - 1] == row[1]) right++;
}

// 3. Map class probabilities over the second field.
selectImage(File.getName(field2));
run("CNN Probability Map...", "model=[" + model + "] stride=" + stride + " output=Both");
selectImage("microscopy-field2-probabilities");
saveAs("Tiff", output + File.separator + "field2-probabilities.tif");
selectImage("microscopy-field2-classes");
saveAs("Tiff", output + File.separator + "field2-classes.tif");
setBatchMode(false);

print("microscopy-rois: model " + model + " (validation accuracy " + d2s(parseFloat(accuracy), 3) + "); field 2: "
	+ right + " of " + n + " ROIs classified as the generator drew them (" + d2s(100 * right / n, 1)
	+ " %); results in " + output);

// The value of key=value or key=[value with spaces] in s, or the fallback.
function option(s, key, fallback) {
	start = indexOf(" " + s, " " + key + "=");
	if (start < 0) return fallback;
	start = start + lengthOf(key) + 1;
	if (substring(s, start, start + 1) == "[") {
		end = indexOf(s, "]", start);
		if (end < 0) exit("microscopy-rois: missing ']' after " + key + "=");
		return substring(s, start + 1, end);
	}
	end = indexOf(s, " ", start);
	if (end < 0) end = lengthOf(s);
	return substring(s, start, end);
}
