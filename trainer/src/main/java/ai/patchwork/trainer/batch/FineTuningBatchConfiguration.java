package ai.patchwork.trainer.batch;

import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.registry.store.Artifacts;
import ai.patchwork.trainer.files.FileStore;
import ai.patchwork.trainer.jobs.JobProgress;
import javax.sql.DataSource;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.configuration.support.JdbcDefaultBatchConfiguration;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.context.annotation.ScopedProxyMode;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The fine-tuning job in Spring Batch, its JobRepository in the platform's PostgreSQL (tables from the V4
 * migration), and the {@link FineTuningRunner} workers use. Needs beans of {@link DataSource} (named
 * {@code dataSource}), a {@code transactionManager}, {@link FileStore}, {@link JobProgress}, {@link BaseModels},
 * {@link AdapterRegistry} and {@link Artifacts}.
 *
 * <pre>
 *   validate ──COMPLETED──▶ (stop: the job is queued) ⟲ restart ▶ tokenize ▶ train (chunks) ▶ export ▶ register
 * </pre>
 *
 * <p>Supervised and preference jobs run {@value FineTuningRunner#JOB_NAME}; reinforcement jobs the same steps as
 * {@value FineTuningRunner#RL_JOB_NAME}, whose train step is named {@code rl-train}. Both train steps run the one
 * {@link TrainTasklet}, which trains the job's method through its {@link TrainingSession}.
 *
 * <p>Every tasklet is step-scoped: a fresh instance per step execution, with the job id, the worker id and the
 * fencing token of the worker's claim from the execution's job parameters (the step-scoped {@link JobRun}); every
 * write a tasklet makes for the job goes through that lease, so a worker that lost the job changes nothing of it.
 *
 * <p>The tasklets run without a transaction of their own (a resourceless transaction manager): what they record on
 * the job (events, checkpoints, status) commits at once so clients see it while the step runs, and the Batch
 * metadata, the train step's checkpoint reference included, commits after each chunk through the JobRepository.
 */
@Configuration(proxyBeanMethods = false)
public class FineTuningBatchConfiguration extends JdbcDefaultBatchConfiguration {

    private static final String JOB_ID = "#{jobParameters['" + FineTuningRunner.JOB_ID + "']}";
    private static final String WORKER_ID = "#{jobParameters['" + FineTuningRunner.WORKER_ID + "']}";
    private static final String LEASE_TOKEN = "#{jobParameters['" + FineTuningRunner.LEASE_TOKEN + "']}";

    @Bean
    ShutdownSignal fineTuningShutdown() {
        return new ShutdownSignal();
    }

    @Bean
    ProgressClock fineTuningProgressClock() {
        return new ProgressClock();
    }

    /**
     * The job, worker and claim of the running step's execution, from its job parameters. Step-scoped without a proxy:
     * only the tasklets use it, and they are created inside their step.
     */
    @Bean
    @Scope(value = "step", proxyMode = ScopedProxyMode.NO)
    JobRun jobRun(@Value(JOB_ID) String jobId, @Value(WORKER_ID) String workerId, @Value(LEASE_TOKEN) Long leaseToken) {
        return new JobRun(jobId, workerId, leaseToken);
    }

    /** The running job's intermediate files, written through its lease. */
    @Bean
    @Scope(value = "step", proxyMode = ScopedProxyMode.NO)
    Blobs jobBlobs(Artifacts artifacts, JobRun run, DataSource dataSource, ObjectProvider<StoreRetry> retry) {
        return new Blobs(artifacts, run, JdbcClient.create(dataSource), retry.getIfAvailable(StoreRetry::standard));
    }

    /** The running job as its worker holds it. */
    @Bean
    @Scope(value = "step", proxyMode = ScopedProxyMode.NO)
    HeldJob heldJob(JobRun run, JobProgress progress) {
        return new HeldJob(run, progress);
    }

    @Bean
    JobData fineTuningJobData(FileStore files, BaseModels baseModels) {
        return new JobData(files, baseModels);
    }

    @Bean
    @StepScope
    Tasklet validateFilesTasklet(HeldJob held, JobData data) {
        return new ValidateFilesTasklet(held, data);
    }

    @Bean
    @StepScope
    Tasklet tokenizeTasklet(HeldJob held, JobData data, Blobs blobs) {
        return new TokenizeTasklet(held, data, blobs);
    }

    @Bean(destroyMethod = "close")
    @StepScope
    Tasklet trainTasklet(
            HeldJob held,
            ShutdownSignal shutdown,
            ProgressClock clock,
            BaseModels baseModels,
            AdapterRegistry registry,
            Blobs blobs) {
        return new TrainTasklet(
                held, new TrainingControl(held, shutdown, clock, blobs), new TrainingSessions(baseModels, registry));
    }

    @Bean
    @StepScope
    Tasklet exportAdapterTasklet(
            HeldJob held, BaseModels baseModels, FileStore files, Blobs blobs, DataSource dataSource) {
        return new ExportAdapterTasklet(held, baseModels, files, blobs, new ResultsCsv(dataSource));
    }

    @Bean
    @StepScope
    Tasklet registerAdapterTasklet(HeldJob held, AdapterRegistry registry, Blobs blobs, DataSource dataSource) {
        return new RegisterAdapterTasklet(held, registry, blobs, JdbcClient.create(dataSource));
    }

    @Bean
    Job fineTuningJob(JobRepository jobRepository, JobProgress progress, Steps steps) {
        return job(FineTuningRunner.JOB_NAME, "train", jobRepository, progress, steps);
    }

    @Bean
    Job reinforcementFineTuningJob(JobRepository jobRepository, JobProgress progress, Steps steps) {
        return job(FineTuningRunner.RL_JOB_NAME, "rl-train", jobRepository, progress, steps);
    }

    /** The step-scoped tasklets (proxies resolved per step execution) and the watchdog's clock the steps touch. */
    record Steps(
            Tasklet validate, Tasklet tokenize, Tasklet train, Tasklet export, Tasklet register, ProgressClock clock) {}

    @Bean
    Steps fineTuningSteps(
            @Qualifier("validateFilesTasklet") Tasklet validate,
            @Qualifier("tokenizeTasklet") Tasklet tokenize,
            @Qualifier("trainTasklet") Tasklet train,
            @Qualifier("exportAdapterTasklet") Tasklet export,
            @Qualifier("registerAdapterTasklet") Tasklet register,
            ProgressClock clock) {
        return new Steps(validate, tokenize, train, export, register, clock);
    }

    /** The job's flow; {@code trainStep} names its train step, which runs the one {@link TrainTasklet}. */
    private static Job job(
            String name, String trainStep, JobRepository jobRepository, JobProgress progress, Steps steps) {
        Step train = step(trainStep, steps.train, jobRepository, steps.clock);
        Step validate = step("validate", steps.validate, jobRepository, steps.clock);
        Step tokenize = step("tokenize", steps.tokenize, jobRepository, steps.clock);
        Step export = step("export", steps.export, jobRepository, steps.clock);
        Step register = step("register", steps.register, jobRepository, steps.clock);
        return new JobBuilder(name, jobRepository)
                .listener(new JobExecutionListener() {
                    @Override
                    public void beforeJob(JobExecution jobExecution) {
                        JobParameters params = jobExecution.getJobParameters();
                        JobRun run = new JobRun(
                                params.getString(FineTuningRunner.JOB_ID),
                                params.getString(FineTuningRunner.WORKER_ID),
                                params.getLong(FineTuningRunner.LEASE_TOKEN));
                        progress.batchExecution(run.lease(), jobExecution.getId());
                    }
                })
                .start(validate)
                .on(ExitStatus.COMPLETED.getExitCode())
                .stopAndRestart(tokenize)
                .from(validate)
                .on("*")
                .fail()
                .from(tokenize)
                .next(train)
                .next(export)
                .next(register)
                .end()
                .build();
    }

    @Bean
    FineTuningRunner fineTuningRunner(
            JobOperator jobOperator,
            JobRepository jobRepository,
            Job fineTuningJob,
            Job reinforcementFineTuningJob,
            ShutdownSignal shutdown,
            ProgressClock clock,
            JobProgress progress) {
        return new FineTuningRunner(
                new BatchJobs(jobOperator, jobRepository, fineTuningJob, reinforcementFineTuningJob),
                shutdown,
                clock,
                progress);
    }

    /** A one-call step; starting it counts as progress for the worker's watchdog. */
    private static Step step(String name, Tasklet tasklet, JobRepository repository, ProgressClock clock) {
        return new StepBuilder(name, repository)
                .tasklet(tasklet, new ResourcelessTransactionManager())
                .listener(new StepExecutionListener() {
                    @Override
                    public void beforeStep(StepExecution stepExecution) {
                        clock.touch();
                    }
                })
                .build();
    }
}
