package org.convkit.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * numpy as an independent reference (Debian's /usr/bin/python3 with python3-numpy; a test calling {@link #assume()}
 * fails under CI and is skipped locally when it is missing; CI installs it). The script gets the inputs as float32
 * arrays {@code a[0], a[1], ...} and assigns the result (anything numpy can flatten to float64) to {@code out}.
 */
public final class Numpy {
	public static final String PYTHON = Prerequisites.PYTHON;

	private Numpy() {
	}

	/** python3 with numpy: the calling test fails under CI and is skipped locally without it (Prerequisites). */
	public static void assume() {
		Prerequisites.requirePython("numpy");
	}

	/** Runs {@code script} on the inputs and returns {@code out} as doubles. */
	public static double[] run(String script, float[]... inputs) throws Exception {
		Path dir = Files.createTempDirectory("convkit-numpy");
		try {
			StringBuilder py = new StringBuilder("import sys, numpy as np\n");
			py.append("a = [np.fromfile(f, dtype='<f4') for f in sys.argv[2:]]\n");
			py.append(script).append('\n');
			py.append("np.asarray(out, dtype='<f8').ravel().tofile(sys.argv[1])\n");
			Path file = dir.resolve("script.py"), out = dir.resolve("out.f64");
			Files.write(file, py.toString().getBytes(StandardCharsets.UTF_8));
			List<String> args = new ArrayList<>();
			args.add(out.toString());
			for (int i = 0; i < inputs.length; i++) {
				Path in = dir.resolve("a" + i + ".f32");
				ByteBuffer b = ByteBuffer.allocate(inputs[i].length * 4).order(ByteOrder.LITTLE_ENDIAN);
				for (float v : inputs[i]) b.putFloat(v);
				Files.write(in, b.array());
				args.add(in.toString());
			}
			Python.run(file, args); // its time limit holds even if the script hangs
			ByteBuffer r = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
			double[] result = new double[r.remaining() / 8];
			for (int i = 0; i < result.length; i++) result[i] = r.getDouble();
			return result;
		} finally {
			try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
				s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
			}
		}
	}
}
