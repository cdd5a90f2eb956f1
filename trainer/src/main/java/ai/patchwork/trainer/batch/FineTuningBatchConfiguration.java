package ai.patchwork.trainer.batch;

import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.registry.store.Artifacts;
import ai.patchwork.trainer.files.FileStore;
import ai.patchwork.trainer.jobs.JobProgress;
import javax.sql.DataSource;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.configuration.support.JdbcDefaultBatchConfiguration;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
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
 * <p>Reinforcement jobs run the same steps with {@code rl-train} (GRPO, {@link RftTrainTasklet}) in place of
 * {@code train}, as a second Spring Batch job; validate and tokenize read prompts instead of examples.
 *
 * <p>The tasklets run without a transaction of their own (a resourceless transaction manager): what they record on
 * the job (events, checkpoints, status) commits at once so clients see it while the step runs, and the Batch
 * metadata, the train step's checkpoint reference included, commits after each chunk through the JobRepository.
 */
@Configuration(proxyBeanMethods = false)
public class FineTuningBatchConfiguration extends JdbcDefaultBatchConfiguration {

  @Bean
  RunContext fineTuningRunContext() {
    return new RunContext();
  }

  @Bean
  Job fineTuningJob(JobRepository jobRepository, RunContext run, JobProgress progress, FileStore files,
      BaseModels baseModels, AdapterRegistry registry, Artifacts artifacts, DataSource dataSource) {
    Blobs blobs = new Blobs(artifacts, run, dataSource);
    TrainTasklet trainTasklet = new TrainTasklet(run, progress, baseModels, blobs);
    Step train = new StepBuilder("train", jobRepository).tasklet(trainTasklet, new ResourcelessTransactionManager())
        .listener(trainTasklet).build();
    return job(FineTuningRunner.JOB_NAME, train, jobRepository, run, progress, files, baseModels, registry, blobs,
        dataSource);
  }

  @Bean
  Job reinforcementFineTuningJob(JobRepository jobRepository, RunContext run, JobProgress progress, FileStore files,
      BaseModels baseModels, AdapterRegistry registry, Artifacts artifacts, DataSource dataSource) {
    Blobs blobs = new Blobs(artifacts, run, dataSource);
    RftTrainTasklet trainTasklet = new RftTrainTasklet(run, progress, baseModels, registry, blobs);
    Step train = new StepBuilder("rl-train", jobRepository).tasklet(trainTasklet, new ResourcelessTransactionManager())
        .listener(trainTasklet).build();
    return job(FineTuningRunner.RL_JOB_NAME, train, jobRepository, run, progress, files, baseModels, registry, blobs,
        dataSource);
  }

  private static Job job(String name, Step train, JobRepository jobRepository, RunContext run, JobProgress progress,
      FileStore files, BaseModels baseModels, AdapterRegistry registry, Blobs blobs, DataSource dataSource) {
    Step validate = step("validate", new ValidateFilesTasklet(run, progress, files, baseModels), jobRepository, run);
    Step tokenize = step("tokenize", new TokenizeTasklet(run, progress, files, baseModels, blobs), jobRepository,
        run);
    Step export = step("export", new ExportAdapterTasklet(run, progress, baseModels, files, blobs,
        new ResultsCsv(dataSource)), jobRepository, run);
    Step register = step("register", new RegisterAdapterTasklet(run, progress, registry, blobs, dataSource),
        jobRepository, run);
    return new JobBuilder(name, jobRepository)
        .listener(new JobExecutionListener() {
          @Override
          public void beforeJob(JobExecution jobExecution) {
            progress.batchExecution(run.lease(), jobExecution.getId());
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
      Job reinforcementFineTuningJob, RunContext run, JobProgress progress) {
    return new FineTuningRunner(jobOperator, jobRepository, fineTuningJob, reinforcementFineTuningJob, run, progress);
  }

  /** A one-call step; starting it counts as progress for the worker's watchdog. */
  private static Step step(String name, Tasklet tasklet, JobRepository repository, RunContext run) {
    return new StepBuilder(name, repository).tasklet(tasklet, new ResourcelessTransactionManager())
        .listener(new StepExecutionListener() {
          @Override
          public void beforeStep(StepExecution stepExecution) {
            run.touch();
          }
        }).build();
  }
}
