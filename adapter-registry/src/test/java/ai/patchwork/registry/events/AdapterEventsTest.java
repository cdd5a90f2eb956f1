package ai.patchwork.registry.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.registry.Adapter;
import ai.patchwork.registry.AdapterStatus;
import ai.patchwork.registry.AdapterUpload;
import ai.patchwork.registry.RegistryTestBed;
import ai.patchwork.testsupport.services.TestPostgres;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Change events over a real PostgreSQL: the listener's connection is not the one that commits the change. */
class AdapterEventsTest {
    private final RegistryTestBed bed = RegistryTestBed.shared();

    @Test
    void subscribersSeeNewVersionsAndDeletions() throws Exception {
        // given: a listener on its own unpooled connection
        try (AdapterEvents events = new AdapterEvents(TestPostgres.shared().dataSource())) {
            BlockingQueue<AdapterChanged> seen = new LinkedBlockingQueue<>();
            events.subscribe(seen::add);
            assertTrue(events.awaitListening(Duration.ofSeconds(10)));
            // when
            String name = RegistryTestBed.uniqueName("events");
            Adapter a = bed.registry.register(
                    RegistryTestBed.PROJECT,
                    AdapterUpload.of(name, RegistryTestBed.BASE, RegistryTestBed.files(RegistryTestBed.adapter(500))));
            bed.registry.delete(a.id());
            // then
            assertEquals(
                    new AdapterChanged(
                            AdapterChanged.Type.CREATED, a.id(), name, 1, RegistryTestBed.BASE, AdapterStatus.READY),
                    next(seen, a.id()));
            assertEquals(
                    new AdapterChanged(
                            AdapterChanged.Type.DELETED, a.id(), name, 1, RegistryTestBed.BASE, AdapterStatus.DELETED),
                    next(seen, a.id()));
        }
    }

    @Test
    void aClosedSubscriptionGetsNothingMore() throws Exception {
        try (AdapterEvents events = new AdapterEvents(TestPostgres.shared().dataSource())) {
            BlockingQueue<AdapterChanged> kept = new LinkedBlockingQueue<>();
            BlockingQueue<AdapterChanged> dropped = new LinkedBlockingQueue<>();
            events.subscribe(kept::add);
            events.subscribe(dropped::add).close();
            assertTrue(events.awaitListening(Duration.ofSeconds(10)));
            Adapter a = bed.registry.register(
                    RegistryTestBed.PROJECT,
                    AdapterUpload.of(
                            RegistryTestBed.uniqueName("unsub"),
                            RegistryTestBed.BASE,
                            RegistryTestBed.files(RegistryTestBed.adapter(501))));
            assertNotNull(next(kept, a.id()));
            assertTrue(dropped.isEmpty());
        }
    }

    @Test
    void aLostConnectionIsReopenedAndAnnouncedWithResync() throws Exception {
        try (AdapterEvents events = new AdapterEvents(TestPostgres.shared().dataSource())) {
            BlockingQueue<AdapterChanged> seen = new LinkedBlockingQueue<>();
            events.subscribe(seen::add);
            assertTrue(events.awaitListening(Duration.ofSeconds(10)));
            // when: the server drops the listening connection
            bed.jdbc
                    .sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN "
                            + AdapterEvents.CHANNEL + "' AND pid <> pg_backend_pid()")
                    .query(Boolean.class)
                    .list();
            // then: a resync, and later changes still arrive
            AdapterChanged resync = seen.poll(10, TimeUnit.SECONDS);
            assertEquals(AdapterChanged.resync(), resync);
            Adapter a = bed.registry.register(
                    RegistryTestBed.PROJECT,
                    AdapterUpload.of(
                            RegistryTestBed.uniqueName("after-resync"),
                            RegistryTestBed.BASE,
                            RegistryTestBed.files(RegistryTestBed.adapter(502))));
            assertEquals(AdapterChanged.Type.CREATED, next(seen, a.id()).type());
        }
    }

    @Test
    void parsesTheTriggerPayload() {
        AdapterChanged c = AdapterEvents.parse("{\"type\" : \"deleted\", \"id\" : \"adp-" + "a".repeat(24)
                + "\", \"name\" : \"n\", \"version\" : 3, \"base_model\" : \"m\", \"status\" : \"deleted\"}");
        assertEquals(
                new AdapterChanged(
                        AdapterChanged.Type.DELETED, "adp-" + "a".repeat(24), "n", 3, "m", AdapterStatus.DELETED),
                c);
    }

    /** The next event about {@code id}, skipping other tests' events. */
    private static AdapterChanged next(BlockingQueue<AdapterChanged> q, String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            AdapterChanged c = q.poll(100, TimeUnit.MILLISECONDS);
            if (c != null && id.equals(c.adapterId())) return c;
        }
        throw new AssertionError("no event for " + id + " within 10 s");
    }
}
