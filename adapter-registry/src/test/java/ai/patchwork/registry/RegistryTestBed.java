package ai.patchwork.registry;

import ai.patchwork.registry.store.Artifacts;
import ai.patchwork.registry.store.ObjectStore;
import ai.patchwork.registry.store.StoreSettings;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import ai.patchwork.testsupport.services.TestPostgres;
import ai.patchwork.testsupport.services.TestS3;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * One registry per test JVM on the shared PostgreSQL (migrated) and S3 server, with two base models: the tiny-llama
 * fixture and "wide-llama", the same architecture at twice the width, so that a tiny-llama adapter is "for another
 * base model" there. Upload limits are small so that tests can exceed them cheaply.
 */
public final class RegistryTestBed {
    public static final String BUCKET = "registry-test";
    public static final String BASE = "tiny-llama";
    public static final String WIDE = "wide-llama";
    /** The project the tests' adapters belong to (the one the migrations create). */
    public static final String PROJECT = "proj_default";

    public static final RegistryLimits LIMITS = new RegistryLimits(1 << 20, 16 << 10, 2 << 20, 50);

    private static RegistryTestBed shared;
    private static final AtomicInteger NAMES = new AtomicInteger();

    public final DataSource dataSource;
    public final JdbcClient jdbc;
    public final ObjectStore store;
    public final Artifacts artifacts;
    public final BaseModels baseModels;
    public final AdapterRegistry registry;

    private RegistryTestBed() {
        TestPostgres pg = TestPostgres.shared();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(pg.jdbcUrl());
        config.setUsername(pg.username());
        config.setPassword(pg.password());
        config.setMaximumPoolSize(30);
        dataSource = new HikariDataSource(config);
        Flyway.configure().dataSource(dataSource).load().migrate();
        jdbc = JdbcClient.create(dataSource);
        TestS3 s3 = TestS3.shared();
        store = new ObjectStore(new StoreSettings(s3.endpoint(), s3.accessKey(), s3.secretKey(), s3.region(), BUCKET));
        store.ensureBucket();
        artifacts = new Artifacts(dataSource, store);
        baseModels = BaseModels.load(Map.of(BASE, TinyLlama.model(), WIDE, wideModel()));
        baseModels.register(dataSource);
        registry = new AdapterRegistry(dataSource, artifacts, baseModels, LIMITS);
    }

    public static synchronized RegistryTestBed shared() {
        if (shared == null) shared = new RegistryTestBed();
        return shared;
    }

    /** A name no other test uses. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet() + "-" + System.nanoTime() % 100_000;
    }

    /** Rows in the registry's tables and objects in the bucket, to compare before and after a refused upload. */
    public record Counts(long adapters, long names, long artifacts, long objects) {}

    public Counts counts() {
        return new Counts(
                count("adapters"),
                count("adapter_names"),
                count("artifacts"),
                store.keys("").size());
    }

    private long count(String table) {
        return jdbc.sql("SELECT count(*) FROM " + table).query(Long.class).single();
    }

    /** Writes {@code adapter} into a fresh temp folder and returns its files as an upload. */
    public static AdapterFiles files(PeftAdapter adapter) {
        return AdapterFiles.folder(adapter.writeTo(tempDir()));
    }

    /** Writes {@code bytes} to a temp file named {@code filename} and returns it as an archive upload. */
    public static AdapterFiles archive(byte[] bytes, String filename) {
        try {
            Path file = tempDir().resolve(filename);
            Files.write(file, bytes);
            return new AdapterFiles.Archive(file, filename);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A generated tiny-llama adapter on q_proj and v_proj with rank 4 and its own weights. */
    public static PeftAdapter adapter(long seed) {
        return PeftAdapter.tinyLlama(4, List.of("q_proj", "v_proj"), seed);
    }

    public static Path tempDir() {
        try {
            return Files.createTempDirectory("registry-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file holding {@code content}, in a fresh temporary folder. */
    public static Path tempFile(String content) {
        try {
            return Files.writeString(tempDir().resolve("content"), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path wideModel() {
        try {
            Path dir = tempDir().resolve("wide-llama");
            Files.createDirectories(dir);
            String config = Files.readString(TinyLlama.model().resolve("config.json"))
                    .replace("\"hidden_size\": 64", "\"hidden_size\": 128")
                    .replace("\"intermediate_size\": 128", "\"intermediate_size\": 256");
            if (!config.contains("\"hidden_size\": 128")) throw new IllegalStateException("fixture config changed");
            Files.writeString(dir.resolve("config.json"), config);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
