package ai.patchwork.api.finetuning;

import ai.patchwork.api.auth.Caller;
import ai.patchwork.api.limits.Quotas;
import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.api.web.Cursor;
import ai.patchwork.api.web.ListPage;
import ai.patchwork.trainer.TrainerException;
import ai.patchwork.trainer.jobs.FineTuningJobs;
import ai.patchwork.trainer.jobs.JobSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /v1/fine_tuning/jobs}: OpenAI's fine-tuning jobs API for supervised LoRA fine-tuning. */
@RestController
@RequestMapping("/v1/fine_tuning/jobs")
@ConditionalOnRole(Role.API)
record FineTuningController(FineTuningJobs jobs, Quotas quotas) {

    /** Creates a job ({@code validating_files}); a worker validates, queues and trains it. */
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    JobJson create(Caller caller, @RequestBody(required = false) CreateJobRequest body) {
        if (body == null) {
            throw TrainerException.invalid(null, "invalid_request", "the request body must be a JSON object");
        }
        JobSettings settings = body.settings();
        if (!caller.mayUse(settings.model())) {
            throw TrainerException.invalid(
                    "model",
                    "model_not_found",
                    "model '" + settings.model() + "' is not a base " + "model this project may fine-tune");
        }
        quotas.checkJobs(caller.projectId());
        return JobJson.of(jobs.create(caller.projectId(), settings));
    }

    /** Jobs newest first; {@code metadata[key]=value} filters. */
    @GetMapping
    ListPage<JobJson> list(Caller caller, Cursor cursor, @RequestParam Map<String, String> query) {
        Map<String, String> metadata = new LinkedHashMap<>();
        query.forEach((k, v) -> {
            if (k.startsWith("metadata[") && k.endsWith("]")) metadata.put(k.substring(9, k.length() - 1), v);
            else if (k.equals("metadata") && !v.equals("null")) {
                throw TrainerException.invalid("metadata", "invalid_metadata", "filter with metadata[key]=value");
            }
        });
        var page = jobs.list(caller.projectId(), cursor.limitOr(20), cursor.after(), metadata);
        return ListPage.of(page, JobJson::of, JobJson::id);
    }

    @GetMapping("/{id}")
    JobJson get(Caller caller, @PathVariable String id) {
        return JobJson.of(jobs.get(caller.projectId(), id));
    }

    /** Cancels the job: it is {@code cancelled} at once and its worker stops within one training step. */
    @PostMapping("/{id}/cancel")
    JobJson cancel(Caller caller, @PathVariable String id) {
        return JobJson.of(jobs.cancel(caller.projectId(), id));
    }

    /** The job's events, newest first. */
    @GetMapping("/{id}/events")
    ListPage<EventJson> events(Caller caller, @PathVariable String id, Cursor cursor) {
        var page = jobs.events(caller.projectId(), id, cursor.limitOr(20), cursor.after());
        return ListPage.of(page, EventJson::of, EventJson::id);
    }

    /** The job's checkpoints with their metrics, latest step first. */
    @GetMapping("/{id}/checkpoints")
    ListPage<CheckpointJson> checkpoints(Caller caller, @PathVariable String id, Cursor cursor) {
        var page = jobs.checkpoints(caller.projectId(), id, cursor.limitOr(10), cursor.after());
        return ListPage.of(page, CheckpointJson::of, CheckpointJson::id);
    }

    /** Pausing is not supported: a job runs to its end or is cancelled. */
    @PostMapping({"/{id}/pause", "/{id}/resume"})
    JobJson pause(Caller caller, @PathVariable String id) {
        jobs.get(caller.projectId(), id);
        throw TrainerException.invalid(
                null,
                "unsupported_operation",
                "pausing and resuming jobs is not supported; " + "cancel the job and create a new one");
    }
}
