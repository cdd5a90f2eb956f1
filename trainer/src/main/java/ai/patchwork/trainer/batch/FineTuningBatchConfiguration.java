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
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

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
 * <p>Every tasklet is step-scoped: a fresh instance per step execution, with the job id and the worker id injected
 * from the execution's job parameters ({@link JobRun}).
 *
 * <p>The tasklets run without a transaction of their own (a resourceless transaction manager): what they record on
 * the job (events, checkpoints, status) commits at once so clients see it while the step runs, and the Batch
 * metadata, the train step's checkpoint reference included, commits after each chunk through the JobRepository.
 */
@Configuration(proxyBeanMethods = false)
public class FineTuningBatchConfiguration extends JdbcDefaultBatchConfiguration {

  private static final String JOB_ID = "#{jobParameters['" + FineTuningRunner.JOB_ID + "']}";
  private static final String WORKER_ID = "#{jobParameters['" + FineTuningRunner.WORKER_ID + "']}";

  @Bean
  ShutdownSignal fineTuningShutdown() {
    return new ShutdownSignal();
  }

  @Bean
  Blobs fineTuningBlobs(Artifacts artifacts) {
    return new Blobs(artifacts);
  }

  @Bean
  @StepScope
  Tasklet validateFilesTasklet(@Value(JOB_ID) String jobId, @Value(WORKER_ID) String workerId, JobProgress progress,
      FileStore files, BaseModels baseModels) {
    return new ValidateFilesTasklet(new JobRun(jobId, workerId), progress, files, baseModels);
  }

  @Bean
  @StepScope
  Tasklet tokenizeTasklet(@Value(JOB_ID) String jobId, @Value(WORKER_ID) String workerId, JobProgress progress,
      FileStore files, BaseModels baseModels, Blobs blobs) {
    return new TokenizeTasklet(new JobRun(jobId, workerId), progress, files, baseModels, blobs);
  }

  @Bean(destroyMethod = "close")
  @StepScope
  Tasklet trainTasklet(@Value(JOB_ID) String jobId, @Value(WORKER_ID) String workerId, JobProgress progress,
      ShutdownSignal shutdown, BaseModels baseModels, AdapterRegistry registry, Blobs blobs) {
    JobRun run = new JobRun(jobId, workerId);
    return new TrainTasklet(run, progress, new TrainingControl(run, shutdown, progress, blobs),
        new TrainingSessions(baseModels, registry));
  }

  @Bean
  @StepScope
  Tasklet exportAdapterTasklet(@Value(JOB_ID) String jobId, @Value(WORKER_ID) String workerId, JobProgress progress,
      BaseModels baseModels, FileStore files, Blobs blobs, DataSource dataSource) {
    return new ExportAdapterTasklet(new JobRun(jobId, workerId), progress, baseModels, files, blobs,
        new ResultsCsv(dataSource));
  }

  @Bean
  @StepScope
  Tasklet registerAdapterTasklet(@Value(JOB_ID) String jobId, @Value(WORKER_ID) String workerId,
      JobProgress progress, AdapterRegistry registry, Blobs blobs, DataSource dataSource) {
    return new RegisterAdapterTasklet(new JobRun(jobId, workerId), progress, registry, blobs, dataSource);
  }

  @Bean
  Job fineTuningJob(JobRepository jobRepository, JobProgress progress, Steps steps) {
    return job(FineTuningRunner.JOB_NAME, step("train", steps.train, jobRepository), jobRepository, progress, steps);
  }

  @Bean
  Job reinforcementFineTuningJob(JobRepository jobRepository, JobProgress progress, Steps steps) {
    return job(FineTuningRunner.RL_JOB_NAME, step("rl-train", steps.train, jobRepository), jobRepository, progress,
        steps);
  }

  /** The step-scoped tasklets (proxies resolved per step execution). */
  record Steps(Tasklet validate, Tasklet tokenize, Tasklet train, Tasklet export, Tasklet register) {}

  @Bean
  Steps fineTuningSteps(@Qualifier("validateFilesTasklet") Tasklet validate,
      @Qualifier("tokenizeTasklet") Tasklet tokenize, @Qualifier("trainTasklet") Tasklet train,
      @Qualifier("exportAdapterTasklet") Tasklet export, @Qualifier("registerAdapterTasklet") Tasklet register) {
    return new Steps(validate, tokenize, train, export, register);
  }

  private static Job job(String name, Step train, JobRepository jobRepository, JobProgress progress, Steps steps) {
    Step validate = step("validate", steps.validate, jobRepository);
    Step tokenize = step("tokenize", steps.tokenize, jobRepository);
    Step export = step("export", steps.export, jobRepository);
    Step register = step("register", steps.register, jobRepository);
    return new JobBuilder(name, jobRepository)
        .listener(new JobExecutionListener() {
          @Override
          public void beforeJob(JobExecution jobExecution) {
            progress.batchExecution(jobExecution.getJobParameters().getString(FineTuningRunner.JOB_ID),
                jobExecution.getId());
          }
        })
        .start(validate).on(ExitStatus.COMPLETED.getExitCode()).stopAndRestart(tokenize)
        .from(validate).on("*").fail()
        .from(tokenize).next(train).next(export).next(register)
        .end()
        .build();
  }

  @Bean
  FineTuningRunner fineTuningRunner(JobOperator jobOperator, JobRepository jobRepository, Job fineTuningJob,
      Job reinforcementFineTuningJob, ShutdownSignal shutdown, JobProgress progress) {
    return new FineTuningRunner(jobOperator, jobRepository, fineTuningJob, reinforcementFineTuningJob, shutdown,
        progress);
  }

  private static Step step(String name, Tasklet tasklet, JobRepository repository) {
    return new StepBuilder(name, repository).tasklet(tasklet, new ResourcelessTransactionManager()).build();
  }
}
