package ai.patchwork.api.usage;

import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.api.web.ApiException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Reads {@code usage_hourly} into hourly buckets: one project's ({@code GET /v1/usage}) or every project's (the
 * admin usage API), with one result per project, key, base model and adapter. Flushes this process's pending counts
 * first.
 */
@Component
@ConditionalOnRole(Role.API)
public final class UsageQueries {
    private final JdbcClient jdbc;
    private final ObjectProvider<UsageRecorder> recorder;

    public UsageQueries(DataSource dataSource, ObjectProvider<UsageRecorder> recorder) {
        this.jdbc = JdbcClient.create(dataSource);
        this.recorder = recorder;
    }

    /**
     * @param projectId only this project, or null for all
     * @param apiKeyId only this key, or null
     * @param model only this base model id or adapter id, or null
     * @param startTime unix seconds, inclusive, or null
     * @param endTime unix seconds, exclusive, or null
     */
    public List<UsageBucket> buckets(String projectId, String apiKeyId, String model, Long startTime, Long endTime) {
        if (startTime != null && endTime != null && endTime <= startTime) {
            throw ApiException.badRequest("end_time", "invalid_value", "end_time must be after start_time");
        }
        recorder.ifAvailable(UsageRecorder::flush);
        Map<Instant, List<UsageBucket.Result>> byHour = new LinkedHashMap<>();
        jdbc.sql("""
        SELECT u.hour, u.project_id, u.api_key_id, u.base_model, u.adapter_id, a.name, a.version, u.requests,
               u.failed_requests, u.prompt_tokens, u.completion_tokens
        FROM usage_hourly u LEFT JOIN adapters a ON a.id = u.adapter_id
        WHERE (CAST(:project AS text) IS NULL OR u.project_id = :project)
          AND (CAST(:key AS text) IS NULL OR u.api_key_id = :key)
          AND u.hour >= :start AND u.hour < :end
          AND (CAST(:model AS text) IS NULL OR u.base_model = :model OR u.adapter_id = :model)
        ORDER BY u.hour, u.project_id, u.api_key_id, u.base_model, u.adapter_id NULLS FIRST""")
                .param("project", projectId)
                .param("key", apiKeyId)
                .param("start", Timestamp.from(startTime == null ? Instant.EPOCH : Instant.ofEpochSecond(startTime)))
                .param(
                        "end",
                        Timestamp.from(
                                endTime == null
                                        ? Instant.parse("9999-01-01T00:00:00Z")
                                        : Instant.ofEpochSecond(endTime)))
                .param("model", model)
                .query((rs, i) -> {
                    String adapterId = rs.getString("adapter_id");
                    String name = adapterId == null
                            ? rs.getString("base_model")
                            : rs.getString("name") + "@" + rs.getInt("version");
                    UsageBucket.Result r = new UsageBucket.Result(
                            "usage.completions.result",
                            rs.getString("project_id"),
                            rs.getString("api_key_id"),
                            name,
                            rs.getString("base_model"),
                            adapterId,
                            rs.getLong("requests"),
                            rs.getLong("failed_requests"),
                            rs.getLong("prompt_tokens"),
                            rs.getLong("completion_tokens"));
                    byHour.computeIfAbsent(rs.getTimestamp("hour").toInstant(), h -> new ArrayList<>())
                            .add(r);
                    return r;
                })
                .list();
        List<UsageBucket> buckets = new ArrayList<>();
        byHour.forEach((hour, results) ->
                buckets.add(new UsageBucket("bucket", hour.getEpochSecond(), hour.getEpochSecond() + 3600, results)));
        return buckets;
    }
}
