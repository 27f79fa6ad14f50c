/**
 * ConvKit's Apache Spark jobs: {@link org.convkit.spark.ClassifyJob} (Classify Folder with CNN... over a cluster),
 * {@link org.convkit.spark.FilterJob} (Apply Kernel, High-pass Filter, Edge Detection over a folder) and
 * {@link org.convkit.spark.TrainJob} (data-parallel training by parameter averaging). Each has a Java API and a
 * {@code main} for spark-submit; {@link org.convkit.spark.SparkJobs} is the command line behind
 * {@code ./convkit --spark}. Spark itself is a provided dependency: a cluster brings its own, the launcher and the
 * tests put it on the class path, and the Fiji install does not carry it.
 */
package org.convkit.spark;
