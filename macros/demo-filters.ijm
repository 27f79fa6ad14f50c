// demo-filters.ijm — ConvKit's three filters side by side on one sample image, saved as a labelled montage.
//
// Argument: the output PNG path (default: filters-montage.png in the current directory).
// Headless:  ./convkit --headless macros/demo-filters.ijm docs/images/filters-montage.png

out = getArgument();
if (out == "") out = "filters-montage.png";
sample = call("java.lang.System.getProperty", "convkit.home") + "/sample-images/cells-8bit.tif";
setBatchMode(true);
open(sample);
src = getTitle();

function panel(options, command, label, convert) {
	selectImage(src);
	run("Duplicate...", "title=work");
	run(command, options);
	// Commands that make a new image leave it current; in-place ones keep "work".
	if (getTitle() != "work") { result = getTitle(); selectImage("work"); close(); selectImage(result); }
	if (convert) { resetMinAndMax(); run("8-bit"); }
	rename(label);
}

panel("preset=[Sobel X] border=Reflect output=32-bit", "Apply Kernel...", "Apply Kernel: Sobel X", true);
panel("preset=Emboss border=Reflect output=[Same type]", "Apply Kernel...", "Apply Kernel: Emboss", false);
panel("method=Gaussian sigma=4 offset output=[Same type]", "High-pass Filter...", "High-pass: Gaussian sigma=4", false);
panel("method=FFT cutoff=20 order=2 offset output=[Same type]", "High-pass Filter...", "High-pass: FFT cutoff=20", false);
panel("method=Canny low=40 high=100 aperture=3 blur=1", "Edge Detection...", "Edge Detection: Canny", false);
selectImage(src);
rename("Original");
run("Images to Stack", "use");
run("Make Montage...", "columns=3 rows=2 scale=1 font=14 label");
saveAs("PNG", out);
print("demo-filters: wrote " + out);
