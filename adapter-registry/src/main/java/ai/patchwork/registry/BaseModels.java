package ai.patchwork.registry;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.config.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The configured base models ({@code patchwork.base-models.<id>.path=DIR}), each folder's {@code config.json} read
 * and validated once at startup. Adapters are validated against them.
 */
public final class BaseModels {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final Map<String, BaseModel> models;

    private BaseModels(Map<String, BaseModel> models) {
        this.models = Collections.unmodifiableMap(new TreeMap<>(models));
    }

    /**
     * Reads every folder's {@code config.json}.
     *
     * @throws IllegalArgumentException naming the model and the problem when an id is invalid or a folder is not a
     *     supported Hugging Face model
     */
    public static BaseModels load(Map<String, Path> folders) {
        Map<String, BaseModel> models = new TreeMap<>();
        folders.forEach((id, path) -> {
            if (!ID.matcher(id).matches()) {
                throw new IllegalArgumentException(
                        "base model id '" + id + "' is not valid: use 1 to 64 letters, digits, "
                                + "'.', '_' or '-', starting with a letter or digit");
            }
            try {
                Path dir = path.toAbsolutePath().normalize();
                ModelConfig config = ModelConfig.load(dir);
                models.put(id, new BaseModel(id, dir, config, Files.readString(dir.resolve("config.json"))));
            } catch (ModelFormatException | IOException e) {
                throw new IllegalArgumentException("base model '" + id + "' (" + path + "): " + e.getMessage(), e);
            }
        });
        return new BaseModels(models);
    }

    /** The models, by id. */
    public Collection<BaseModel> all() {
        return models.values();
    }

    public Optional<BaseModel> find(String id) {
        return Optional.ofNullable(id == null ? null : models.get(id));
    }

    /** The model {@code id}, or a {@link RegistryException} naming the configured ones. */
    public BaseModel require(String id) {
        return find(id).orElseThrow(() -> RegistryException.invalid(
                "base_model",
                "model_not_found",
                "base_model '" + id + "' is not a configured base model (available: "
                        + (models.isEmpty() ? "none" : String.join(", ", models.keySet())) + ")"));
    }

    public boolean contains(String id) {
        return models.containsKey(id);
    }

    /**
     * Records the models in the {@code base_models} table: configured ones are inserted or updated and active, the rest
     * are kept (adapters reference them) but inactive.
     */
    public void register(DataSource dataSource) {
        JdbcClient jdbc = JdbcClient.create(dataSource);
        for (BaseModel m : models.values()) {
            jdbc.sql("""
          INSERT INTO base_models (id, path, family, num_layers, hidden_size, config, active)
          VALUES (?, ?, ?, ?, ?, ?::jsonb, true)
          ON CONFLICT (id) DO UPDATE SET path = excluded.path, family = excluded.family,
            num_layers = excluded.num_layers, hidden_size = excluded.hidden_size, config = excluded.config,
            active = true, updated_at = now()""")
                    .params(
                            m.id(),
                            m.path().toString(),
                            m.config().family().modelType(),
                            m.config().numLayers(),
                            m.config().hiddenSize(),
                            m.configJson())
                    .update();
        }
        jdbc.sql("UPDATE base_models SET active = false, updated_at = now() WHERE active AND NOT (id = ANY (?))")
                .param(models.keySet().toArray(String[]::new))
                .update();
    }
}
