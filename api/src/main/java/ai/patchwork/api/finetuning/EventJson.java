package ai.patchwork.api.finetuning;

import ai.patchwork.trainer.jobs.JobEvent;
import java.util.Map;

/** OpenAI's {@code fine_tuning.job.event}. */
record EventJson(
        String object, String id, long createdAt, String level, String message, String type, Map<String, Object> data) {

    static EventJson of(JobEvent e) {
        return new EventJson(
                "fine_tuning.job.event",
                e.id(),
                e.createdAt().getEpochSecond(),
                e.level(),
                e.message(),
                e.type(),
                e.data());
    }
}
