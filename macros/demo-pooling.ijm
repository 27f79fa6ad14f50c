// demo-pooling.ijm — a pooling layer on a real image, at true pixel size: the input and three Apply Pooling
// results, each labelled with the layer formula filled in (the same text Apply Pooling... prints in the Log).
//
// Argument: the output PNG path (default: pooling.png in the current directory).
// Headless:  ./convkit --headless macros/demo-pooling.ijm docs/images/pooling.png

out = getArgument();
if (out == "") out = "pooling.png";
sample = call("java.lang.System.getProperty", "convkit.home") + "/sample-images/cells-8bit.tif";
setBatchMode(true);
open(sample);
src = getTitle();
n = getWidth();

methods = newArray("Max", "Average", "Max");
sizes = newArray(2, 3, 4);
strides = newArray(2, 2, 4);
paddings = newArray("Valid", "Same", "Valid");
gap = 24;
titles = newArray(4);
lines1 = newArray(4);
lines2 = newArray(4);
titles[0] = src;
lines1[0] = "input";
lines2[0] = "" + n + " x " + n;
for (i = 0; i < 3; i++) {
	selectImage(src);
	run("Apply Pooling...", "method=" + methods[i] + " size=" + sizes[i] + " stride=" + strides[i] + " padding=" + paddings[i]);
	titles[i + 1] = getTitle();
	w = getWidth();
	lines1[i + 1] = methods[i] + " " + sizes[i] + "x" + sizes[i] + ", stride " + strides[i] + ", " + paddings[i];
	if (paddings[i] == "Valid") lines2[i + 1] = "floor((" + n + " + 2*0 - " + sizes[i] + ") / " + strides[i] + ") + 1 = " + w;
	else lines2[i + 1] = "ceil(" + n + " / " + strides[i] + ") = " + w;
}

// each column is as wide as its image or its label, whichever is wider
setFont("SansSerif", 13);
columns = newArray(4);
canvasWidth = gap;
for (i = 0; i < 4; i++) {
	selectImage(titles[i]);
	columns[i] = maxOf(getWidth(), maxOf(getStringWidth(lines1[i]), getStringWidth(lines2[i])));
	canvasWidth += columns[i] + gap;
}
canvas = "pooling";
newImage(canvas, "8-bit white", canvasWidth, n + 60, 1);
x = gap;
for (i = 0; i < 4; i++) {
	selectImage(titles[i]);
	w = getWidth();
	h = getHeight();
	run("Select All");
	run("Copy");
	selectImage(canvas);
	makeRectangle(x, 10, w, h);
	run("Paste");
	run("Select None");
	setFont("SansSerif", 13); // "antialiased" draws nothing headless (ImageJ 1.54p)
	setColor(0);
	drawString(lines1[i], x, n + 32);
	drawString(lines2[i], x, n + 50);
	x += columns[i] + gap;
}
selectImage(canvas);
saveAs("PNG", out);
print("demo-pooling: wrote " + out);
