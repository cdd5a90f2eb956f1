package ai.patchwork.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.inference.InferenceTest;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A revoked key stops working on every replica at once: two more "replicas" (a key cache and its listener each, on
 * the same database) have the key cached when it is revoked, and both drop it well within the 5 s promised; the
 * application under test refuses it on its next request.
 */
@InferenceTest
class KeyRevocationTest {
    @LocalServerPort
    int port;

    @Autowired
    KeyStore keys;

    @Autowired
    DataSource dataSource;

    @Test
    void aRevokedKeyIsRefusedByEveryReplicaWithinFiveSeconds() throws Exception {
        Project p = keys.createProject("revocation-" + System.nanoTime());
        ApiKey.Created key = keys.create(p.id(), "soon revoked", Caller.Permission.ALL);
        String hash = Secrets.hash(key.secret());
        KeyCache replica1 = new KeyCache(keys, Duration.ofSeconds(5));
        KeyCache replica2 = new KeyCache(keys, Duration.ofSeconds(5));
        try (KeyEvents events1 = new KeyEvents(dataSource, replica1);
                KeyEvents events2 = new KeyEvents(dataSource, replica2)) {
            assertTrue(
                    events1.awaitListening(Duration.ofSeconds(10)) && events2.awaitListening(Duration.ofSeconds(10)));
            ApiClient client = new ApiClient(port).withKey(key.secret());
            assertEquals(200, client.get("/v1/models").status());
            assertTrue(replica1.authenticate(hash).isPresent());
            assertTrue(replica2.authenticate(hash).isPresent());
            assertEquals(p.id(), replica1.authenticate(hash).orElseThrow().projectId());

            long t0 = System.nanoTime();
            keys.revoke(p.id(), key.key().id());
            for (KeyCache replica : List.of(replica1, replica2)) {
                while (replica.authenticate(hash).isPresent()) {
                    assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos(), "still accepted after 5 s");
                    Thread.sleep(20);
                }
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            System.out.printf("key revocation: both replicas refuse the key %.0f ms after the revocation%n", ms);
            while (client.get("/v1/models").status() != 401) {
                assertTrue(
                        System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos(), "the application still accepts it");
                Thread.sleep(20);
            }
            assertFalse(replica1.authenticate(hash).isPresent());
        }
    }
}
