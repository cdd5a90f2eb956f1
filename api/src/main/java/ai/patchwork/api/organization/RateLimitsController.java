package ai.patchwork.api.organization;

import ai.patchwork.api.auth.KeyStore;
import ai.patchwork.api.limits.RateLimit;
import ai.patchwork.api.limits.RateLimiter;
import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.api.web.ApiException;
import ai.patchwork.api.web.ListPage;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /v1/organization/projects/{id}/rate_limits}: OpenAI's project rate limits. A limit's id is {@code rl-} and
 * its model: {@code rl-*} limits the whole project, {@code rl-<base model or adapter name>} one model. Modifying a
 * limit that is not set yet sets it (Patchwork's models are the project's own, so there is no fixed list).
 */
@RestController
@ConditionalOnRole(Role.API)
record RateLimitsController(KeyStore keys, RateLimiter limiter) {

    /** OpenAI's {@code project.rate_limit}. */
    record RateLimitJson(
            String object,
            String id,
            String model,
            @JsonProperty("max_requests_per_1_minute") Integer maxRequestsPer1Minute,
            @JsonProperty("max_tokens_per_1_minute") Long maxTokensPer1Minute) {
        static RateLimitJson of(RateLimit l) {
            return new RateLimitJson(
                    "project.rate_limit", l.id(), l.model(), l.maxRequestsPerMinute(), l.maxTokensPerMinute());
        }
    }

    @GetMapping("/v1/organization/projects/{projectId}/rate_limits")
    ListPage<RateLimitJson> list(@PathVariable String projectId) {
        keys.project(projectId);
        return ListPage.of(
                limiter.limits(projectId).stream().map(RateLimitJson::of).toList(), false, RateLimitJson::id);
    }

    /** Sets the limit's maxima; a field left out keeps its value, null removes it. */
    @PostMapping(
            path = "/v1/organization/projects/{projectId}/rate_limits/{rateLimitId}",
            consumes = MediaType.APPLICATION_JSON_VALUE)
    RateLimitJson modify(@PathVariable String projectId, @PathVariable String rateLimitId, @RequestBody JsonNode body) {
        keys.project(projectId);
        if (!rateLimitId.startsWith("rl-") || rateLimitId.length() < 4 || rateLimitId.length() > 131) {
            throw ApiException.badRequest("rate_limit_id", "invalid_value", "a rate limit id is rl-* or rl-<model>");
        }
        String model = rateLimitId.substring(3);
        RateLimit old = limiter.limits(projectId).stream()
                .filter(l -> l.model().equals(model))
                .findFirst()
                .orElse(new RateLimit(model, null, null));
        Long requests = field(
                body,
                "max_requests_per_1_minute",
                old.maxRequestsPerMinute() == null
                        ? null
                        : old.maxRequestsPerMinute().longValue(),
                Integer.MAX_VALUE);
        Long tokens = field(body, "max_tokens_per_1_minute", old.maxTokensPerMinute(), Long.MAX_VALUE / 4);
        return RateLimitJson.of(
                limiter.set(projectId, new RateLimit(model, requests == null ? null : requests.intValue(), tokens)));
    }

    private static Long field(JsonNode body, String name, Long old, long max) {
        if (!body.has(name)) return old;
        JsonNode v = body.get(name);
        if (v.isNull()) return null;
        if (!v.isIntegralNumber() || v.asLong() < 1 || v.asLong() > max) {
            throw ApiException.badRequest(
                    name, "invalid_value", name + " must be a positive integer, or null for none");
        }
        return v.asLong();
    }
}
