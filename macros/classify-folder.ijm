// classify-folder.ijm — ConvKit batch example: classify every image in a folder with a trained CNN into a CSV file.
//
// Argument (getArgument()):
//   model=/path/model.zip folder=/path/to/images [output=/path/results.csv] [recursive] [overwrite]
// Brackets for paths with spaces: folder=[/my images]. Relative paths are relative to the directory ImageJ was
// started from (./convkit --headless keeps yours). Without output= the CSV is FOLDER/results.csv.
// With no argument it asks for the model file and the folder in the GUI; without a display it prints its usage
// and exits with code 2.
//
// One run of "Classify Folder with CNN...": a CSV row per readable image, header file,class,probability,<classes>;
// unreadable files are listed in the Log and skipped. An existing output file is an error unless "overwrite".
// The last line printed is a summary: "classify-folder: N images classified into OUTPUT".
//
// Headless:  ./convkit --headless macros/classify-folder.ijm "model=model.zip folder=images output=results.csv"
// The exit code is non-zero if anything failed (a bad model, a missing folder, an existing output file, ...).

USAGE = "usage: ./convkit --headless macros/classify-folder.ijm \"model=FILE.zip folder=DIR [output=FILE.csv] [recursive] [overwrite]\"";

arg = getArgument();
model = "";
folder = "";
output = "";
if (arg == "" && getInfo("java.awt.headless") == "true") exit(USAGE); // no display: no dialogs to ask with
if (arg == "") {
	model = File.openDialog("Choose a ConvKit model (.zip)");
	folder = getDirectory("Choose a folder of images");
} else {
	model = option(arg, "model");
	folder = option(arg, "folder");
	output = option(arg, "output");
}
if (model == "" || folder == "")
	exit("classify-folder: give model= and folder= (argument: model=FILE folder=DIR [output=FILE] [recursive])");
model = absolute(model);
folder = absolute(folder);
if (!File.isDirectory(folder)) exit("classify-folder: folder not found: " + folder);
if (output == "") output = folder + File.separator + "results.csv";
output = absolute(output);

flags = "";
if (hasWord(arg, "recursive")) flags = flags + " recursive";
if (hasWord(arg, "overwrite")) flags = flags + " overwrite";
setBatchMode(true);
run("Classify Folder with CNN...", "model=[" + model + "] folder=[" + folder + "] output=[" + output + "]" + flags);
setBatchMode(false);

rows = split(File.openAsString(output), "\n");
print("classify-folder: " + (rows.length - 1) + " images classified into " + output);

// The value of key=value or key=[value with spaces] in s, or "".
function option(s, key) {
	start = indexOf(s, key + "=");
	if (start < 0) return "";
	start = start + lengthOf(key) + 1;
	if (substring(s, start, start + 1) == "[") {
		end = indexOf(s, "]", start);
		if (end < 0) exit("classify-folder: missing ']' after " + key + "=");
		return substring(s, start + 1, end);
	}
	end = indexOf(s, " ", start);
	if (end < 0) end = lengthOf(s);
	return substring(s, start, end);
}

// True when the word stands alone in s (a key without a value, like "recursive").
function hasWord(s, word) {
	s = replace(s, "\\[[^\\]]*\\]", "[]"); // not inside a bracketed path
	return matches(" " + s + " ", ".* " + word + " .*");
}

// An absolute path: relative ones are taken from the directory ImageJ was started in.
function absolute(path) {
	if (startsWith(path, "/") || matches(path, "^[A-Za-z]:.*") || startsWith(path, "\\\\")) return path;
	return getDir("cwd") + path;
}
