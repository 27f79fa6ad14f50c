package org.convkit.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.Map;

/**
 * The Spark context of a ConvKit job. Master: the one given ({@code --master}), else the one spark-submit set, else
 * embedded {@value #EMBEDDED} (all cores of this machine, no cluster). Defaults that fit ConvKit's work (each
 * overridable with {@code --conf}): one OpenMP thread per executor task (ND4J would otherwise start one per core in
 * every task slot), no web UI for embedded runs, headless executors.
 */
public final class SparkSetup {
	/** The default master: Spark inside this JVM on all cores. */
	public static final String EMBEDDED = "local[*]";

	private SparkSetup() {
	}

	/**
	 * The configuration of a job; {@code master} null keeps spark-submit's or the embedded default, {@code conf}
	 * entries are set last.
	 */
	public static SparkConf conf(String appName, String master, Map<String, String> conf) {
		SparkConf c = new SparkConf(true).setAppName(appName);
		if (master != null) c.setMaster(master);
		else if (!c.contains("spark.master")) c.setMaster(EMBEDDED);
		if (c.get("spark.master").startsWith("local")) c.setIfMissing("spark.ui.enabled", "false");
		c.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1");
		String opts = c.get("spark.executor.extraJavaOptions", "");
		if (!opts.contains("java.awt.headless"))
			c.set("spark.executor.extraJavaOptions", (opts + " -Djava.awt.headless=true").trim());
		if (conf != null) conf.forEach(c::set);
		return c;
	}

	/** A context for the configuration; close it when the job is done. */
	public static JavaSparkContext context(SparkConf conf) {
		return new JavaSparkContext(conf);
	}
}
