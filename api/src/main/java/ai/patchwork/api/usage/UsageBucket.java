package ai.patchwork.api.usage;

import java.util.List;

/**
 * One hour of usage, in the shape of OpenAI's usage API: a bucket with one result per API key, base model and
 * adapter.
 *
 * @param object always {@code bucket}
 * @param startTime unix seconds, on the hour
 * @param endTime unix seconds, one hour later
 * @param results the hour's rows
 */
public record UsageBucket(String object, long startTime, long endTime, List<Result> results) {

    public UsageBucket {
        results = List.copyOf(results);
    }

    /**
     * Usage of one API key with one model in the hour.
     *
     * @param object always {@code usage.completions.result}
     * @param projectId the project ({@code proj_…})
     * @param apiKeyId the key ({@code key_…})
     * @param model the adapter as {@code name@version}, or the base model id
     * @param baseModel the base model id
     * @param adapterId the adapter version's id, or null for the base model alone
     * @param numModelRequests requests served or failed
     * @param failedRequests requests that failed
     * @param inputTokens prompt tokens
     * @param outputTokens completion tokens
     */
    public record Result(
            String object,
            String projectId,
            String apiKeyId,
            String model,
            String baseModel,
            String adapterId,
            long numModelRequests,
            long failedRequests,
            long inputTokens,
            long outputTokens) {}
}
