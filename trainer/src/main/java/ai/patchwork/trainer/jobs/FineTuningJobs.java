package ai.patchwork.trainer.jobs;

import ai.patchwork.registry.Adapter;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.registry.Page;
import ai.patchwork.registry.RegistryException;
import ai.patchwork.trainer.Ids;
import ai.patchwork.trainer.TrainerException;
import ai.patchwork.trainer.files.FileObject;
import ai.patchwork.trainer.files.FileStore;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Fine-tuning jobs as clients see them (OpenAI's {@code /v1/fine_tuning/jobs}): create, list, retrieve, cancel,
 * events and checkpoints. Creation checks what can be checked at once, so that a job that cannot finish is refused
 * before anything is written: the base model, the LoRA rank serving can load, the files exist and are fine-tune
 * files, the training file has {@value #MIN_EXAMPLES} examples or more (supervised and DPO), and a reinforcement
 * job's completion length leaves room for a prompt in the model's context. A worker validates the files' content
 * against the model's tokenizer and context and fails the job naming the line if needed. Every job belongs to a project, and every method sees that project's jobs, files
 * and adapters only: another project's job is not found. Thread-safe.
 */
public final class FineTuningJobs {

    /** The fewest examples (or preference pairs) a supervised or DPO training file may have: OpenAI's minimum. */
    public static final int MIN_EXAMPLES = 10;

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final FileStore files;
    private final BaseModels baseModels;
    private final AdapterRegistry adapters;
    private final JobProgress progress;

    /**
     * A job asking for a LoRA rank above the registry's
     * {@link AdapterRegistry#maxLoraRank()} (serving's limit, shared by every role) is refused at creation rather than
     * producing an adapter no replica can serve.
     */
    public FineTuningJobs(DataSource dataSource, FileStore files, BaseModels baseModels, AdapterRegistry adapters) {
        this.jdbc = JdbcClient.create(dataSource);
        this.tx = new TransactionTemplate(new JdbcTransactionManager(dataSource));
        this.files = files;
        this.baseModels = baseModels;
        this.adapters = adapters;
        this.progress = new JobProgress(dataSource);
    }

    /** Creates a job in status {@code validating_files}; a worker picks it up. */
    public FineTuningJob create(String project, JobSettings settings) {
        if (!baseModels.contains(settings.model())) {
            throw TrainerException.invalid(
                    "model",
                    "model_not_found",
                    "model '" + settings.model() + "' is not a base model that "
                            + "can be fine-tuned here (available: "
                            + String.join(
                                    ", ",
                                    baseModels.all().stream().map(m -> m.id()).toList())
                            + ")");
        }
        if (settings.options().loraRank() > adapters.maxLoraRank()) {
            throw TrainerException.invalid(
                    "patchwork.lora.r",
                    "rank_not_servable",
                    "patchwork.lora.r is "
                            + settings.options().loraRank() + ", but serving loads adapters of rank at most "
                            + adapters.maxLoraRank()
                            + " (patchwork.registry.max-lora-rank); the job would produce an adapter no replica can serve");
        }
        JobSettings s = fittedToModel(withInitialAdapterId(project, settings));
        fineTuneFile(project, s.trainingFile(), "training_file");
        if (s.validationFile() != null) fineTuneFile(project, s.validationFile(), "validation_file");
        enoughExamples(s);
        String id = Ids.next("ftjob-");
        String method = JobColumns.method(s.hyperparameters(), s.reinforcement(), s.preference())
                .toString();
        tx.executeWithoutResult(st -> {
            jdbc.sql(
                            "INSERT INTO fine_tuning_jobs (id, project_id, base_model, training_file, validation_file, method, "
                                    + "hyperparameters, suffix, seed, metadata, integrations, status) "
                                    + "VALUES (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?::jsonb, ?::jsonb, 'validating_files')")
                    .params(
                            id,
                            project,
                            s.model(),
                            s.trainingFile(),
                            s.validationFile(),
                            method,
                            JobColumns.column(s.hyperparameters(), s.options()).toString(),
                            s.suffix(),
                            s.seed(),
                            JobRows.json(s.metadata()),
                            s.integrations().toString())
                    .update();
            progress.info(id, "Created fine-tuning job: " + id);
        });
        return get(project, id);
    }

    /** The settings with a reinforcement job's completion length fitted to the base model's context. */
    private JobSettings fittedToModel(JobSettings s) {
        if (s.reinforcement() == null) return s;
        int context = baseModels.require(s.model()).config().maxPositions();
        return s.withMethod(s.reinforcement().fittedTo(context), null);
    }

    /** The settings with the initial adapter, if any, resolved to the id of a ready adapter of the job's base model. */
    private JobSettings withInitialAdapterId(String project, JobSettings s) {
        if (s.preference() != null && s.preference().initialAdapter() != null) {
            String id = initialAdapter(project, s.preference().initialAdapter(), s.model());
            return s.withMethod(null, s.preference().withInitialAdapter(id));
        }
        if (s.reinforcement() == null || s.reinforcement().initialAdapter() == null) return s;
        String id = initialAdapter(project, s.reinforcement().initialAdapter(), s.model());
        return s.withMethod(s.reinforcement().withInitialAdapter(id), null);
    }

    /** The id of the ready adapter {@code ref} names, which must be for {@code baseModel}. */
    private String initialAdapter(String project, String ref, String baseModel) {
        Adapter a;
        try {
            a = adapters.getReady(project, ref);
        } catch (RegistryException e) {
            throw TrainerException.invalid(
                    "patchwork.initial_adapter", "adapter_not_found", "patchwork.initial_adapter: " + e.getMessage());
        }
        if (!a.baseModel().equals(baseModel)) {
            throw TrainerException.invalid(
                    "patchwork.initial_adapter",
                    "base_model_mismatch",
                    "patchwork.initial_adapter '" + ref + "' is an adapter of base model '" + a.baseModel() + "', not '"
                            + baseModel + "'");
        }
        return a.id();
    }

    /**
     * Refuses a supervised or DPO job whose training file has fewer than {@value #MIN_EXAMPLES} examples (pairs), as
     * OpenAI does: such a run cannot learn anything worth serving.
     */
    private void enoughExamples(JobSettings s) {
        if (s.reinforcement() != null) return;
        int n = files.examples(s.trainingFile()).orElse(MIN_EXAMPLES);
        if (n < MIN_EXAMPLES) {
            throw TrainerException.invalid(
                    "training_file",
                    "invalid_n_examples",
                    "training_file has " + n + " example(s), but must have at least " + MIN_EXAMPLES + " examples");
        }
    }

    private void fineTuneFile(String project, String id, String param) {
        FileObject f = files.find(project, id)
                .orElseThrow(() -> TrainerException.invalid(
                        param, "file_not_found", param + " '" + id + "' does not exist (or was deleted)"));
        if (!f.purpose().equals(FileStore.FINE_TUNE)) {
            throw TrainerException.invalid(
                    param,
                    "invalid_file_purpose",
                    param + " '" + id + "' has purpose '" + f.purpose() + "'; upload it with purpose 'fine-tune'");
        }
    }

    /** The project's job, or a 404. */
    public FineTuningJob get(String project, String id) {
        return jdbc.sql(JobRows.JOB_SELECT + " WHERE j.id = ? AND j.project_id = ?")
                .params(id, project)
                .query(JobRows::job)
                .optional()
                .orElseThrow(() -> TrainerException.notFound(
                        "fine_tuning_job_id", "job_not_found", "no fine-tuning job '" + id + "'"));
    }

    /** Jobs newest first, after a cursor, optionally only those whose metadata contains every given pair. */
    public Page<FineTuningJob> list(String project, int limit, String after, Map<String, String> metadata) {
        checkLimit(limit);
        Long afterSeq = after == null
                ? null
                : jdbc.sql("SELECT seq FROM fine_tuning_jobs WHERE id = ? AND project_id = ?")
                        .params(after, project)
                        .query(Long.class)
                        .optional()
                        .orElseThrow(() ->
                                TrainerException.invalid("after", "invalid_cursor", "after: no item '" + after + "'"));
        List<FineTuningJob> rows = jdbc.sql(JobRows.JOB_SELECT + " WHERE j.project_id = ? "
                        + "AND (?::bigint IS NULL OR j.seq < ?) AND j.metadata @> ?::jsonb ORDER BY j.seq DESC LIMIT ?")
                .params(project, afterSeq, afterSeq, JobRows.json(metadata == null ? Map.of() : metadata), limit + 1)
                .query(JobRows::job)
                .list();
        return Page.of(rows, limit);
    }

    /**
     * Cancels a job that has not finished: it is {@code cancelled} at once, and a worker training it stops within one
     * training step.
     */
    public FineTuningJob cancel(String project, String id) {
        tx.executeWithoutResult(st -> {
            String status = jdbc.sql("SELECT status FROM fine_tuning_jobs WHERE id = ? AND project_id = ? FOR UPDATE")
                    .params(id, project)
                    .query(String.class)
                    .optional()
                    .orElseThrow(() -> TrainerException.notFound(
                            "fine_tuning_job_id", "job_not_found", "no fine-tuning job '" + id + "'"));
            JobStatus s = JobStatus.of(status);
            if (s.terminal()) {
                throw TrainerException.invalid(
                        null,
                        "job_not_cancellable",
                        "job '" + id + "' has already " + s.wire() + " and cannot be cancelled");
            }
            jdbc.sql("UPDATE fine_tuning_jobs SET status = 'cancelled', cancel_requested = true, finished_at = now(), "
                            + "estimated_finish = NULL WHERE id = ?")
                    .param(id)
                    .update();
            progress.info(id, "Fine-tuning job cancelled");
        });
        return get(project, id);
    }

    /** The job's events, newest first. */
    public Page<JobEvent> events(String project, String id, int limit, String after) {
        get(project, id);
        checkLimit(limit);
        Long afterSeq = after == null ? null : seq("fine_tuning_job_events", after, "after");
        return Page.of(
                jdbc.sql("SELECT " + JobRows.EVENT_COLUMNS + " FROM fine_tuning_job_events WHERE job_id = ? "
                                + "AND (?::bigint IS NULL OR seq < ?) ORDER BY seq DESC LIMIT ?")
                        .params(id, afterSeq, afterSeq, limit + 1)
                        .query(JobRows::event)
                        .list(),
                limit);
    }

    /** The job's checkpoints, latest step first. */
    public Page<JobCheckpoint> checkpoints(String project, String id, int limit, String after) {
        FineTuningJob job = get(project, id);
        checkLimit(limit);
        String name = FineTunedModelName.of(job.model(), job.suffix(), job.id());
        Integer afterStep = after == null
                ? null
                : jdbc.sql("SELECT step_number FROM fine_tuning_checkpoints WHERE id = ? " + "AND job_id = ?")
                        .params(after, id)
                        .query(Integer.class)
                        .optional()
                        .orElseThrow(() -> TrainerException.invalid(
                                "after", "invalid_cursor", "after: no checkpoint '" + after + "'"));
        return Page.of(
                jdbc.sql("SELECT " + JobRows.CHECKPOINT_COLUMNS + " FROM fine_tuning_checkpoints c WHERE c.job_id = ? "
                                + "AND (?::int IS NULL OR c.step_number < ?) ORDER BY c.step_number DESC LIMIT ?")
                        .params(id, afterStep, afterStep, limit + 1)
                        .query((rs, i) -> JobRows.checkpoint(rs, name))
                        .list(),
                limit);
    }

    private long seq(String table, String id, String param) {
        return jdbc.sql("SELECT seq FROM " + table + " WHERE id = ?")
                .param(id)
                .query(Long.class)
                .optional()
                .orElseThrow(() -> TrainerException.invalid(param, "invalid_cursor", param + ": no item '" + id + "'"));
    }

    private static void checkLimit(int limit) {
        if (limit < 1 || limit > 1000)
            throw TrainerException.invalid("limit", "invalid_limit", "limit must be between 1 and 1000");
    }
}
