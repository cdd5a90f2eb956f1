package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.sample.SamplingParams;
import ai.patchwork.model.vector.Quantization;
import ai.patchwork.serving.EngineConfig;
import ai.patchwork.serving.EngineRequest;
import ai.patchwork.serving.EngineStartup;
import ai.patchwork.serving.InferenceEngine;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The serving role's engines begun from the settings alone, before any context: {@link ServedModels} takes an engine
 * begun with the settings it would use, and gets nothing (the begun one freed) for a model begun otherwise.
 */
class ServingHeadStartTest {

    private static final Path MODEL = TinyLlama.model().toAbsolutePath().normalize();

    private static Binder settings(Map<String, String> extra) {
        MapConfigurationPropertySource source = new MapConfigurationPropertySource();
        source.put("patchwork.roles", "serving");
        source.put("patchwork.base-models.tiny.path", MODEL.toString());
        source.put("patchwork.serving.step-threads", "1");
        extra.forEach(source::put);
        return new Binder(source);
    }

    private static EngineConfig served(Map<String, String> settings) {
        ServingProperties p = settings(settings).bindOrCreate("patchwork.serving", ServingProperties.class);
        return ServedModels.config(MODEL, p, Quantization.NONE, List.of());
    }

    @Test
    void aServingProcessBeginsEachBaseModelAndServedModelsFinishesIt() throws Exception {
        try (ServingHeadStart head = ServingHeadStart.begin(settings(Map.of()))) {
            Optional<EngineStartup> begun = head.take("tiny", served(Map.of()));
            assertTrue(begun.isPresent(), "begun with the settings ServedModels uses");
            try (InferenceEngine engine = begun.get()
                    .finish(
                            served(Map.of()),
                            (id, base) -> {
                                throw new AssertionError("no adapters");
                            },
                            new SimpleMeterRegistry())) {
                int[] out = engine.submit(EngineRequest.of(new int[] {1, 2, 3}, null, SamplingParams.greedy(3)))
                        .completion()
                        .get(60, TimeUnit.SECONDS)
                        .tokenIds();
                assertEquals(3, out.length);
            }
            assertTrue(head.take("tiny", served(Map.of())).isEmpty(), "taken once");
        }
    }

    @Test
    void otherSettingsAtTheContextMeanStartingAgain() {
        try (ServingHeadStart head = ServingHeadStart.begin(settings(Map.of()))) {
            assertTrue(
                    head.take("tiny", served(Map.of("patchwork.serving.max-batch-size", "4")))
                            .isEmpty(),
                    "a begun engine with another batch size is not used");
        }
    }

    @Test
    void onlyTheServingRoleBegins() {
        try (ServingHeadStart head = ServingHeadStart.begin(settings(Map.of("patchwork.roles", "api,worker")))) {
            assertTrue(head.take("tiny", served(Map.of())).isEmpty());
        }
    }
}
