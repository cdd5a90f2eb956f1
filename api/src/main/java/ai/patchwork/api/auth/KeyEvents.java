package ai.patchwork.api.auth;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link KeyCache} in step with the database: {@code LISTEN api_key_events} on a connection of its own, a
 * revoked key's hash evicted the moment its transaction commits, the whole cache cleared when a project changes or
 * after the connection was lost (notifications may have been missed). One per process.
 */
final class KeyEvents implements AutoCloseable {
    static final String CHANNEL = "api_key_events";
    private static final Logger log = LoggerFactory.getLogger(KeyEvents.class);
    private static final int POLL_MILLIS = 250;

    private final DataSource dataSource;
    private final KeyCache cache;
    private final CountDownLatch listening = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    KeyEvents(DataSource dataSource, KeyCache cache) {
        this.dataSource = dataSource;
        this.cache = cache;
        this.thread = Thread.ofPlatform().name("api-key-events").daemon().start(this::listen);
    }

    /** Waits until the first {@code LISTEN} is active. */
    boolean awaitListening(Duration timeout) throws InterruptedException {
        return listening.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void listen() {
        long backoff = 500;
        while (running) {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                cache.clear(); // whatever changed while not listening
                listening.countDown();
                backoff = 500;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] ns = pg.getNotifications(POLL_MILLIS);
                    if (ns == null) continue;
                    for (PGNotification n : ns) {
                        if (n.getParameter().startsWith("project:")) cache.clear();
                        else cache.evict(n.getParameter());
                    }
                }
                try (Statement s = c.createStatement()) {
                    s.execute("UNLISTEN *");
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) break;
                log.warn(
                        "api key events: listener connection lost ({}); reconnecting in {} ms",
                        e.getMessage(),
                        backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    break;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
