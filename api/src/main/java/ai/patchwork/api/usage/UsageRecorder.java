package ai.patchwork.api.usage;

import ai.patchwork.serving.Usage;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Meters inference per hour, project, API key, base model and adapter into {@code usage_hourly}, the basis of per-token
 * pricing. Requests are added up in memory and written in one batch of upserts per flush ({@link #flush}, called
 * periodically and at shutdown), so metering costs the request path a map update, not a database round trip; several
 * replicas add to the same rows. A failed flush keeps its counts for the next one.
 */
public final class UsageRecorder {
    private static final Logger log = LoggerFactory.getLogger(UsageRecorder.class);
    private static final String UPSERT = """
      INSERT INTO usage_hourly (hour, project_id, api_key_id, base_model, adapter_id, requests, failed_requests,
                                prompt_tokens, completion_tokens)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (hour, project_id, api_key_id, base_model, (coalesce(adapter_id, ''))) DO UPDATE SET
        requests = usage_hourly.requests + excluded.requests,
        failed_requests = usage_hourly.failed_requests + excluded.failed_requests,
        prompt_tokens = usage_hourly.prompt_tokens + excluded.prompt_tokens,
        completion_tokens = usage_hourly.completion_tokens + excluded.completion_tokens,
        updated_at = now()""";

    /** One row's key. */
    private record Key(Instant hour, String projectId, String apiKeyId, String baseModel, String adapterId) {}

    private final JdbcTemplate jdbc;
    private final Object flushing =
            new Object(); // one flush at a time: concurrent upserts of the same rows could deadlock
    private volatile Map<Key, AtomicLongArray> pending =
            new ConcurrentHashMap<>(); // requests, failed, prompt, completion

    public UsageRecorder(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
    }

    /**
     * Counts one request: served (finished, stopped or cancelled, with what it generated) or failed.
     *
     * @param adapterId the adapter version's id, or null for the base model alone
     */
    public void record(
            String projectId, String apiKeyId, String baseModel, String adapterId, Usage usage, boolean failed) {
        Key key = new Key(Instant.now().truncatedTo(ChronoUnit.HOURS), projectId, apiKeyId, baseModel, adapterId);
        synchronized (this) { // against a concurrent flush swapping the map
            AtomicLongArray c = pending.computeIfAbsent(key, k -> new AtomicLongArray(4));
            c.incrementAndGet(0);
            if (failed) c.incrementAndGet(1);
            if (usage != null) {
                c.addAndGet(2, usage.promptTokens());
                c.addAndGet(3, usage.completionTokens());
            }
        }
    }

    /**
     * Writes what was recorded since the last flush; on failure keeps it for the next. Runs every
     * {@code patchwork.usage.flush-interval} where the recorder is a bean (serving role).
     */
    @Scheduled(
            fixedDelayString = "${patchwork.usage.flush-interval:1s}",
            initialDelayString = "${patchwork.usage.flush-interval:1s}")
    public void flush() {
        synchronized (flushing) {
            flushPending();
        }
    }

    private void flushPending() {
        Map<Key, AtomicLongArray> batch;
        synchronized (this) {
            if (pending.isEmpty()) return;
            batch = pending;
            pending = new ConcurrentHashMap<>();
        }
        List<Object[]> rows = new ArrayList<>(batch.size());
        batch.forEach((k, c) -> rows.add(new Object[] {
            Timestamp.from(k.hour()),
            k.projectId(),
            k.apiKeyId(),
            k.baseModel(),
            k.adapterId(),
            c.get(0),
            c.get(1),
            c.get(2),
            c.get(3)
        }));
        try {
            jdbc.batchUpdate(UPSERT, rows);
        } catch (RuntimeException e) {
            log.warn("usage: cannot write {} rows ({}); keeping them for the next flush", rows.size(), e.getMessage());
            synchronized (this) {
                batch.forEach((k, c) -> {
                    AtomicLongArray into = pending.computeIfAbsent(k, x -> new AtomicLongArray(4));
                    for (int i = 0; i < 4; i++) into.addAndGet(i, c.get(i));
                });
            }
        }
    }
}
