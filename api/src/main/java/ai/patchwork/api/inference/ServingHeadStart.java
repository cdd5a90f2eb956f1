package ai.patchwork.api.inference;

import ai.patchwork.api.platform.PatchworkProperties;
import ai.patchwork.api.platform.Role;
import ai.patchwork.serving.EngineConfig;
import ai.patchwork.serving.EngineStartup;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.bind.Binder;

/**
 * The serving role's engines begun before the application context exists ({@link EngineStartup}): as soon as the
 * settings can be read, each configured base model's weights load and its kernels warm up on the engine's own thread,
 * while the process starts its database, object store and web server. {@link ServedModels} then finishes the engines
 * whose settings are still those it would start them with, and starts any other itself. Readiness is unchanged: the
 * context, hence health, is up only once every engine is warm.
 *
 * <p>Read from the settings the context will bind ({@code patchwork.roles}, {@code patchwork.base-models.*},
 * {@code patchwork.serving.*}); a base model that cannot be begun is left to {@link ServedModels}, which reports why.
 */
public final class ServingHeadStart implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServingHeadStart.class);

    /** The bean name it is registered under. */
    static final String BEAN = "servingHeadStart";

    private final Map<String, EngineStartup> begun; // by base model id; taken ones removed, guarded by this

    private ServingHeadStart(Map<String, EngineStartup> begun) {
        this.begun = begun;
    }

    /** Nothing begun: {@link ServedModels} starts every engine itself. */
    public static ServingHeadStart none() {
        return new ServingHeadStart(new LinkedHashMap<>());
    }

    /** Begins every base model's engine that {@code settings} configure, when they include the serving role. */
    public static ServingHeadStart begin(Binder settings) {
        PatchworkProperties platform =
                settings.bind("patchwork", PatchworkProperties.class).orElse(null);
        if (platform == null || !platform.has(Role.SERVING)) return none();
        ServingProperties serving = settings.bindOrCreate("patchwork.serving", ServingProperties.class);
        Map<String, EngineStartup> begun = new LinkedHashMap<>();
        platform.baseModels().forEach((id, model) -> {
            if (model.path() == null) return;
            try {
                Path dir = model.path().toAbsolutePath().normalize(); // as BaseModels holds it
                begun.put(id, EngineStartup.begin(ServedModels.config(dir, serving, model.quantization(), List.of())));
            } catch (RuntimeException e) {
                log.debug("not starting base model {} ahead: {}", id, e.toString());
            }
        });
        return new ServingHeadStart(begun);
    }

    /**
     * Has {@code app} begin the engines once its environment is prepared (before its context is created) and register
     * them for {@link ServedModels}.
     */
    public static void install(SpringApplication app) {
        AtomicReference<ServingHeadStart> started = new AtomicReference<>();
        app.addListeners((ApplicationEnvironmentPreparedEvent e) ->
                started.compareAndSet(null, begin(Binder.get(e.getEnvironment()))));
        app.addInitializers(context -> {
            ServingHeadStart head = started.get();
            if (head != null) context.getBeanFactory().registerSingleton(BEAN, head);
        });
    }

    /** Registers these begun engines in {@code app}'s context, where {@link ServedModels} takes them. */
    public void register(SpringApplication app) {
        app.addInitializers(context -> context.getBeanFactory().registerSingleton(BEAN, this));
    }

    /**
     * The begun engine of {@code baseModel} if it was begun with {@code config}'s settings (preloaded adapters aside);
     * one begun otherwise is closed, so that its memory is free before the engine starts again.
     */
    synchronized Optional<EngineStartup> take(String baseModel, EngineConfig config) {
        EngineStartup s = begun.remove(baseModel);
        if (s == null) return Optional.empty();
        if (s.startsAs(config)) return Optional.of(s);
        log.info("base model {} was begun with other settings; starting it again", baseModel);
        s.close();
        return Optional.empty();
    }

    /** Frees every begun engine not taken. */
    @Override
    public synchronized void close() {
        begun.values().forEach(EngineStartup::close);
        begun.clear();
    }
}
