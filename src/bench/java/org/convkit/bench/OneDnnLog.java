package org.convkit.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The time oneDNN's primitives took, summed from its verbose log ({@code DNNL_VERBOSE=1} for ND4J's oneDNN 2.3,
 * {@code ONEDNN_VERBOSE=1} for PyTorch's 2.6): one {@code exec} line per call, e.g.
 * <pre>
 * dnnl_verbose,exec,cpu,convolution,jit:avx512_common,backward_weights,MEMORY,ATTRIBUTES,AUX,mb64_ic20oc50_...,2.46
 * </pre>
 * Both versions put the problem (shapes) second to last and the milliseconds last; the fields before it hold no
 * commas. Forward training and forward inference count as one kind ({@code forward}): PyTorch trains with the first,
 * DL4J's helpers with the second; oneDNN 2.3's {@code pooling_v2} counts as {@code pooling}.
 */
final class OneDnnLog {
	/** Per operation ("convolution backward_weights mb64_ic20oc50_..."): {calls, milliseconds}. */
	final Map<String, double[]> operations = new LinkedHashMap<>();

	/** Adds the line when it is an {@code exec} line of either version; true if it was. */
	boolean add(String line) {
		if (!line.startsWith("dnnl_verbose,exec,") && !line.startsWith("onednn_verbose,exec,")) return false;
		String[] f = line.trim().split(",");
		if (f.length < 8) return false;
		double ms;
		try {
			ms = Double.parseDouble(f[f.length - 1]);
		} catch (NumberFormatException e) {
			return false;
		}
		if (!(ms >= 0) || Double.isInfinite(ms)) return false;
		String kind = f[5].startsWith("forward") ? "forward" : f[5];
		String primitive = f[3].equals("pooling_v2") ? "pooling" : f[3]; // oneDNN 2.3's name for it
		String key = primitive + (kind.equals("undef") ? "" : " " + kind) + " " + f[f.length - 2];
		double[] t = operations.computeIfAbsent(key, k -> new double[2]);
		t[0]++;
		t[1] += ms;
		return true;
	}

	/** The milliseconds of the operations whose primitive is {@code primitive} (e.g. "convolution"), or all for null. */
	double milliseconds(String primitive) {
		double sum = 0;
		for (Map.Entry<String, double[]> e : operations.entrySet())
			if (primitive == null || e.getKey().startsWith(primitive + " ")) sum += e.getValue()[1];
		return sum;
	}
}
