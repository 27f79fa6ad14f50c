// record-classes.ijm: run once after each build by ./convkit (class_sharing), while Java records the classes it
// loads into the class archive that later headless runs start from. It does what headless runs commonly do, on a
// few generated images: trains a small LeNet on a folder, classifies the folder, filters an image.
// Argument: an empty scratch folder (the launcher deletes it afterwards).
dir = getArgument();
if (dir == "" || !File.isDirectory(dir)) exit("record-classes: an existing scratch folder is needed");
setBatchMode(true);
images = dir + "/images";
File.makeDirectory(images);
for (c = 0; c < 2; c++) {
	File.makeDirectory(images + "/c" + c);
	for (i = 0; i < 8; i++) {
		newImage("example", "8-bit black", 28, 28, 1);
		makeOval(3 + 14 * c, 9, 10, 10);
		run("Set...", "value=200");
		run("Select None");
		run("Add Specified Noise...", "standard=20");
		saveAs("PNG", images + "/c" + c + "/" + i + ".png");
		close();
	}
}
run("Train CNN Classifier...", "source=Folder folder=[" + images + "] model=[" + dir + "/model.zip] epochs=1 batch=4 "
	+ "validation=0.25");
run("Classify Folder with CNN...", "model=[" + dir + "/model.zip] folder=[" + images + "] output=["
	+ dir + "/classes.csv] recursive");
open(images + "/c0/0.png");
run("Apply Kernel...", "preset=[Sobel X] output=32-bit");
open(images + "/c1/0.png");
run("Edge Detection...", "method=Canny low=20 high=60");
print("record-classes: done");
