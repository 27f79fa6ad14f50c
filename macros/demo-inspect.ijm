// demo-inspect.ijm — "Seeing inside" a CNN: trains a LeNet on the sample cells, then shows what it computes.
//
// Argument: the output folder for the PNGs (default: the current directory). It writes
//   inspect-feature-maps.png  conv1's maps of the whole 256x256 sample field (Whole image mode), as a montage
//   inspect-filters.png       the 20 learned 5x5 conv1 filters (zoom 12)
//   inspect-gradcam.png       Grad-CAM (on conv1) overlays of one held-out cell of each class
//   inspect-deepdream.png     the sample field dreamed by conv2, next to the original
// The trained model goes to ImageJ's temporary folder (inspect-cells.zip).
// Headless:  ./convkit --headless macros/demo-inspect.ijm docs/images

out = getArgument();
if (out == "") out = getDirectory("current");
if (!endsWith(out, "/")) out = out + "/";
home = call("java.lang.System.getProperty", "convkit.home");
cells = home + "/sample-images/cell-classes";
model = getDirectory("temp") + "inspect-cells.zip";
setBatchMode(true);

// 1. A model trained by a macro: LeNet on the 32x32 sample cells (seeded: the same model every run)
run("Train CNN Classifier...", "source=Folder folder=[" + cells + "/train] architecture=LeNet epochs=15 batch=16 "
	+ "seed=42 model=[" + model + "] overwrite");

// 2. conv1's feature maps of the whole 256x256 field, although the model was trained on 32x32 cells
open(home + "/sample-images/cells-8bit.tif");
field = getTitle();
run("CNN Feature Maps...", "model=[" + model + "] layer=conv1 montage input=[Whole image]");
saveAs("PNG", out + "inspect-feature-maps.png");

// 3. the learned filters: 20 kernels of 5x5, enlarged 12 times, one display range (0 is mid-grey)
run("CNN Filters...", "model=[" + model + "] layer=conv1 zoom=12");
filters = getTitle();
run("Make Montage...", "columns=10 rows=2 scale=1 border=2");
saveAs("PNG", out + "inspect-filters.png");

// 4. Grad-CAM of one held-out cell per class, enlarged for display; the overlay flattened onto the cell
classes = newArray("dividing", "elongated", "round");
for (i = 0; i < classes.length; i++) {
	open(cells + "/test/" + classes[i] + "/cell-003.png");
	run("Size...", "width=160 height=160 interpolation=Bilinear");
	rename(classes[i]);
	run("CNN Saliency Map...", "model=[" + model + "] method=Grad-CAM class=Predicted layer=conv1");
	close(); // the 32-bit map; the overlay stays on the cell
	selectImage(classes[i]);
	run("Flatten");
	rename("cam " + classes[i]);
}
run("Images to Stack", "title=cam use");
run("Make Montage...", "columns=3 rows=1 scale=1 border=4 font=14 label");
saveAs("PNG", out + "inspect-gradcam.png");

// 5. DeepDream: the field, with what conv2 responds to amplified
selectImage(field);
run("CNN Deep Dream...", "model=[" + model + "] layer=conv2 iterations=10 octaves=3 scale=1.4 step=0.02 seed=42");
dream = getTitle();
selectImage(field);
run("Duplicate...", "title=original");
run("Combine...", "stack1=original stack2=[" + dream + "]");
saveAs("PNG", out + "inspect-deepdream.png");
print("demo-inspect: wrote " + out + "inspect-*.png");
