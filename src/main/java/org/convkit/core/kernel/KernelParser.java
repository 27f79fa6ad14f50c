package org.convkit.core.kernel;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Kernel text: rows separated by new lines or {@code ;}, values by spaces, tabs or commas. A value is a decimal
 * number ({@code -2}, {@code 0.25}, {@code 1e-3}) or a fraction of two ({@code 1/9}). Empty rows are skipped.
 * A single row is a 1-row kernel (ImageJ's Convolver would make a square of it instead).
 */
public final class KernelParser {
	private static final String NUMBER = "[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?";
	private static final Pattern DECIMAL = Pattern.compile(NUMBER);
	private static final Pattern FRACTION = Pattern.compile(NUMBER + "/" + NUMBER);
	private static final Pattern ROWS = Pattern.compile("[\\r\\n;]+");
	private static final Pattern VALUES = Pattern.compile("[\\s,]+");

	private KernelParser() {}

	/** Parses kernel text; throws IllegalArgumentException naming the bad token or row. */
	public static Kernel parse(String text) {
		if (text == null) throw new IllegalArgumentException("The kernel is empty.");
		List<double[]> rows = new ArrayList<>();
		for (String line : ROWS.split(text)) {
			String trimmed = line.replace(',', ' ').trim();
			if (trimmed.isEmpty()) continue;
			String[] tokens = VALUES.split(trimmed);
			double[] row = new double[tokens.length];
			for (int i = 0; i < tokens.length; i++) row[i] = value(tokens[i], rows.size() + 1);
			if (!rows.isEmpty() && row.length != rows.get(0).length)
				throw new IllegalArgumentException("Kernel row " + (rows.size() + 1) + " has " + row.length
						+ " values but row 1 has " + rows.get(0).length + "; every row needs the same number.");
			rows.add(row);
		}
		if (rows.isEmpty()) throw new IllegalArgumentException("The kernel is empty.");
		int w = rows.get(0).length, h = rows.size();
		if (w > Kernel.MAX_SIZE || h > Kernel.MAX_SIZE)
			throw new IllegalArgumentException("The kernel is " + w + "x" + h + "; the largest allowed is "
					+ Kernel.MAX_SIZE + "x" + Kernel.MAX_SIZE + ".");
		double[] values = new double[w * h];
		for (int y = 0; y < h; y++) System.arraycopy(rows.get(y), 0, values, y * w, w);
		return new Kernel(w, h, values);
	}

	private static double value(String raw, int row) {
		String token = printable(raw);
		double v;
		if (DECIMAL.matcher(raw).matches()) {
			v = Double.parseDouble(raw);
		} else if (FRACTION.matcher(raw).matches()) {
			int slash = token.indexOf('/');
			double num = Double.parseDouble(token.substring(0, slash));
			double den = Double.parseDouble(token.substring(slash + 1));
			if (den == 0) throw new IllegalArgumentException("Kernel value '" + token + "' (row " + row
					+ ") divides by zero.");
			v = num / den;
		} else if (raw.matches("(?i)[+-]?(nan|inf|infinity)")) {
			throw new IllegalArgumentException("Kernel value '" + token + "' (row " + row
					+ ") is not a finite number.");
		} else {
			throw new IllegalArgumentException("Kernel value '" + token + "' (row " + row
					+ ") is not a number; use numbers like -2, 0.25 or 1/9.");
		}
		String problem = Kernel.floatProblem(v);
		if (problem != null)
			throw new IllegalArgumentException("Kernel value '" + token + "' (row " + row + ") " + (Double.isFinite(v)
					? problem : "is too large") + ".");
		return v;
	}

	/** A token as it may appear in a message: control characters escaped, at most 40 characters. */
	static String printable(String token) {
		StringBuilder sb = new StringBuilder();
		for (int i = 0; i < token.length() && sb.length() < 40; i++) {
			char c = token.charAt(i);
			if (Character.isISOControl(c) || c == '\uFFFD' || Character.isSurrogate(c))
				sb.append(String.format("\\u%04x", (int) c));
			else sb.append(c);
		}
		return sb.length() < 40 || token.length() <= 40 ? sb.toString() : sb + "...";
	}

	/**
	 * The kernel as text: plain decimals (no exponent, no fractions, shortest form that reads back to the same
	 * double), values separated by one space, rows by {@code rowSeparator}. ImageJ's TextReader and Convolver
	 * read this too.
	 */
	public static String format(Kernel k, String rowSeparator) {
		StringBuilder sb = new StringBuilder();
		for (int y = 0; y < k.height(); y++) {
			if (y > 0) sb.append(rowSeparator);
			for (int x = 0; x < k.width(); x++) {
				if (x > 0) sb.append(' ');
				sb.append(plain(k.get(x, y)));
			}
		}
		return sb.toString();
	}

	private static String plain(double v) {
		if (v == 0) return "0"; // also turns -0 into 0
		return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
	}
}
