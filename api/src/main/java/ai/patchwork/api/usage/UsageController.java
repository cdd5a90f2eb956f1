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
import org.springframework.http.HttpHeaders;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/usage}: hourly token usage from {@code usage_hourly}, by default of the caller's own API key. This
 * process's not yet written counts are flushed first, so a request is visible as soon as it finished here.
 *
 * <p>There is no authentication yet: {@code api_key_id} reads another key's usage, {@code api_key_id=*} every key's.
 */
@RestController
@ConditionalOnRole(Role.API)
class UsageController {
  private static final String ALL = "*";

  private final JdbcClient jdbc;
  private final ObjectProvider<UsageRecorder> recorder;

  UsageController(DataSource dataSource, ObjectProvider<UsageRecorder> recorder) {
    this.jdbc = JdbcClient.create(dataSource);
    this.recorder = recorder;
  }

  /**
   * @param startTime unix seconds, inclusive (default: everything)
   * @param endTime unix seconds, exclusive (default: now and later)
   * @param apiKeyId whose usage (default: the caller's; {@code *} for all)
   * @param model only this base model id or adapter id
   */
  @GetMapping("/v1/usage")
  UsagePage usage(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
      @RequestParam(name = "start_time", required = false) Long startTime,
      @RequestParam(name = "end_time", required = false) Long endTime,
      @RequestParam(name = "api_key_id", required = false) String apiKeyId,
      @RequestParam(required = false) String model) {
    if (startTime != null && endTime != null && endTime <= startTime) {
      throw ApiException.badRequest("end_time", "invalid_value", "end_time must be after start_time");
    }
    recorder.ifAvailable(UsageRecorder::flush);
    String key = apiKeyId == null ? ApiKeys.idOf(authorization) : apiKeyId;
    Map<Instant, List<UsageBucket.Result>> byHour = new LinkedHashMap<>();
    jdbc.sql("""
        SELECT u.hour, u.api_key_id, u.base_model, u.adapter_id, a.name, a.version, u.requests, u.failed_requests,
               u.prompt_tokens, u.completion_tokens
        FROM usage_hourly u LEFT JOIN adapters a ON a.id = u.adapter_id
        WHERE (:key = '*' OR u.api_key_id = :key)
          AND u.hour >= :start AND u.hour < :end
          AND (CAST(:model AS text) IS NULL OR u.base_model = :model OR u.adapter_id = :model)
        ORDER BY u.hour, u.api_key_id, u.base_model, u.adapter_id NULLS FIRST""")
        .param("key", key.equals(ALL) ? ALL : key)
        .param("start", Timestamp.from(startTime == null ? Instant.EPOCH : Instant.ofEpochSecond(startTime)))
        .param("end", Timestamp.from(endTime == null ? Instant.parse("9999-01-01T00:00:00Z") : Instant.ofEpochSecond(endTime)))
        .param("model", model)
        .query((rs, i) -> {
          String adapterId = rs.getString("adapter_id");
          String name = adapterId == null ? rs.getString("base_model") : rs.getString("name") + "@" + rs.getInt("version");
          UsageBucket.Result r = new UsageBucket.Result("usage.completions.result", rs.getString("api_key_id"), name,
              rs.getString("base_model"), adapterId, rs.getLong("requests"), rs.getLong("failed_requests"),
              rs.getLong("prompt_tokens"), rs.getLong("completion_tokens"));
          byHour.computeIfAbsent(rs.getTimestamp("hour").toInstant(), h -> new ArrayList<>()).add(r);
          return r;
        })
        .list();
    List<UsageBucket> buckets = new ArrayList<>();
    byHour.forEach((hour, results) -> buckets.add(new UsageBucket("bucket", hour.getEpochSecond(),
        hour.getEpochSecond() + 3600, results)));
    return new UsagePage("page", buckets, false, null);
  }

  /** OpenAI's usage page; every bucket fits in one page here. */
  record UsagePage(String object, List<UsageBucket> data, boolean hasMore, String nextPage) {}
}
