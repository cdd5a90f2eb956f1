package ai.patchwork.api.finetuning;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Thread dumps, virtual threads included, of a worker process and of the test's own JVM, taken when a fault test's wait
 * expires: a process that did not reach the point the test waited for explains itself in the test's output (and in
 * {@code target/fault-diagnostics/}) instead of leaving only a timeout.
 */
final class ThreadDumps {
    private static final Path DIR = Path.of("target", "fault-diagnostics");
    private static final long JCMD_SECONDS = 60;

    private ThreadDumps() {}

    /**
     * Dumps the threads of process {@code pid} and of this JVM, prints both to the test's output under {@code what},
     * and returns where they were written.
     */
    static String take(String what, long pid) {
        String stamp = Instant.now().toString().replace(':', '-');
        Path child = DIR.resolve("worker-" + pid + "-" + stamp + ".txt");
        Path self = DIR.resolve("test-jvm-" + ProcessHandle.current().pid() + "-" + stamp + ".txt");
        String childDump = ofProcess(pid, child);
        String selfDump = ofThisJvm(self);
        System.out.println("===== " + what + ": threads of the worker process " + pid + " =====");
        System.out.println(childDump);
        System.out.println("===== " + what + ": threads of the test JVM =====");
        System.out.println(selfDump);
        System.out.println("===== end of the thread dumps =====");
        return "thread dumps in the test output and in " + child.toAbsolutePath() + ", " + self.toAbsolutePath();
    }

    /** {@code jcmd PID Thread.dump_to_file}: every thread, virtual ones too; bounded in time (a stopped JVM). */
    private static String ofProcess(long pid, Path file) {
        try {
            Files.createDirectories(DIR);
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(
                            jcmd.toString(),
                            Long.toString(pid),
                            "Thread.dump_to_file",
                            "-format=text",
                            file.toAbsolutePath().toString())
                    .redirectErrorStream(true)
                    .start();
            if (!p.waitFor(JCMD_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "(jcmd did not answer within " + JCMD_SECONDS + " s: the process is stopped or hung in the VM)";
            }
            String out = new String(p.getInputStream().readAllBytes());
            if (!Files.exists(file)) return "(jcmd exited with " + p.exitValue() + ": " + out.strip() + ")";
            return Files.readString(file);
        } catch (IOException e) {
            return "(no thread dump: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted while taking the thread dump)";
        }
    }

    private static String ofThisJvm(Path file) {
        try {
            Files.createDirectories(DIR);
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(file.toAbsolutePath().toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
            return Files.readString(file);
        } catch (IOException | RuntimeException e) {
            return "(no thread dump: " + e + ")";
        }
    }
}
