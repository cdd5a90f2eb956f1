package ai.patchwork.launcher;

import ai.patchwork.api.PatchworkApplication;
import ai.patchwork.api.inference.ServingHeadStart;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * {@code ./patchwork up}: everything in one JVM with nothing installed. PostgreSQL and S3 start embedded (data kept
 * under {@code --patchwork.data-dir}, default {@code ./data}) unless the command line or the environment points at
 * real ones; without configured base models a demo model with random weights is generated. Ctrl-C closes the
 * application first (running jobs checkpoint and requeue), then the embedded services.
 */
public final class PatchworkUp {
    private PatchworkUp() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> given = options(args);
        // The serving role's base models load and warm up from now on, beside the embedded services and the context.
        ServingHeadStart head = ServingHeadStart.begin(Binder.get(commandLine(args)));
        Path dataDir = Path.of(given.getOrDefault("patchwork.data-dir", "data")).toAbsolutePath();
        boolean database = !given.containsKey("spring.datasource.url") && System.getenv("PATCHWORK_DB_URL") == null;
        boolean objectStore =
                !given.containsKey("patchwork.s3.endpoint") && System.getenv("PATCHWORK_S3_ENDPOINT") == null;
        System.out.println("patchwork: starting" + (database ? " embedded PostgreSQL" : "")
                + (objectStore ? " and S3" : "") + " with data in " + dataDir);
        EmbeddedServices services = EmbeddedServices.start(dataDir, database, objectStore);
        Map<String, String> defaults = new LinkedHashMap<>(services.properties());
        defaults.put("logging.level.org.gaul", "WARN");
        defaults.put("logging.level.io.zonky", "WARN");
        // health turns UP once a first completion has run through the whole request path (StartupRequest)
        defaults.put("patchwork.serving.startup-request", "true");
        // the default project's key for the quick start, and where a generated admin key goes
        Path projectKey = dataDir.resolve("api-key");
        defaults.put("patchwork.auth.project-key-file", projectKey.toString());
        defaults.put(
                "patchwork.auth.admin-key-file", dataDir.resolve("admin-key").toString());
        if (given.keySet().stream().noneMatch(k -> k.startsWith("patchwork.base-models."))) {
            Path demo = DemoModel.ensure(dataDir);
            defaults.put("patchwork.base-models." + DemoModel.ID + ".path", demo.toString());
            System.out.println("patchwork: no base model configured; serving " + DemoModel.ID
                    + " (random weights, for trying the workflow; sample dataset in " + dataDir.resolve("samples")
                    + ")");
        }
        // System properties outrank application.properties; the command line still outranks them.
        defaults.forEach(System::setProperty);
        SpringApplication app = new SpringApplication(PatchworkApplication.class);
        app.setRegisterShutdownHook(false);
        head.register(app);
        app.addListeners((ApplicationReadyEvent e) -> {
            String port = e.getApplicationContext().getEnvironment().getProperty("local.server.port");
            System.out.println("patchwork: ready at http://localhost:" + port + "/");
            System.out.println(QuickStart.text(
                    port,
                    projectKey,
                    Stream.concat(given.keySet().stream(), defaults.keySet().stream())
                            .filter(k -> k.startsWith("patchwork.base-models.") && k.endsWith(".path"))
                            .findFirst()
                            .map(k -> k.substring("patchwork.base-models.".length(), k.length() - ".path".length()))
                            .orElse(DemoModel.ID)));
        });
        ConfigurableApplicationContext context;
        try {
            context = app.run(args);
        } catch (RuntimeException e) {
            head.close();
            services.close();
            throw e;
        }
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            System.out.println("patchwork: shutting down");
                            context.close();
                            try {
                                services.close();
                            } catch (Exception ignored) {
                                // the process is exiting
                            }
                        },
                        "patchwork-shutdown"));
    }

    /** The command line's options and the JVM's system properties and environment, as Spring reads them. */
    private static StandardEnvironment commandLine(String[] args) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new SimpleCommandLinePropertySource(args));
        return env;
    }

    /** {@code --key=value} options of the command line. */
    static Map<String, String> options(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        Arrays.stream(args).filter(a -> a.startsWith("--") && a.contains("=")).forEach(a -> {
            int eq = a.indexOf('=');
            out.put(a.substring(2, eq), a.substring(eq + 1));
        });
        return out;
    }
}
