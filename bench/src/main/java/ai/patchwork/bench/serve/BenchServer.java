package ai.patchwork.bench.serve;

import ai.patchwork.api.PatchworkApplication;
import ai.patchwork.api.inference.ServedModels;
import ai.patchwork.launcher.EmbeddedServices;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The real application in this JVM, on a random port, over embedded PostgreSQL and S3 (the same services as
 * {@code ./patchwork up}, with data in a temporary folder). The application can be restarted with other settings
 * while the services, and so the registered adapters, stay.
 */
final class BenchServer implements AutoCloseable {
    static final String MODEL = "bench-3m";
    /** The default project's key the bench's clients send, new for every run. */
    static final String KEY = "sk-proj-bench" + UUID.randomUUID().toString().replace("-", "");

    private final EmbeddedServices services;
    private final Path modelDir;
    private ConfigurableApplicationContext app;

    private BenchServer(EmbeddedServices services, Path modelDir) {
        this.services = services;
        this.modelDir = modelDir;
    }

    static BenchServer start(Path dataDir, Path modelDir) throws Exception {
        return new BenchServer(EmbeddedServices.start(dataDir, true, true), modelDir);
    }

    /** (Re)starts the application with these {@code patchwork.serving.*} settings on top of the defaults. */
    void run(Map<String, String> serving) {
        stopApp();
        Map<String, String> props = new LinkedHashMap<>(services.properties());
        props.put("server.port", "0");
        props.put("spring.main.banner-mode", "off");
        props.put("logging.level.root", "WARN");
        props.put("patchwork.s3.bucket", "bench");
        props.put("patchwork.base-models." + MODEL + ".path", modelDir.toString());
        props.put("patchwork.roles", "api,serving");
        props.put("patchwork.auth.bootstrap-project-key", KEY);
        props.put(
                "patchwork.auth.bootstrap-admin-key",
                "sk-admin-bench" + UUID.randomUUID().toString().replace("-", ""));
        serving.forEach((k, v) -> props.put("patchwork.serving." + k, v));
        SpringApplication spring = new SpringApplication(PatchworkApplication.class);
        spring.setRegisterShutdownHook(false);
        // As command-line arguments: they outrank application.properties (whose datasource reads the environment).
        app = spring.run(props.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new));
    }

    int port() {
        return Integer.parseInt(app.getEnvironment().getRequiredProperty("local.server.port"));
    }

    MeterRegistry meters() {
        return app.getBean(MeterRegistry.class);
    }

    ServedModels served() {
        return app.getBean(ServedModels.class);
    }

    private void stopApp() {
        if (app != null) app.close();
        app = null;
    }

    @Override
    public void close() throws Exception {
        stopApp();
        services.close();
    }
}
