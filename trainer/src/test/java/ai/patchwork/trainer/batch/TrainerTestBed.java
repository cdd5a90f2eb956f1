package ai.patchwork.trainer.batch;

import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.registry.RegistryLimits;
import ai.patchwork.registry.store.Artifacts;
import ai.patchwork.registry.store.ObjectStore;
import ai.patchwork.registry.store.StoreSettings;
import ai.patchwork.testsupport.services.TestPostgres;
import ai.patchwork.testsupport.services.TestS3;
import ai.patchwork.trainer.dataset.JsonlParser;
import ai.patchwork.trainer.files.FileStore;
import ai.patchwork.trainer.fixture.TaskModel;
import ai.patchwork.trainer.jobs.FineTuningJobs;
import ai.patchwork.trainer.jobs.JobProgress;
import ai.patchwork.trainer.worker.JobQueue;
import ai.patchwork.trainer.worker.WorkerSettings;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.support.JdbcTransactionManager;

/**
 * The worker side without HTTP, once per test JVM: a migrated database of its own on the shared test PostgreSQL, the
 * shared S3 server, the generated task model as base model {@value #BASE}, and the Spring Batch job. Tests claim and
 * run jobs on their own thread through {@link #queue} and {@link #runner}.
 */
final class TrainerTestBed {
    static final String BASE = "task-model";
    private static TrainerTestBed shared;

    final AnnotationConfigApplicationContext context;
    final FileStore files;
    final FineTuningJobs jobs;
    final JobQueue queue;
    final FineTuningRunner runner;
    final AdapterRegistry registry;
    final BaseModels baseModels;
    final DataSource dataSource;

    private TrainerTestBed(StoreSettings store) {
        context = new AnnotationConfigApplicationContext();
        context.registerBean(StoreSettings.class, () -> store);
        context.register(Services.class);
        context.refresh();
        files = context.getBean(FileStore.class);
        jobs = context.getBean(FineTuningJobs.class);
        queue = context.getBean(JobQueue.class);
        runner = context.getBean(FineTuningRunner.class);
        registry = context.getBean(AdapterRegistry.class);
        baseModels = context.getBean(BaseModels.class);
        dataSource = context.getBean(DataSource.class);
    }

    static synchronized TrainerTestBed shared() {
        if (shared == null) shared = new TrainerTestBed(sharedStore());
        return shared;
    }

    /** The shared test S3's bucket for trainer tests. */
    static StoreSettings sharedStore() {
        TestS3 s3 = TestS3.shared();
        return new StoreSettings(s3.endpoint(), s3.accessKey(), s3.secretKey(), s3.region(), "trainer-test");
    }

    /** {@link Services} on the shared test S3, for Spring's test context. */
    @Configuration(proxyBeanMethods = false)
    @Import(Services.class)
    static class OnSharedStore {
        @Bean
        StoreSettings storeSettings() {
            return sharedStore();
        }
    }

    /** A bed of its own (a database of its own too) on the object store {@code store}; close its context when done. */
    static TrainerTestBed on(StoreSettings store) {
        return new TrainerTestBed(store);
    }

    static WorkerSettings worker(String id) {
        return new WorkerSettings(
                id, Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMillis(100), Set.of(BASE));
    }

    /** Writes {@code text} to a temp file. */
    static Path temp(String text) {
        try {
            Path p = Files.createTempFile("trainer-test-", ".jsonl");
            Files.writeString(p, text);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Import(FineTuningBatchConfiguration.class)
    static class Services {
        @Bean(destroyMethod = "close")
        HikariDataSource dataSource() {
            TestPostgres pg = TestPostgres.shared();
            String db = pg.createDatabase("trainer");
            HikariConfig c = new HikariConfig();
            c.setJdbcUrl(pg.jdbcUrl(db));
            c.setUsername(pg.username());
            c.setPassword(pg.password());
            c.setMaximumPoolSize(10);
            HikariDataSource ds = new HikariDataSource(c);
            Flyway.configure().dataSource(ds).load().migrate();
            return ds;
        }

        @Bean
        JdbcTransactionManager transactionManager(DataSource dataSource) {
            return new JdbcTransactionManager(dataSource);
        }

        @Bean(destroyMethod = "close")
        ObjectStore objectStore(StoreSettings settings) {
            ObjectStore store = new ObjectStore(settings);
            store.ensureBucket();
            return store;
        }

        @Bean
        Artifacts artifacts(DataSource dataSource, ObjectStore store) {
            return new Artifacts(dataSource, store);
        }

        @Bean
        BaseModels baseModels(DataSource dataSource) throws IOException {
            Path dir = TaskModel.write(TaskModel.spec(), Files.createTempDirectory("task-model"));
            BaseModels models = BaseModels.load(Map.of(BASE, dir));
            models.register(dataSource);
            return models;
        }

        @Bean
        AdapterRegistry adapterRegistry(DataSource dataSource, Artifacts artifacts, BaseModels baseModels) {
            return new AdapterRegistry(
                    dataSource, artifacts, baseModels, new RegistryLimits(64 << 20, 1 << 20, 64 << 20, 10));
        }

        @Bean
        FileStore fileStore(DataSource dataSource, Artifacts artifacts) {
            return new FileStore(dataSource, artifacts, 64 << 20, JsonlParser.DEFAULT_MAX_LINE_BYTES);
        }

        @Bean
        JobProgress jobProgress(DataSource dataSource) {
            return new JobProgress(dataSource);
        }

        @Bean
        FineTuningJobs fineTuningJobs(
                DataSource dataSource, FileStore files, BaseModels baseModels, AdapterRegistry registry) {
            return new FineTuningJobs(dataSource, files, baseModels, registry);
        }

        @Bean
        JobQueue jobQueue(DataSource dataSource) {
            return new JobQueue(dataSource);
        }
    }
}
