package ai.patchwork.trainer.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.trainer.files.FileStore;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.FineTuningJobs;
import ai.patchwork.trainer.jobs.Hyperparameters;
import ai.patchwork.trainer.jobs.JobEvent;
import ai.patchwork.trainer.jobs.JobProgress;
import ai.patchwork.trainer.jobs.JobSettings;
import ai.patchwork.trainer.jobs.JobStatus;
import ai.patchwork.trainer.jobs.Lease;
import ai.patchwork.trainer.jobs.LeaseLostException;
import ai.patchwork.trainer.jobs.Preference;
import ai.patchwork.trainer.jobs.Reinforcement;
import ai.patchwork.trainer.jobs.TrainingOptions;
import ai.patchwork.trainer.worker.JobQueue;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.scope.context.StepContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.batch.test.JobOperatorTestUtils;
import org.springframework.batch.test.JobRepositoryTestUtils;
import org.springframework.batch.test.MetaDataInstanceFactory;
import org.springframework.batch.test.StepScopeTestUtils;
import org.springframework.batch.test.context.SpringBatchTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Spring Batch job flows as Batch's test utilities see them, on a real PostgreSQL and S3 (test-support) and the
 * generated task model: the first run of a job validates and stops (the job is queued), the restart of the same job
 * instance tokenizes, trains, exports and registers; supervised and DPO jobs run {@value FineTuningRunner#JOB_NAME},
 * reinforcement jobs {@value FineTuningRunner#RL_JOB_NAME} with its {@code rl-train} step. Every step execution
 * carries the worker's lease in its job parameters, and its step-scoped tasklet writes through that lease only.
 */
@SpringBatchTest
@SpringJUnitConfig(TrainerTestBed.OnSharedStore.class)
class FineTuningFlowTest {

    private static final String P = "proj_default";
    private static final ReverseCodeTask TASK = new ReverseCodeTask(42, 80);

    @Autowired
    JobOperatorTestUtils batch;

    @Autowired
    JobRepositoryTestUtils batchRepository;

    @Autowired
    @Qualifier("fineTuningJob")
    Job fineTuningJob;

    @Autowired
    @Qualifier("reinforcementFineTuningJob")
    Job reinforcementJob;

    @Autowired
    @Qualifier("validateFilesTasklet")
    Tasklet validateTasklet;

    @Autowired
    FineTuningJobs jobs;

    @Autowired
    FileStore files;

    @Autowired
    JobQueue queue;

    @Autowired
    JobProgress progress;

    @Autowired
    DataSource dataSource;

    /** Leaves no job claimable and no Batch metadata for the next test: the tests share this context's database. */
    @AfterEach
    void cleanUp() {
        JdbcClient.create(dataSource)
                .sql("UPDATE fine_tuning_jobs SET status = 'cancelled', cancel_requested = true, claimed_by = NULL, "
                        + "lease_expires_at = NULL WHERE status NOT IN ('succeeded', 'failed', 'cancelled')")
                .update();
        batchRepository.removeJobExecutions();
    }

    @Test
    void aSupervisedJobValidatesStopsAndItsRestartTokenizesTrainsExportsAndRegisters() throws Exception {
        // given a supervised job of 16 examples and 2 steps
        String file = upload(TASK.trainingJsonl(16));
        FineTuningJob job = jobs.create(
                P,
                JobCommands.supervised(
                        file,
                        null,
                        "flow",
                        new Hyperparameters(1, 8, null),
                        TrainingOptions.builder()
                                .maxSteps(2)
                                .checkpointInterval(2)
                                .build()));

        // when it runs as a worker runs it (claim, start, release as queued, claim again, restart), then
        runValidatedAndTrained(job, fineTuningJob, "train");
    }

    @Test
    void aDpoJobRunsTheSameStepsOnItsPreferencePairs() throws Exception {
        // given a DPO job of OpenAI's minimum of 10 pairs and 2 steps
        String file =
                upload(ReverseCodeTask.preferenceJsonl(TASK.trainingCodes().subList(0, 10)));
        FineTuningJob job = jobs.create(
                P,
                JobCommands.dpo(
                        file,
                        new Preference(0.1, null),
                        new Hyperparameters(1, 4, null),
                        TrainingOptions.builder()
                                .maxSteps(2)
                                .checkpointInterval(2)
                                .build(),
                        JsonMapper.shared().createArrayNode()));

        // when it runs as a worker runs it, then
        runValidatedAndTrained(job, fineTuningJob, "train");
    }

    @Test
    void aReinforcementJobRunsItsOwnBatchJobWhoseTrainStepIsRlTrain() throws Exception {
        // given a reinforcement job of 4 prompts, 2 samples of at most 8 tokens each, and 1 step
        String file = upload(ReverseCodeTask.promptJsonl(TASK.trainingCodes().subList(0, 4)));
        Reinforcement grpo = new Reinforcement(JobCommands.EXACT_GRADER, 1.0, null, 1, 2, 0.0, 0.2, 8, 1.0, 1, null);
        FineTuningJob job = jobs.create(
                P,
                new JobSettings(
                        TrainerTestBed.BASE,
                        file,
                        null,
                        null,
                        3,
                        Map.of(),
                        new Hyperparameters(1, 2, null),
                        TrainingOptions.builder()
                                .maxSteps(1)
                                .checkpointInterval(1)
                                .progressInterval(1)
                                .build(),
                        grpo,
                        null,
                        JsonMapper.shared().createArrayNode()));

        // when it runs as a worker runs it, then
        runValidatedAndTrained(job, reinforcementJob, "rl-train");
    }

    @Test
    void theValidateStepLaunchedAloneRunsWithTheLeaseOfItsJobParameters() {
        // given a job claimed by a worker
        FineTuningJob job = jobs.create(
                P,
                JobCommands.supervised(
                        upload(TASK.trainingJsonl(12)), null, null, Hyperparameters.AUTO, TrainingOptions.DEFAULTS));
        Lease lease = claim(job.id(), "worker-step");
        batch.setJob(fineTuningJob);

        // when the validate step alone is launched with that claim's job parameters
        JobExecution run = batch.startStep("validate", parameters(lease), null);

        // then it completed, its execution carries the parameters, and the job's events say what it checked
        StepExecution step = single(run).getFirst();
        assertEquals("validate", step.getStepName());
        assertEquals(BatchStatus.COMPLETED, step.getStatus());
        assertEquals(job.id(), step.getJobParameters().getString(FineTuningRunner.JOB_ID));
        assertEquals(lease.token(), step.getJobParameters().getLong(FineTuningRunner.LEASE_TOKEN));
        assertTrue(messages(job.id()).stream().anyMatch(m -> m.startsWith("Validating training file: ")));
    }

    @Test
    void aStepScopedTaskletIsBuiltPerStepExecutionAndWritesNothingWithAStaleLease() throws Exception {
        // given a job claimed twice: the first claim's lease expired and a second worker holds it now
        FineTuningJob job = jobs.create(
                P,
                JobCommands.supervised(
                        upload(TASK.trainingJsonl(12)), null, null, Hyperparameters.AUTO, TrainingOptions.DEFAULTS));
        Lease first = claim(job.id(), "worker-old");
        JdbcClient.create(dataSource)
                .sql("UPDATE fine_tuning_jobs SET lease_expires_at = now() - interval '1 second' WHERE id = ?")
                .param(job.id())
                .update();
        Lease second = claim(job.id(), "worker-new");
        assertTrue(second.token() > first.token());
        int before = messages(job.id()).size();

        // when the step-scoped validate tasklet runs in a step execution made of the first claim's parameters
        StepExecution stale = MetaDataInstanceFactory.createStepExecution(parameters(first));
        try {
            StepScopeTestUtils.doInStepScope(stale, () -> execute(validateTasklet, stale));
        } catch (LeaseLostException expected) {
            // the tasklet may also notice that its lease is gone
        }

        // then it wrote nothing and the job is still the second worker's; in the second claim's step execution the
        // same bean validates the files
        assertEquals(before, messages(job.id()).size());
        assertEquals(
                "worker-new",
                JdbcClient.create(dataSource)
                        .sql("SELECT claimed_by FROM fine_tuning_jobs WHERE id = ?")
                        .param(job.id())
                        .query(String.class)
                        .single());
        StepExecution current = MetaDataInstanceFactory.createStepExecution(parameters(second));
        assertEquals(
                RepeatStatus.FINISHED,
                StepScopeTestUtils.doInStepScope(current, () -> execute(validateTasklet, current)));
        assertTrue(messages(job.id()).stream().anyMatch(m -> m.startsWith("Validating training file: ")));
    }

    /**
     * Runs a created job as {@link FineTuningRunner} does and checks each step execution: the first start runs
     * {@code validate} only and stops; the restart of the same job instance, under a second claim, runs tokenize,
     * {@code trainStep}, export and register, each with the second claim's lease in its job parameters.
     */
    private void runValidatedAndTrained(FineTuningJob job, Job batchJob, String trainStep) throws Exception {
        batch.setJob(batchJob);
        Lease first = claim(job.id(), "worker-1");
        JobExecution validated = batch.startJob(parameters(first));
        assertEquals(BatchStatus.STOPPED, validated.getStatus(), String.valueOf(validated.getAllFailureExceptions()));
        assertEquals(List.of("validate"), names(validated));
        assertEquals(BatchStatus.COMPLETED, single(validated).getFirst().getStatus());
        progress.release(first, JobStatus.QUEUED);
        assertEquals(JobStatus.QUEUED, jobs.get(P, job.id()).status());

        Lease second = claim(job.id(), "worker-2");
        JobExecution trained = batch.startJob(parameters(second));
        assertEquals(BatchStatus.COMPLETED, trained.getStatus(), String.valueOf(trained.getAllFailureExceptions()));
        assertEquals(validated.getJobInstanceId(), trained.getJobInstanceId(), "a restart of the same instance");
        assertEquals(List.of("tokenize", trainStep, "export", "register"), names(trained));
        for (StepExecution step : trained.getStepExecutions()) {
            assertEquals(BatchStatus.COMPLETED, step.getStatus(), step.getStepName());
            assertEquals(job.id(), step.getJobParameters().getString(FineTuningRunner.JOB_ID));
            assertEquals("worker-2", step.getJobParameters().getString(FineTuningRunner.WORKER_ID));
            assertEquals(second.token(), step.getJobParameters().getLong(FineTuningRunner.LEASE_TOKEN));
        }
        FineTuningJob done = jobs.get(P, job.id());
        assertEquals(JobStatus.SUCCEEDED, done.status(), String.valueOf(done.error()));
        assertNotNull(done.fineTunedModel());
    }

    private String upload(String jsonl) {
        return files.upload(P, FileStore.FINE_TUNE, "flow.jsonl", TrainerTestBed.temp(jsonl), null)
                .id();
    }

    private Lease claim(String jobId, String worker) {
        Lease lease = queue.claim(TrainerTestBed.worker(worker)).orElseThrow();
        assertEquals(jobId, lease.jobId());
        return lease;
    }

    private static JobParameters parameters(Lease lease) {
        return new JobParametersBuilder()
                .addString(FineTuningRunner.JOB_ID, lease.jobId())
                .addString(FineTuningRunner.WORKER_ID, lease.workerId(), false)
                .addLong(FineTuningRunner.LEASE_TOKEN, lease.token(), false)
                .toJobParameters();
    }

    private static RepeatStatus execute(Tasklet tasklet, StepExecution step) throws Exception {
        return tasklet.execute(new StepContribution(step), new ChunkContext(new StepContext(step)));
    }

    private static List<String> names(JobExecution execution) {
        return execution.getStepExecutions().stream()
                .map(StepExecution::getStepName)
                .toList();
    }

    /**
     * The execution's one step execution, in a list: a test method returning a {@link StepExecution} would be taken
     * for the step-scope listener's factory of step executions.
     */
    private static List<StepExecution> single(JobExecution execution) {
        assertEquals(1, execution.getStepExecutions().size(), names(execution).toString());
        return List.copyOf(execution.getStepExecutions());
    }

    private List<String> messages(String jobId) {
        return jobs.events(P, jobId, 1000, null).data().stream()
                .map(JobEvent::message)
                .toList();
    }
}
