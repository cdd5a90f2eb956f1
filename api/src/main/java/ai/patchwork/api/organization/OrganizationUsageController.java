package ai.patchwork.api.organization;

import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.api.usage.UsageBucket;
import ai.patchwork.api.usage.UsageQueries;
import ai.patchwork.api.web.ApiException;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/organization/usage/completions}: the usage of every project, in hourly buckets with one result per
 * project, key, base model and adapter (OpenAI's {@code group_by} of all four; {@code bucket_width=1h} only).
 */
@RestController
@ConditionalOnRole(Role.API)
record OrganizationUsageController(UsageQueries queries) {

    record Page(String object, List<UsageBucket> data, boolean hasMore, String nextPage) {}

    @GetMapping("/v1/organization/usage/completions")
    Page usage(
            @RequestParam(name = "start_time", required = false) Long startTime,
            @RequestParam(name = "end_time", required = false) Long endTime,
            @RequestParam(name = "bucket_width", defaultValue = "1h") String bucketWidth,
            @RequestParam(name = "project_id", required = false) String projectId,
            @RequestParam(name = "api_key_id", required = false) String apiKeyId,
            @RequestParam(required = false) String model) {
        if (!bucketWidth.equals("1h")) {
            throw ApiException.badRequest("bucket_width", "invalid_value", "bucket_width must be 1h here");
        }
        return new Page("page", queries.buckets(projectId, apiKeyId, model, startTime, endTime), false, null);
    }
}
