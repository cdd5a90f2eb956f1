package ai.patchwork.trainer.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.registry.Adapter;
import ai.patchwork.trainer.files.FileObject;
import ai.patchwork.trainer.files.FileStore;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.Hyperparameters;
import ai.patchwork.trainer.jobs.JobCheckpoint;
import ai.patchwork.trainer.jobs.JobEvent;
import ai.patchwork.trainer.jobs.JobStatus;
import ai.patchwork.trainer.jobs.Lease;
import ai.patchwork.trainer.jobs.Preference;
import ai.patchwork.trainer.jobs.TrainingOptions;
import ai.patchwork.trainer.worker.WorkerSettings;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A fine-tuning job through the Spring Batch steps on a worker, without HTTP. */
class FineTuningPipelineTest {
    /** The project the migrations create, which owns the test's files and jobs. */
    private static final String P = "proj_default";

    static final ReverseCodeTask TASK = new ReverseCodeTask(42, 80);
    final TrainerTestBed bed = TrainerTestBed.shared();

    FineTuningJob create(String trainingJsonl, String validationJsonl, TrainingOptions options) {
        FileObject train =
                bed.files.upload(P, FileStore.FINE_TUNE, "train.jsonl", TrainerTestBed.temp(trainingJsonl), null);
        String valid = validationJsonl == null
                ? null
                : bed.files
                        .upload(P, FileStore.FINE_TUNE, "valid.jsonl", TrainerTestBed.temp(validationJsonl), null)
                        .id();
        return bed.jobs.create(
                P, JobCommands.supervised(train.id(), valid, "rev", new Hyperparameters(10, 16, 25.0), options));
    }

    /** Claims (the oldest waiting job, which must be this one) and runs until the worker lets go. */
    void work(String jobId, WorkerSettings worker) {
        Lease claimed = bed.queue.claim(worker).orElseThrow();
        assertEquals(jobId, claimed.jobId());
        bed.runner.run(claimed);
    }

    List<JobEvent> events(String jobId) {
        return bed.jobs.events(P, jobId, 1000, null).data();
    }

    @Test
    void aJobIsValidatedQueuedTrainedCheckpointedExportedAndRegistered() throws Exception {
        // given a training and a validation file, and a short run with checkpoints every 20 steps
        FineTuningJob job = create(
                TASK.trainingJsonl(200),
                TASK.heldOutJsonl(40),
                TrainingOptions.builder()
                        .maxSteps(40)
                        .checkpointInterval(20)
                        .evalInterval(20)
                        .warmupSteps(5)
                        .build());
        assertEquals(JobStatus.VALIDATING_FILES, job.status());
        WorkerSettings worker = TrainerTestBed.worker("worker-a");

        // when a worker validates it, it waits in the queue with its claim released
        work(job.id(), worker);
        assertEquals(JobStatus.QUEUED, bed.jobs.get(P, job.id()).status());

        // and when a worker takes it from the queue and trains it
        work(job.id(), worker);

        // then it succeeded with resolved hyperparameters, and its adapter is registered under the fine-tuned name
        FineTuningJob done = bed.jobs.get(P, job.id());
        assertEquals(JobStatus.SUCCEEDED, done.status(), String.valueOf(done.error()));
        assertEquals(10, done.hyperparameters().nEpochs());
        assertEquals(25.0, done.hyperparameters().learningRateMultiplier());
        assertEquals(20, done.options().evalInterval());
        assertTrue(done.trainedTokens() > 40 * 16 * 4, "trained tokens " + done.trainedTokens());
        assertNotNull(done.finishedAt());
        assertTrue(done.fineTunedModel().startsWith("ft-task-model-rev-"), done.fineTunedModel());
        Adapter adapter = bed.registry.getReady(P, done.fineTunedModel());
        assertEquals(job.id(), adapter.source().jobId());
        assertEquals(16, adapter.rank());

        // and it has two checkpoints with metrics, the latest first
        List<JobCheckpoint> checkpoints =
                bed.jobs.checkpoints(P, job.id(), 10, null).data();
        assertEquals(
                List.of(40, 20),
                checkpoints.stream().map(JobCheckpoint::stepNumber).toList());
        assertTrue(
                checkpoints.getFirst().metrics().containsKey("valid_loss"),
                checkpoints.getFirst().metrics().toString());
        assertEquals(
                done.fineTunedModel() + ":ckpt-step-40", checkpoints.getFirst().fineTunedModelCheckpoint());

        // and progress at step 1 and every 10 steps with loss, throughput and ETA, and the metrics CSV as a result file
        List<JobEvent> progress = events(job.id()).stream()
                .filter(e -> e.type().equals("metrics") && e.data().containsKey("train_loss"))
                .toList();
        assertEquals(
                List.of(40, 30, 20, 10, 1),
                progress.stream()
                        .map(e -> ((Number) e.data().get("step")).intValue())
                        .toList());
        assertTrue(((Number) progress.getFirst().data().get("tokens_per_second")).doubleValue() > 0);
        assertTrue(progress.getFirst().data().containsKey("eta_seconds"));
        FileObject results = bed.files.get(P, done.resultFiles().getFirst(), "file");
        assertEquals(FileStore.RESULTS, results.purpose());
        try (InputStream in = bed.files.open(results)) {
            String csv = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(csv.startsWith("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n1,"), csv);
            assertEquals(6, csv.lines().count(), csv); // the header, steps 1, 10, 20, 30 and 40
        }
    }

    @Test
    void anExampleLongerThanTheContextFailsTheJobNamingTheLine() {
        // given a file (of OpenAI's minimum of 10 examples) whose tenth line is longer than the model's 256-token
        // context
        String longLine = "{\"messages\": [{\"role\": \"user\", \"content\": \"" + "word ".repeat(300) + "\"}, "
                + "{\"role\": \"assistant\", \"content\": \"ok\"}]}\n";
        FineTuningJob job = create(TASK.trainingJsonl(9) + longLine, null, TrainingOptions.DEFAULTS);

        // when a worker validates it
        work(job.id(), TrainerTestBed.worker("worker-a"));

        // then it failed, and the error names the file, the line and the problem
        FineTuningJob failed = bed.jobs.get(P, job.id());
        assertEquals(JobStatus.FAILED, failed.status());
        assertEquals("invalid_training_file", failed.error().code());
        assertEquals("training_file", failed.error().param());
        assertTrue(
                failed.error().message().contains("line 10: the example is"),
                failed.error().message());
        assertTrue(
                failed.error().message().contains("context of 256 tokens"),
                failed.error().message());
    }

    @Test
    void cancellingStopsTrainingWithinOneStep() throws Exception {
        // given a long run reporting every step, being trained on another thread
        FineTuningJob job = create(
                TASK.trainingJsonl(100),
                null,
                TrainingOptions.builder()
                        .maxSteps(500)
                        .progressInterval(1)
                        .checkpointInterval(500)
                        .build());
        WorkerSettings worker = TrainerTestBed.worker("worker-c");
        work(job.id(), worker);
        Lease lease = bed.queue.claim(worker).orElseThrow();
        assertEquals(job.id(), lease.jobId());
        CompletableFuture<Void> training = CompletableFuture.runAsync(() -> bed.runner.run(lease));

        // when it is cancelled after a few steps
        int seen = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (seen < 5) {
            assertTrue(
                    System.nanoTime() < deadline && !training.isDone(),
                    "training did not report 5 steps: "
                            + events(job.id()).stream().map(JobEvent::message).toList());
            Thread.sleep(20);
            seen = events(job.id()).stream()
                    .filter(e -> e.data() != null && e.data().containsKey("train_loss"))
                    .mapToInt(e -> ((Number) e.data().get("step")).intValue())
                    .max()
                    .orElse(0);
        }
        FineTuningJob cancelled = bed.jobs.cancel(P, job.id());
        training.get(60, TimeUnit.SECONDS);

        // then the job is cancelled at once, and training stopped at the next step boundary
        assertEquals(JobStatus.CANCELLED, cancelled.status());
        JobEvent stopped = events(job.id()).stream()
                .filter(e -> e.message().startsWith("Training stopped at step"))
                .findFirst()
                .orElseThrow();
        int at = Integer.parseInt(stopped.message().replaceAll("\\D+(\\d+).*", "$1"));
        assertTrue(at >= seen && at <= seen + 2, "cancelled after step " + seen + ", stopped at " + at);
        assertEquals(JobStatus.CANCELLED, bed.jobs.get(P, job.id()).status());
        assertEquals(Optional.empty(), bed.queue.claim(worker), "a cancelled job is not claimed again");
    }

    FineTuningJob createDpo(String trainingJsonl, TrainingOptions options) {
        FileObject train =
                bed.files.upload(P, FileStore.FINE_TUNE, "pairs.jsonl", TrainerTestBed.temp(trainingJsonl), null);
        JsonNode wandb = JsonMapper.shared().readTree("[{\"type\": \"wandb\", \"wandb\": {\"project\": \"dpo\"}}]");
        return bed.jobs.create(
                P,
                JobCommands.dpo(
                        train.id(), new Preference(0.2, null), new Hyperparameters(1, 4, null), options, wandb));
    }

    @Test
    void aDpoJobTrainsFromLn2ReportsRewardsAndRegistersItsAdapter() {
        // given a preference file of 24 pairs and a run of 6 steps with a checkpoint every 3
        FineTuningJob job = createDpo(
                ReverseCodeTask.preferenceJsonl(TASK.trainingCodes().subList(0, 24)),
                TrainingOptions.builder()
                        .progressInterval(1)
                        .checkpointInterval(3)
                        .build());
        WorkerSettings worker = TrainerTestBed.worker("worker-d");

        // when a worker validates and trains it
        work(job.id(), worker);
        work(job.id(), worker);

        // then it succeeded with β kept, and its adapter is registered
        FineTuningJob done = bed.jobs.get(P, job.id());
        assertEquals(JobStatus.SUCCEEDED, done.status(), String.valueOf(done.error()));
        assertEquals(0.2, done.preference().beta());
        assertEquals(
                "dpo", done.integrations().get(0).path("wandb").path("project").asString());
        assertEquals(4, done.hyperparameters().batchSize());
        assertEquals(
                job.id(),
                bed.registry.getReady(P, done.fineTunedModel()).source().jobId());
        assertEquals(
                List.of(6, 3),
                bed.jobs.checkpoints(P, job.id(), 10, null).data().stream()
                        .map(JobCheckpoint::stepNumber)
                        .toList());

        // and every step's metrics carry the DPO loss and rewards, the first step's loss being ln 2
        List<JobEvent> metrics = events(job.id()).stream()
                .filter(e -> e.type().equals("metrics") && e.data().containsKey("train_rewards_margin"))
                .toList();
        assertEquals(6, metrics.size());
        JobEvent first = metrics.getLast();
        assertEquals(1, ((Number) first.data().get("step")).intValue());
        assertEquals(Math.log(2), ((Number) first.data().get("train_loss")).doubleValue(), 1e-3);
        for (String key : List.of("train_rewards_chosen", "train_rewards_rejected", "train_rewards_accuracy")) {
            assertTrue(first.data().containsKey(key), key);
        }
    }

    @Test
    void aDpoPairLongerThanTheContextFailsTheJobNamingTheLine() {
        // given a preference file (of 10 pairs, OpenAI's minimum) whose tenth pair is longer than the 256-token context
        String longPair = "{\"input\": {\"messages\": [{\"role\": \"user\", \"content\": \"" + "word ".repeat(300)
                + "\"}]}, \"preferred_output\": [{\"role\": \"assistant\", \"content\": \"yes\"}], "
                + "\"non_preferred_output\": [{\"role\": \"assistant\", \"content\": \"no\"}]}\n";
        FineTuningJob job = createDpo(
                ReverseCodeTask.preferenceJsonl(TASK.trainingCodes().subList(0, 9)) + longPair,
                TrainingOptions.DEFAULTS);

        // when a worker validates it
        work(job.id(), TrainerTestBed.worker("worker-e"));

        // then it failed naming the line and the problem
        FineTuningJob failed = bed.jobs.get(P, job.id());
        assertEquals(JobStatus.FAILED, failed.status());
        assertEquals("invalid_training_file", failed.error().code());
        assertTrue(
                failed.error().message().contains("line 10: the example is"),
                failed.error().message());
    }

    @Test
    void aReinforcementJobWithEveryDefaultFitsItsCompletionsToA256TokenContext() {
        // given a reinforcement job that sets nothing but its grader, on the task model whose context is 256 tokens
        FileObject prompts = bed.files.upload(
                P,
                FileStore.FINE_TUNE,
                "prompts.jsonl",
                TrainerTestBed.temp(
                        ReverseCodeTask.promptJsonl(TASK.trainingCodes().subList(0, 2))),
                null);
        FineTuningJob job = bed.jobs.create(P, JobCommands.reinforcement(prompts.id()));

        // then its completions were fitted to half the context when it was created
        assertEquals(128, job.reinforcement().maxCompletionTokens());

        // and when a worker validates and trains it, it succeeds
        WorkerSettings worker = TrainerTestBed.worker("worker-f");
        work(job.id(), worker);
        work(job.id(), worker);
        FineTuningJob done = bed.jobs.get(P, job.id());
        assertEquals(JobStatus.SUCCEEDED, done.status(), String.valueOf(done.error()));
    }
}
