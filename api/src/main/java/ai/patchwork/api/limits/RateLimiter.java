package ai.patchwork.api.limits;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Admits inference requests against their project's rate limits (requests and tokens per minute, project-wide and per
 * model). Each admission is one conditional upsert per applicable limit on the counter row of the current minute in
 * {@code rate_limit_windows}, in one transaction: the row lock serializes concurrent admissions, so every replica on
 * the database enforces the same limit exactly; a refused request changes no counter. Tokens are reserved at
 * admission (prompt + max_tokens) and the unused part is given back when the request ends. Windows are fixed minutes
 * on the database's clock. A project without limits costs no database round trip (its limits are cached for up to
 * {@link #LIMITS_TTL}).
 */
public final class RateLimiter {
    /** How long a replica keeps a project's limits before reading them again. */
    public static final Duration LIMITS_TTL = Duration.ofSeconds(5);

    private record Cached(List<RateLimit> limits, long expiresAt) {}

    /** What an admission holds: the windows it counted in and the tokens it reserved, and the headers to send. */
    public record Admission(
            String projectId,
            List<String> models,
            String windowStart,
            long reservedTokens,
            Map<String, String> headers) {
        static final Admission UNLIMITED = new Admission(null, List.of(), null, 0, Map.of());
    }

    private record Count(long requests, long tokens, String windowStart, double resetSeconds) {}

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public RateLimiter(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.tx = new TransactionTemplate(new JdbcTransactionManager(dataSource));
    }

    /**
     * Counts a request of {@code tokens} (prompt + max_tokens) for {@code model} against the project's limits.
     *
     * @throws RateLimitExceededException 429 when a limit is reached; nothing is counted then
     */
    public Admission admit(String projectId, String model, long tokens) {
        List<RateLimit> applicable = new ArrayList<>();
        for (RateLimit l : limits(projectId)) {
            if (l.model().equals(RateLimit.ALL_MODELS) || l.model().equals(model)) applicable.add(l);
        }
        if (applicable.isEmpty()) return Admission.UNLIMITED;
        for (RateLimit l : applicable) {
            if (l.maxTokensPerMinute() != null && tokens > l.maxTokensPerMinute()) {
                throw refused(
                        l,
                        new Count(0, 0, null, 60),
                        "Request too large for " + scope(l) + ": it needs " + tokens
                                + " tokens (prompt + max_tokens), more than the limit of " + l.maxTokensPerMinute()
                                + " per minute.");
            }
        }
        return tx.execute(status -> {
            Map<String, String> headers = new LinkedHashMap<>();
            String windowStart = null;
            List<String> models = new ArrayList<>();
            for (RateLimit l : applicable) {
                Optional<Count> counted = count(projectId, l, tokens);
                if (counted.isEmpty()) {
                    status.setRollbackOnly();
                    Count now = current(projectId, l.model());
                    throw refused(
                            l,
                            now,
                            "Rate limit reached for " + scope(l) + ": " + describe(l) + ". Retry after "
                                    + retryAfter(now) + " s.");
                }
                Count c = counted.get();
                windowStart = c.windowStart();
                models.add(l.model());
                if (c.requests() == 1) prune(projectId);
                headers.putAll(headers(l, c));
            }
            return new Admission(projectId, models, windowStart, tokens, headers);
        });
    }

    /** Gives back the tokens an admitted request reserved but did not use. */
    public void settle(Admission admission, long usedTokens) {
        long unused = admission.reservedTokens() - usedTokens;
        if (admission.models().isEmpty() || unused <= 0) return;
        for (String model : admission.models()) {
            jdbc.sql("UPDATE rate_limit_windows SET tokens = tokens - ? WHERE project_id = ? AND model = ? "
                            + "AND window_start = CAST(? AS timestamptz)")
                    .params(unused, admission.projectId(), model, admission.windowStart())
                    .update();
        }
    }

    /** The project's limits, from the cache when fresh. */
    public List<RateLimit> limits(String projectId) {
        long now = System.nanoTime();
        Cached c = cache.get(projectId);
        if (c != null && now - c.expiresAt() < 0) return c.limits();
        List<RateLimit> limits = jdbc.sql("SELECT model, max_requests_per_1_minute, max_tokens_per_1_minute "
                        + "FROM project_rate_limits WHERE project_id = ? ORDER BY model")
                .param(projectId)
                .query((rs, i) -> new RateLimit(rs.getString(1), (Integer) rs.getObject(2), (Long) rs.getObject(3)))
                .list();
        cache.put(projectId, new Cached(limits, now + LIMITS_TTL.toNanos()));
        return limits;
    }

    /** Sets (or with both maxima null, removes) a limit; this replica applies it at once, others within the TTL. */
    public RateLimit set(String projectId, RateLimit limit) {
        if (limit.maxRequestsPerMinute() == null && limit.maxTokensPerMinute() == null) {
            jdbc.sql("DELETE FROM project_rate_limits WHERE project_id = ? AND model = ?")
                    .params(projectId, limit.model())
                    .update();
        } else {
            jdbc.sql("""
          INSERT INTO project_rate_limits (project_id, model, max_requests_per_1_minute, max_tokens_per_1_minute)
          VALUES (?, ?, ?, ?) ON CONFLICT (project_id, model) DO UPDATE
          SET max_requests_per_1_minute = excluded.max_requests_per_1_minute,
              max_tokens_per_1_minute = excluded.max_tokens_per_1_minute""")
                    .params(projectId, limit.model(), limit.maxRequestsPerMinute(), limit.maxTokensPerMinute())
                    .update();
        }
        cache.remove(projectId);
        return limit;
    }

    private Optional<Count> count(String projectId, RateLimit l, long tokens) {
        return jdbc.sql("""
        INSERT INTO rate_limit_windows AS w (project_id, model, window_start, requests, tokens)
        VALUES (:project, :model, date_trunc('minute', now()), 1, :tokens)
        ON CONFLICT (project_id, model, window_start) DO UPDATE
          SET requests = w.requests + 1, tokens = w.tokens + excluded.tokens
          WHERE (CAST(:maxRequests AS bigint) IS NULL OR w.requests + 1 <= :maxRequests)
            AND (CAST(:maxTokens AS bigint) IS NULL OR w.tokens + excluded.tokens <= :maxTokens)
        RETURNING requests, tokens, CAST(window_start AS text) AS window_start,
                  extract(epoch FROM window_start + interval '1 minute' - now()) AS reset""")
                .param("project", projectId)
                .param("model", l.model())
                .param("tokens", tokens)
                .param(
                        "maxRequests",
                        l.maxRequestsPerMinute() == null
                                ? null
                                : l.maxRequestsPerMinute().longValue())
                .param("maxTokens", l.maxTokensPerMinute())
                .query(RateLimiter::count)
                .optional();
    }

    private Count current(String projectId, String model) {
        return jdbc.sql("""
        SELECT requests, tokens, CAST(window_start AS text) AS window_start,
               extract(epoch FROM window_start + interval '1 minute' - now()) AS reset
        FROM rate_limit_windows WHERE project_id = ? AND model = ? AND window_start = date_trunc('minute', now())""")
                .params(projectId, model)
                .query(RateLimiter::count)
                .optional()
                .orElse(new Count(0, 0, null, 60));
    }

    /** Deletes the project's counters of minutes long gone (once per new window, so at most once a minute). */
    private void prune(String projectId) {
        jdbc.sql("DELETE FROM rate_limit_windows WHERE project_id = ? AND window_start < now() - interval '5 minutes'")
                .param(projectId)
                .update();
    }

    private static Count count(ResultSet rs, int i) throws SQLException {
        return new Count(
                rs.getLong("requests"), rs.getLong("tokens"), rs.getString("window_start"), rs.getDouble("reset"));
    }

    private static RateLimitExceededException refused(RateLimit l, Count c, String message) {
        Map<String, String> headers = new LinkedHashMap<>(headers(l, c));
        headers.put("Retry-After", Long.toString(retryAfter(c)));
        return new RateLimitExceededException("rate_limit_exceeded", message, headers);
    }

    /** OpenAI's headers for one limit: limit, remaining and reset (as {@code 12.5s}) of requests and tokens. */
    private static Map<String, String> headers(RateLimit l, Count c) {
        Map<String, String> h = new LinkedHashMap<>();
        String reset = String.format(Locale.ROOT, "%.3fs", Math.max(0, c.resetSeconds()));
        if (l.maxRequestsPerMinute() != null) {
            h.put("x-ratelimit-limit-requests", l.maxRequestsPerMinute().toString());
            h.put(
                    "x-ratelimit-remaining-requests",
                    Long.toString(Math.max(0, l.maxRequestsPerMinute() - c.requests())));
            h.put("x-ratelimit-reset-requests", reset);
        }
        if (l.maxTokensPerMinute() != null) {
            h.put("x-ratelimit-limit-tokens", l.maxTokensPerMinute().toString());
            h.put("x-ratelimit-remaining-tokens", Long.toString(Math.max(0, l.maxTokensPerMinute() - c.tokens())));
            h.put("x-ratelimit-reset-tokens", reset);
        }
        return h;
    }

    private static long retryAfter(Count c) {
        return Math.max(1, (long) Math.ceil(c.resetSeconds()));
    }

    private static String scope(RateLimit l) {
        return l.model().equals(RateLimit.ALL_MODELS) ? "this project" : "model '" + l.model() + "' in this project";
    }

    private static String describe(RateLimit l) {
        List<String> parts = new ArrayList<>();
        if (l.maxRequestsPerMinute() != null) parts.add(l.maxRequestsPerMinute() + " requests per minute");
        if (l.maxTokensPerMinute() != null) parts.add(l.maxTokensPerMinute() + " tokens per minute");
        return String.join(" and ", parts);
    }
}
