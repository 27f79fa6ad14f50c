package org.convkit.plugins.inspect;

import ij.plugin.PlugIn;

/** Placeholder while being written. */
public class CnnActivationMaximization implements PlugIn {
	@Override
	public void run(String arg) {
	}
}
