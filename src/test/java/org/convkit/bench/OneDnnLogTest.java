package org.convkit.bench;

import org.junit.Test;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/** The sums {@code ./convkit --bench N onednn} prints, from lines of both oneDNN versions' verbose logs. */
public class OneDnnLogTest {
	/** ND4J's oneDNN 2.3 (lines from a LeNet training run of ConvKit). */
	private static final String ND4J_BWD = "dnnl_verbose,exec,cpu,convolution,jit:avx512_common,backward_weights,"
			+ "src_f32:p:blocked:aBcd16b:f0 wei_f32:p:blocked:ABcd16b16a:f0 bia_f32::blocked:a:f0 "
			+ "dst_f32:p:blocked:aBcd16b:f0,,alg:convolution_direct,mb64_ic20oc50_ih12oh8kh5sh1dh0ph0_iw12ow8kw5sw1dw0pw0,"
			+ "2.40918";
	private static final String ND4J_FWD = "dnnl_verbose,exec,cpu,convolution,brgconv:avx512_core,forward_inference,"
			+ "src_f32::blocked:acdb:f0 wei_f32:p:blocked:Acdb64a:f0 bia_f32::blocked:a:f0 dst_f32::blocked:acdb:f0,,"
			+ "alg:convolution_direct,mb64_ic20oc50_ih12oh8kh5sh1dh0ph0_iw12ow8kw5sw1dw0pw0,1.26392";
	private static final String ND4J_POOL = "dnnl_verbose,exec,cpu,pooling_v2,jit:avx512_core,forward_training,"
			+ "src_f32::blocked:abcd:f0 dst_f32::blocked:abcd:f0 ws_u8::blocked:abcd:f0,,alg:pooling_max,"
			+ "mb64ic50_ih8oh4kh2sh2dh0ph0_iw8ow4kw2sw2dw0pw0,0.25415";
	private static final String ND4J_REORDER = "dnnl_verbose,exec,cpu,reorder,jit:uni,undef,"
			+ "src_f32::blocked:abcd:f0 dst_f32::blocked:acdb:f0,,,64x20x12x12,1.88403";
	/** PyTorch's oneDNN 2.6 (Debian's python3-torch 1.13). */
	private static final String TORCH_FWD = "onednn_verbose,exec,cpu,convolution,jit:avx512_core,forward_training,"
			+ "src_f32::blocked:abcd:f0 wei_f32:p:blocked:Acdb16a:f0 bia_f32::blocked:a:f0 dst_f32:p:blocked:aBcd16b:f0,"
			+ "attr-scratchpad:user ,alg:convolution_direct,mb64_ic20oc50_ih12oh8kh5sh1dh0ph0_iw12ow8kw5sw1dw0pw0,2.5";

	@Test
	public void sumsEachOperationsCallsAndTimeForBothVersions() {
		OneDnnLog log = new OneDnnLog();
		assertTrue(log.add(ND4J_BWD));
		assertTrue(log.add(ND4J_BWD));
		assertTrue(log.add(ND4J_FWD));
		assertTrue(log.add(TORCH_FWD));
		assertTrue(log.add(ND4J_POOL));
		assertTrue(log.add(ND4J_REORDER));
		String shape = "mb64_ic20oc50_ih12oh8kh5sh1dh0ph0_iw12ow8kw5sw1dw0pw0";
		assertArrayEquals(new double[] { 2, 2 * 2.40918 },
				log.operations.get("convolution backward_weights " + shape), 1e-9);
		// forward_inference (DL4J's helpers) and forward_training (PyTorch) are one kind
		assertArrayEquals(new double[] { 2, 1.26392 + 2.5 }, log.operations.get("convolution forward " + shape), 1e-9);
		assertArrayEquals(new double[] { 1, 1.88403 }, log.operations.get("reorder 64x20x12x12"), 1e-9);
		assertEquals(2 * 2.40918 + 1.26392 + 2.5, log.milliseconds("convolution"), 1e-9);
		assertArrayEquals("oneDNN 2.3's pooling_v2 is pooling", new double[] { 1, 0.25415 },
				log.operations.get("pooling forward mb64ic50_ih8oh4kh2sh2dh0ph0_iw8ow4kw2sw2dw0pw0"), 1e-9);
		assertEquals(0.25415, log.milliseconds("pooling"), 1e-9);
		assertEquals(2 * 2.40918 + 1.26392 + 2.5 + 0.25415 + 1.88403, log.milliseconds(null), 1e-9);
	}

	@Test
	public void skipsWhatIsNotACallsTime() {
		OneDnnLog log = new OneDnnLog();
		assertFalse(log.add("dnnl_verbose,info,oneDNN v2.3.0 (commit aec51f92ba9b23c5ed4b6753995f847615f5968a)"));
		assertFalse(log.add("dnnl_verbose,create:cache_miss,cpu,convolution,jit,forward,a,b,c,mb1,0.5"));
		assertFalse(log.add("train 1.2 1.1"));
		assertFalse(log.add(""));
		assertFalse(log.add("dnnl_verbose,exec,cpu,reorder"));
		assertFalse(log.add(ND4J_REORDER.replace("1.88403", "NaN")));
		assertFalse(log.add(ND4J_REORDER.replace("1.88403", "-1")));
		assertFalse(log.add(ND4J_REORDER.replace("1.88403", "Infinity")));
		assertFalse(log.add(ND4J_REORDER.replace("1.88403", "fast")));
		assertTrue(log.operations.isEmpty());
		assertEquals(0, log.milliseconds(null), 0);
	}
}
