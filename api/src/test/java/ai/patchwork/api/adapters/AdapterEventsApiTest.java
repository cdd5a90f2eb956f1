package ai.patchwork.api.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.ApiTest;
import ai.patchwork.registry.events.AdapterChanged;
import ai.patchwork.registry.events.AdapterEvents;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** What a serving replica sees: uploads and deletes through the API arrive as change events. */
@ApiTest
class AdapterEventsApiTest {
    @LocalServerPort
    int port;

    @Autowired
    AdapterEvents events;

    @Test
    void uploadsAndDeletesReachSubscribers() throws Exception {
        BlockingQueue<AdapterChanged> seen = new LinkedBlockingQueue<>();
        try (AdapterEvents.Subscription s = events.subscribe(seen::add)) {
            events.awaitListening(Duration.ofSeconds(10));
            ApiClient api = new ApiClient(port);
            String id = api.post("/v1/adapters", Uploads.files(Uploads.uniqueName("evt"), Uploads.adapter(400)))
                    .json()
                    .path("id")
                    .asString();
            api.delete("/v1/adapters/" + id);
            assertEquals(AdapterChanged.Type.CREATED, next(seen, id).type());
            assertEquals(AdapterChanged.Type.DELETED, next(seen, id).type());
        }
    }

    private static AdapterChanged next(BlockingQueue<AdapterChanged> q, String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            AdapterChanged c = q.poll(100, TimeUnit.MILLISECONDS);
            if (c != null && id.equals(c.adapterId())) return c;
        }
        throw new AssertionError("no event for " + id);
    }
}
