package ai.patchwork.api.finetuning;

import ai.patchwork.trainer.jobs.JobCheckpoint;
import java.util.Map;

/** OpenAI's {@code fine_tuning.job.checkpoint}. */
record CheckpointJson(
        String object,
        String id,
        long createdAt,
        String fineTunedModelCheckpoint,
        String fineTuningJobId,
        int stepNumber,
        Map<String, Object> metrics) {

    static CheckpointJson of(JobCheckpoint c) {
        return new CheckpointJson(
                "fine_tuning.job.checkpoint",
                c.id(),
                c.createdAt().getEpochSecond(),
                c.fineTunedModelCheckpoint(),
                c.jobId(),
                c.stepNumber(),
                c.metrics());
    }
}
