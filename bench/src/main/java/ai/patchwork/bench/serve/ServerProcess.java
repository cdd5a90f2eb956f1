package ai.patchwork.bench.serve;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/**
 * {@code ./patchwork up} as a process of its own (the same main class and classpath), so that its memory is measured
 * apart from the benchmark's client: started with the given options, ready when {@code /actuator/health} answers UP,
 * its resident memory read from {@code /proc/<pid>/status}. Its output goes to a log file.
 */
final class ServerProcess implements AutoCloseable {
    private static final String MAIN = "ai.patchwork.launcher.PatchworkUp";

    /** How the benchmark starts the server and waits for it, mixed into {@link SizedServeBench}. */
    static final class Options {
        @Option(names = "--server-jvm-option", description = "an option of the server's JVM, e.g. -Xmx16g (repeatable)")
        List<String> jvmOptions = new ArrayList<>();

        @Option(
                names = "--server-arg",
                description = "an argument of ./patchwork up, e.g. --patchwork.serving.step-threads=2 (repeatable)")
        List<String> args = new ArrayList<>();

        @Option(names = "--ready-timeout", defaultValue = "1800", description = "seconds to wait for health UP")
        int readyTimeout;
    }

    private final Process process;
    private final int port;
    private final long startNanos;
    private final Path log;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ServerProcess(Process process, int port, long startNanos, Path log) {
        this.process = process;
        this.port = port;
        this.startNanos = startNanos;
        this.log = log;
    }

    /**
     * Starts the server on a free port.
     *
     * @param jvmOptions options of the server's JVM (heap size, GC) after the launcher's own
     * @param args {@code --key=value} arguments of {@code ./patchwork up}
     * @param extraClasspath entries appended to the application's classpath (none in a plain run)
     */
    static ServerProcess start(List<String> jvmOptions, List<String> args, Path log, List<Path> extraClasspath) {
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of(
                "-Dai.djl.offline=true",
                "--enable-native-access=ALL-UNNAMED",
                "--add-modules",
                "jdk.incubator.vector"));
        command.addAll(jvmOptions);
        StringBuilder classpath = new StringBuilder(applicationClasspath());
        extraClasspath.forEach(p -> classpath.append(File.pathSeparator).append(p));
        command.addAll(List.of("-cp", classpath.toString(), MAIN, "--server.port=" + port));
        command.addAll(args);
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
            long t0 = System.nanoTime();
            return new ServerProcess(builder.start(), port, t0, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /**
     * This JVM's classpath without the benchmark's own classes, so that the server runs as {@code ./patchwork up} does
     * (the benchmark's logging configuration, for one, stays out of it).
     */
    static String applicationClasspath() {
        String own;
        try {
            own = Path.of(ServerProcess.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toString();
        } catch (URISyntaxException | RuntimeException e) {
            return System.getProperty("java.class.path");
        }
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry ->
                        !Path.of(entry).toAbsolutePath().normalize().toString().equals(own))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** Waits until health is UP; returns the seconds since the process was started. */
    double awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                .timeout(Duration.ofSeconds(5))
                .build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "the server exited with status " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"UP\"")) return (System.nanoTime() - startNanos) / 1e9;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the server was not ready within " + timeout + "; see " + log);
    }

    /** Resident memory now and at its peak ({@code VmRSS}, {@code VmHWM}), in bytes. */
    Memory memory() {
        return Memory.of(process.pid());
    }

    /** Resident memory of a process in bytes: now and its high-water mark. */
    record Memory(long rss, long peak) {
        static Memory of(long pid) {
            try {
                return parse(Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the memory of process " + pid + " (Linux only)", e);
            }
        }

        /** From the lines of {@code /proc/<pid>/status}. */
        static Memory parse(List<String> status) {
            return new Memory(kilobytes(status, "VmRSS:") * 1024, kilobytes(status, "VmHWM:") * 1024);
        }

        private static long kilobytes(List<String> status, String key) {
            for (String line : status) {
                if (line.startsWith(key))
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
            }
            throw new IllegalArgumentException("no " + key + " in the process status");
        }
    }

    /** Stops the server: a normal shutdown (SIGTERM), then a kill after 30 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
