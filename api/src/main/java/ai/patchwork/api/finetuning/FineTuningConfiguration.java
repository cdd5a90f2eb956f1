package ai.patchwork.api.finetuning;

import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.api.web.UploadLimit;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.registry.store.Artifacts;
import ai.patchwork.trainer.batch.FineTuningBatchConfiguration;
import ai.patchwork.trainer.batch.FineTuningRunner;
import ai.patchwork.trainer.batch.StoreRetry;
import ai.patchwork.trainer.files.FileStore;
import ai.patchwork.trainer.jobs.FineTuningJobs;
import ai.patchwork.trainer.jobs.JobProgress;
import ai.patchwork.trainer.worker.JobQueue;
import ai.patchwork.trainer.worker.TrainerWorker;
import ai.patchwork.trainer.worker.WorkerHealth;
import ai.patchwork.trainer.worker.WorkerSettings;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Fine-tuning for every role that needs it: files and job records (api and worker), and for the worker role the
 * Spring Batch job with its JobRepository in the platform database and the {@link TrainerWorker} that claims jobs.
 */
@Configuration(proxyBeanMethods = false)
class FineTuningConfiguration {

    @Bean
    FileStore fileStore(DataSource dataSource, Artifacts artifacts, FineTuningProperties properties) {
        return new FileStore(dataSource, artifacts, properties.maxFileSize().toBytes(), (int)
                properties.maxLineLength().toBytes());
    }

    /** {@code POST /v1/files} is refused before its body is read when it declares more than a file and its fields. */
    @Bean
    UploadLimit filesUploadLimit(FineTuningProperties properties) {
        return new UploadLimit(
                "/v1/files", properties.maxFileSize().toBytes() + (1 << 20), "patchwork.fine-tuning.max-file-size");
    }

    @Bean
    JobProgress jobProgress(DataSource dataSource) {
        return new JobProgress(dataSource);
    }

    /** Jobs are refused at creation when their LoRA rank is more than the registry's max LoRA rank (serving's). */
    @Bean
    @ConditionalOnRole(Role.API)
    FineTuningJobs fineTuningJobs(
            DataSource dataSource, FileStore files, BaseModels baseModels, AdapterRegistry registry) {
        return new FineTuningJobs(dataSource, files, baseModels, registry);
    }

    /** The worker role: claims jobs for the base models this process has configured. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnRole(Role.WORKER)
    @Import(FineTuningBatchConfiguration.class)
    static class Worker {

        @Bean
        TrainerWorker trainerWorker(
                DataSource dataSource,
                FineTuningRunner runner,
                BaseModels baseModels,
                FineTuningProperties properties) {
            FineTuningProperties.Worker w = properties.worker();
            Set<String> ids = new HashSet<>();
            baseModels.all().forEach(m -> ids.add(m.id()));
            WorkerSettings settings = new WorkerSettings(
                    w.id() == null || w.id().isBlank() ? defaultId() : w.id(),
                    w.lease(),
                    w.heartbeat(),
                    w.poll(),
                    ids,
                    w.maxClaimsWithoutProgress(),
                    w.stallTimeout());
            return new TrainerWorker(settings, new JobQueue(dataSource), runner);
        }

        /** How long a running job waits out an object store it cannot reach. */
        @Bean
        StoreRetry fineTuningStoreRetry(FineTuningProperties properties) {
            return new StoreRetry(properties.worker().storePatience());
        }

        /** {@code /actuator/health}'s {@code trainerWorker}: down when the loop died or the running job stalled. */
        @Bean
        HealthIndicator trainerWorkerHealth(TrainerWorker worker) {
            return () -> {
                WorkerHealth h = worker.health();
                return (h.up() ? Health.up() : Health.down())
                        .withDetail("worker", worker.workerId())
                        .withDetail("state", h.detail())
                        .build();
            };
        }

        private static String defaultId() {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "worker";
            }
            return host + "-" + ManagementFactory.getRuntimeMXBean().getPid() + "-"
                    + UUID.randomUUID().toString().substring(0, 8);
        }
    }
}
