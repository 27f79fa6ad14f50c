// batch-edges-highpass.ijm — ConvKit batch example: Canny edges and a Gaussian high-pass for every image in a folder.
//
// Argument (getArgument()), one of:
//   input=/path/to/images output=/path/to/results   (brackets for paths with spaces: input=[/my images])
//   /path/to/images                                 (results go to /path/to/images/convkit-output/)
// Relative paths are relative to the directory ImageJ was started from (./convkit --headless keeps yours).
// With no argument it asks for the input folder in the GUI; without a display it prints its usage and exits with
// code 2.
//
// For every .tif/.tiff/.png/.jpg/.jpeg/.gif/.bmp file (sub-folders are not entered) it writes two files:
//   NAME-edges.tif     run("Edge Detection...", "method=Canny low=20 high=60 aperture=3 blur=1")
//   NAME-highpass.tif  run("High-pass Filter...", "method=Gaussian sigma=4 offset output=[Same type]")
// Stacks are processed slice by slice (the "stack" key). The originals are never modified.
// The last line printed is a summary: "batch-edges-highpass: N images, 2N files written to OUTPUT".
//
// Headless:  ./convkit --headless macros/batch-edges-highpass.ijm "input=sample-images output=/tmp/out"
// The exit code is non-zero if anything failed (a bad folder, an unreadable image, a command error).

EDGES_OPTIONS = "method=Canny low=20 high=60 aperture=3 blur=1";
HIGHPASS_OPTIONS = "method=Gaussian sigma=4 offset output=[Same type]";
var EXTENSIONS = newArray(".tif", ".tiff", ".png", ".jpg", ".jpeg", ".gif", ".bmp");

USAGE = "usage: ./convkit --headless macros/batch-edges-highpass.ijm \"input=DIR output=DIR\" (or just DIR)";

arg = getArgument();
input = "";
output = "";
if (arg == "" && getInfo("java.awt.headless") == "true") exit(USAGE); // no display: no dialog to ask with
if (arg == "") {
	input = getDirectory("Choose a folder of images");
	if (input == "") exit("batch-edges-highpass: no input folder given (argument: input=DIR output=DIR).");
} else if (indexOf(arg, "input=") >= 0) {
	input = option(arg, "input");
	output = option(arg, "output");
} else {
	input = arg;
}
input = folder(input);
if (!File.isDirectory(input)) exit("batch-edges-highpass: input folder not found: " + input);
if (output == "") output = input + "convkit-output" + File.separator;
output = folder(output);
if (!File.isDirectory(output)) File.makeDirectory(output);
if (!File.isDirectory(output)) exit("batch-edges-highpass: cannot create output folder: " + output);

setBatchMode(true);
files = getFileList(input);
count = 0;
skipped = 0;
for (i = 0; i < files.length; i++) {
	name = files[i];
	if (endsWith(name, "/") || !isImageName(name)) {
		skipped++;
		continue;
	}
	open(input + name);
	original = getImageID();
	base = File.getNameWithoutExtension(name);
	process(original, "Edge Detection...", EDGES_OPTIONS, output + base + "-edges.tif");
	process(original, "High-pass Filter...", HIGHPASS_OPTIONS, output + base + "-highpass.tif");
	selectImage(original);
	close();
	count++;
}
setBatchMode(false);
print("batch-edges-highpass: " + count + " images, " + (2 * count) + " files written to " + output
	+ " (" + skipped + " other entries skipped)");

// Runs the command on a copy of the image and saves what it produced (a new image, or the copy filtered in place).
function process(id, command, options, path) {
	selectImage(id);
	stack = "";
	if (nSlices > 1) stack = " stack";
	run("Duplicate...", "title=convkit-work duplicate");
	copy = getImageID();
	run(command, options + stack);
	result = getImageID();
	saveAs("Tiff", path);
	close();
	if (result != copy) {
		selectImage(copy);
		close();
	}
}

// The value of key=value or key=[value with spaces] in s, or "".
function option(s, key) {
	start = indexOf(s, key + "=");
	if (start < 0) return "";
	start = start + lengthOf(key) + 1;
	if (substring(s, start, start + 1) == "[") {
		end = indexOf(s, "]", start);
		if (end < 0) exit("batch-edges-highpass: missing ']' after " + key + "=");
		return substring(s, start + 1, end);
	}
	end = indexOf(s, " ", start);
	if (end < 0) end = lengthOf(s);
	return substring(s, start, end);
}

// An absolute folder path ending with a separator.
function folder(path) {
	if (!startsWith(path, "/") && !matches(path, "^[A-Za-z]:.*") && !startsWith(path, "\\\\"))
		path = getDir("cwd") + path;
	if (!endsWith(path, "/") && !endsWith(path, File.separator)) path = path + File.separator;
	return path;
}

function isImageName(name) {
	lower = toLowerCase(name);
	for (k = 0; k < EXTENSIONS.length; k++)
		if (endsWith(lower, EXTENSIONS[k])) return true;
	return false;
}
