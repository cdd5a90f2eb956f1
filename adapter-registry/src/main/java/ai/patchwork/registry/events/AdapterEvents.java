package ai.patchwork.registry.events;

import ai.patchwork.registry.AdapterStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Listens for adapter changes with PostgreSQL {@code LISTEN} on one connection of its own and calls the subscribers
 * on its listener thread, in commit order. Reconnects with backoff after a lost connection and then sends
 * {@link AdapterChanged.Type#RESYNC}. Thread-safe; start it once per process and close it on shutdown.
 *
 * <pre>{@code
 * AdapterEvents events = new AdapterEvents(dataSource);
 * events.subscribe(change -> cache.evict(change.adapterId()));
 * }</pre>
 */
public final class AdapterEvents implements AutoCloseable {
    /** The notification channel the {@code adapters} table's trigger publishes on. */
    public static final String CHANNEL = "adapter_events";

    private static final Logger log = LoggerFactory.getLogger(AdapterEvents.class);
    private static final int POLL_MILLIS = 250;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /** A subscription; closing it stops the deliveries to its consumer. */
    @FunctionalInterface
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private final DataSource dataSource;
    private final List<Consumer<AdapterChanged>> subscribers = new CopyOnWriteArrayList<>();
    private final CountDownLatch listening = new CountDownLatch(1);
    private volatile boolean running;
    private Thread thread;

    /** Events from the database behind {@code dataSource}; one of its connections is held while started. */
    public AdapterEvents(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Starts listening, unless started already. */
    public synchronized void start() {
        if (thread != null) return;
        running = true;
        thread = Thread.ofPlatform().name("adapter-events").daemon().start(this::listen);
    }

    /** Delivers every later change to {@code consumer}; starts listening if needed. */
    public Subscription subscribe(Consumer<AdapterChanged> consumer) {
        subscribers.add(consumer);
        start();
        return () -> subscribers.remove(consumer);
    }

    /** Waits until the first {@code LISTEN} is active: changes committed after this returns true are delivered. */
    public boolean awaitListening(Duration timeout) throws InterruptedException {
        return listening.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
            thread = null;
        }
        if (t == null) return;
        t.interrupt();
        try {
            t.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void listen() {
        Duration backoff = Duration.ofMillis(500);
        boolean reconnect = false;
        while (running) {
            try (Connection c = dataSource.getConnection()) {
                try {
                    poll(c, reconnect);
                } finally {
                    unlisten(c);
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) break;
                log.warn(
                        "adapter events: listener connection lost ({}); reconnecting in {} ms",
                        e.getMessage(),
                        backoff.toMillis());
                reconnect = true;
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    break;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private void poll(Connection c, boolean reconnect) throws SQLException {
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            s.execute("LISTEN " + CHANNEL);
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        listening.countDown();
        if (reconnect) dispatch(AdapterChanged.resync());
        while (running) {
            PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
            if (notifications == null) continue;
            for (PGNotification n : notifications) {
                if (!CHANNEL.equals(n.getName())) continue;
                AdapterChanged change;
                try {
                    change = parse(n.getParameter());
                } catch (RuntimeException e) {
                    log.warn(
                            "adapter events: ignoring a malformed notification {}: {}",
                            n.getParameter(),
                            e.getMessage());
                    continue;
                }
                dispatch(change);
            }
        }
    }

    private static void unlisten(Connection c) {
        // The connection may go back to a pool: leave it without a subscription.
        try (Statement s = c.createStatement()) {
            s.execute("UNLISTEN *");
        } catch (SQLException e) {
            // a broken connection is discarded by its pool anyway
        }
    }

    static AdapterChanged parse(String payload) {
        JsonNode j = JsonMapper.shared().readTree(payload);
        return new AdapterChanged(
                AdapterChanged.Type.valueOf(j.path("type").asString().toUpperCase(Locale.ROOT)),
                j.path("id").asString(),
                j.path("name").asString(),
                j.path("version").asInt(),
                j.path("base_model").asString(),
                AdapterStatus.fromWire(j.path("status").asString()));
    }

    private void dispatch(AdapterChanged change) {
        for (Consumer<AdapterChanged> s : subscribers) {
            try {
                s.accept(change);
            } catch (RuntimeException e) {
                log.warn("adapter events: a subscriber failed on {}: {}", change, e.toString());
            }
        }
    }
}
