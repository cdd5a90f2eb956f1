package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Engines and completion endpoints exist only in processes with the serving role. */
class InferenceRolesTest {

    @Test
    void withoutTheServingRoleNoEngineStarts() {
        new ApplicationContextRunner()
                .withUserConfiguration(InferenceConfiguration.class, CompletionsController.class)
                .withPropertyValues("patchwork.roles=api,worker")
                .run(ctx -> {
                    assertFalse(ctx.containsBean("servedModels"));
                    assertFalse(ctx.getBeanNamesForType(CompletionsController.class).length > 0);
                });
    }
}
