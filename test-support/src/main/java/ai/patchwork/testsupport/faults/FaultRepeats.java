package ai.patchwork.testsupport.faults;

import java.util.stream.IntStream;

/**
 * How many times each fault scenario runs in one test JVM: once by default (as in {@code ./patchwork test}), {@code N}
 * times with {@code -Dpatchwork.fault-repeats=N}, so that "it passes repeatedly" is one command, e.g. {@code ./mvnw
 * verify -pl api -Dtest=WorkerKillTest -Dpatchwork.fault-repeats=5}.
 */
public final class FaultRepeats {
    /** The system property that sets the count. */
    public static final String PROPERTY = "patchwork.fault-repeats";

    private FaultRepeats() {}

    /** The number of runs asked for, at least 1. */
    public static int count() {
        int n = Integer.getInteger(PROPERTY, 1);
        if (n < 1) throw new IllegalArgumentException(PROPERTY + " must be at least 1, not " + n);
        return n;
    }

    /** The run numbers 1 to {@link #count()}, a source for a parameterized test. */
    public static IntStream runs() {
        return IntStream.rangeClosed(1, count());
    }
}
