package org.convkit.spark;

import org.apache.spark.SparkConf;
import org.convkit.testing.Waits;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Spark standalone cluster on this machine, from the Spark jars on the test class path (no Spark download):
 * a Master and N Workers (one core, 1 GB each) as separate JVMs on 127.0.0.1, started and stopped by the tests,
 * every wait bounded. Executors get the test class path, so they run this build's classes.
 */
final class LocalCluster implements AutoCloseable {
	private static final long START_SECONDS = 120;

	private final Path dir;
	private final String classPath;
	private final Process master;
	private final List<Process> workers = new ArrayList<>();
	private final int port, webPort;

	private LocalCluster(Path dir, int workerCount) throws IOException, InterruptedException {
		this.dir = dir;
		classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
		// Workers want SPARK_HOME/jars (empty here: the class path brings Spark) and the Scala version
		Files.createDirectories(dir.resolve("spark-home/jars"));
		port = freePort();
		webPort = freePort();
		master = start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
				String.valueOf(port), "--webui-port", String.valueOf(webPort));
		try {
			for (int i = 0; i < workerCount; i++)
				workers.add(start("worker" + i, "org.apache.spark.deploy.worker.Worker", masterUrl(), "--host",
						"127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port", "0", "--work-dir",
						Files.createDirectories(dir.resolve("work" + i)).toString()));
			awaitWorkers(workerCount);
		} catch (IOException | InterruptedException | RuntimeException e) {
			close(); // a start that failed must not leave its master and workers running beside the next attempt
			throw e;
		}
	}

	/**
	 * Starts a master and {@code workers} workers; returns when all workers have registered. A start that does not
	 * come up is tried once more, on fresh ports and in a fresh directory: the ports are free when chosen but another
	 * process (the other test JVM runs beside this one) can take one before the master, seconds later, binds it, and
	 * Spark then moves to the next port, where the wait does not look (seen once in CI: the master's status page never
	 * answered in 120 s). A second failure fails, with the first one attached.
	 */
	static LocalCluster start(Path dir, int workers) throws IOException, InterruptedException {
		LocalCluster c;
		try {
			c = new LocalCluster(Files.createDirectories(dir.resolve("attempt1")), workers);
		} catch (IllegalStateException first) {
			try {
				c = new LocalCluster(Files.createDirectories(dir.resolve("attempt2")), workers);
			} catch (IllegalStateException second) {
				second.addSuppressed(first);
				throw second;
			}
		}
		Runtime.getRuntime().addShutdownHook(new Thread(c::close)); // even if the test JVM is stopped early
		return c;
	}

	String masterUrl() {
		return "spark://127.0.0.1:" + port;
	}

	/** A job's configuration for this cluster: driver on 127.0.0.1, executors with the test class path. */
	SparkConf conf(String app) {
		Map<String, String> c = new HashMap<>();
		c.put("spark.driver.host", "127.0.0.1");
		c.put("spark.driver.bindAddress", "127.0.0.1");
		c.put("spark.executor.extraClassPath", classPath);
		c.put("spark.executor.memory", "1g");
		return SparkSetup.conf(app, masterUrl(), c);
	}

	/** Kills (SIGKILL) the worker whose process tree holds {@code pid}, with its executors; returns its index. */
	int killWorkerOf(long pid) {
		for (int i = 0; i < workers.size(); i++) {
			Process w = workers.get(i);
			boolean owns = w.pid() == pid || w.descendants().anyMatch(d -> d.pid() == pid);
			if (owns) {
				w.descendants().forEach(ProcessHandle::destroyForcibly);
				w.destroyForcibly();
				return i;
			}
		}
		throw new IllegalStateException("no worker runs process " + pid);
	}

	/** The tail of a process's log, for failure messages. */
	String log(String name) {
		try {
			String s = new String(Files.readAllBytes(dir.resolve(name + ".log")), StandardCharsets.UTF_8);
			return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
		} catch (IOException e) {
			return "(no log: " + e + ")";
		}
	}

	@Override
	public synchronized void close() {
		List<Process> all = new ArrayList<>(workers);
		all.add(master);
		for (Process p : all) {
			p.descendants().forEach(ProcessHandle::destroyForcibly);
			p.destroyForcibly();
		}
		for (Process p : all)
			try {
				p.waitFor(30, TimeUnit.SECONDS);
			} catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
	}

	private Process start(String name, String main, String... args) throws IOException {
		List<String> cmd = new ArrayList<>();
		cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
		cmd.add("-Xmx256m");
		cmd.add("-cp");
		cmd.add(classPath);
		cmd.add(main);
		for (String a : args) cmd.add(a);
		ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
				.redirectOutput(dir.resolve(name + ".log").toFile());
		pb.environment().put("SPARK_HOME", dir.resolve("spark-home").toString());
		pb.environment().put("SPARK_SCALA_VERSION", "2.12");
		pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
		return pb.start();
	}

	private void awaitWorkers(int n) throws InterruptedException {
		String[] json = { "" };
		Waits.until(TimeUnit.SECONDS.toMillis(START_SECONDS), () -> {
			if (!master.isAlive()) return true; // it will not come up
			json[0] = status().orElse("");
			return json[0].replace(" ", "").contains("\"aliveworkers\":" + n + ",");
		});
		if (master.isAlive() && json[0].replace(" ", "").contains("\"aliveworkers\":" + n + ",")) return;
		close();
		throw new IllegalStateException("the Spark cluster did not start within " + START_SECONDS + " s: " + json[0]
				+ "\n--- master\n" + log("master") + "\n--- worker0\n" + log("worker0"));
	}

	private Optional<String> status() {
		try (InputStream in = new URL("http://127.0.0.1:" + webPort + "/json/").openStream()) {
			return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
		} catch (IOException e) {
			return Optional.empty();
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket s = new ServerSocket(0)) {
			return s.getLocalPort();
		}
	}
}
