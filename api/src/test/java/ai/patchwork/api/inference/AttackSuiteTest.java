package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The {@link HostileRequests} against the application in this JVM (every role, tiny-llama served): none may get a
 * 5xx or take 10 s; the process's resident memory and the temp folder's disk use stay bounded; a normal request
 * works afterwards. {@code LiveAttackSuiteTest} in the launcher sends the same requests to {@code ./patchwork up} in
 * a process of its own.
 */
@InferenceTest
class AttackSuiteTest {

    @LocalServerPort
    int port;

    @Test
    void hostileRequestsGetNoServerErrorAndNoHangAndTheServiceStillAnswers() throws Exception {
        HostileRequests hostile = new HostileRequests(port);
        List<HostileRequests.Attack> attacks = hostile.attacks();
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long freeBefore = Files.getFileStore(tmp).getUsableSpace();
        long rssBefore = rss();
        long[] peakRss = {rssBefore};
        long[] maxDiskDrop = {0};
        HostileRequests.Outcome outcome = hostile.run(attacks, () -> {
            try {
                peakRss[0] = Math.max(peakRss[0], rss());
                maxDiskDrop[0] = Math.max(
                        maxDiskDrop[0], freeBefore - Files.getFileStore(tmp).getUsableSpace());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        System.out.printf(
                "attack suite: %d requests, peak RSS %d MiB (before %d MiB), peak temp disk use %d MiB%n",
                outcome.requests(), peakRss[0] >> 20, rssBefore >> 20, Math.max(0, maxDiskDrop[0]) >> 20);
        assertTrue(outcome.requests() >= 60, "only " + outcome.requests() + " attacks");
        assertTrue(outcome.failures().isEmpty(), outcome.failures().toString());
        assertTrue(peakRss[0] - rssBefore < 1L << 30, "RSS grew by " + ((peakRss[0] - rssBefore) >> 20) + " MiB");

        // and a normal request works afterwards
        ApiClient.Response ok = hostile.normalRequest();
        assertEquals(200, ok.status(), ok.text());
    }

    /** The resident set size of this JVM, which hosts the server. */
    private static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
        }
        return 0;
    }
}
