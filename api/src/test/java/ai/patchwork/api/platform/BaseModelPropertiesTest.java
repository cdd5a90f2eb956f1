package ai.patchwork.api.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.patchwork.model.vector.Quantization;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@code patchwork.base-models.<id>.quantization} binds as users write it, and defaults to the checkpoint's. */
class BaseModelPropertiesTest {

    @Test
    void quantizationBindsFromItsLowerCaseNameAndDefaultsToNone() {
        MapConfigurationPropertySource source = new MapConfigurationPropertySource(Map.of(
                "patchwork.base-models.small.path", "/models/small",
                "patchwork.base-models.small.quantization", "int8",
                "patchwork.base-models.plain.path", "/models/plain"));
        Map<String, PatchworkProperties.BaseModel> models = new Binder(source)
                .bindOrCreate("patchwork", PatchworkProperties.class)
                .baseModels();
        assertEquals(
                new PatchworkProperties.BaseModel(Path.of("/models/small"), Quantization.INT8), models.get("small"));
        assertEquals(new PatchworkProperties.BaseModel(Path.of("/models/plain")), models.get("plain"));
    }
}
