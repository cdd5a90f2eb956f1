package ai.patchwork.api.usage;

import ai.patchwork.api.auth.Caller;
import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/usage}: hourly token usage of the caller's project from {@code usage_hourly}, optionally of one of
 * its keys or models. This process's not yet written counts are flushed first, so a request is visible as soon as it
 * finished here. The organization-wide view is {@code GET /v1/organization/usage/completions} (admin keys).
 */
@RestController
@ConditionalOnRole(Role.API)
record UsageController(UsageQueries queries) {

    /**
     * @param startTime unix seconds, inclusive (default: everything)
     * @param endTime unix seconds, exclusive (default: now and later)
     * @param apiKeyId only this key of the project ({@code key_…})
     * @param model only this base model id or adapter id
     */
    @GetMapping("/v1/usage")
    UsagePage usage(
            Caller caller,
            @RequestParam(name = "start_time", required = false) Long startTime,
            @RequestParam(name = "end_time", required = false) Long endTime,
            @RequestParam(name = "api_key_id", required = false) String apiKeyId,
            @RequestParam(required = false) String model) {
        return new UsagePage(
                "page", queries.buckets(caller.projectId(), apiKeyId, model, startTime, endTime), false, null);
    }

    /** OpenAI's usage page; every bucket fits in one page here. */
    record UsagePage(String object, List<UsageBucket> data, boolean hasMore, String nextPage) {}
}
