package ai.patchwork.registry;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A request to register a new adapter version. The name is checked here; everything about the files is checked by
 * {@link AdapterRegistry#register}.
 *
 * @param name 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, not starting with
 *     {@code adp-}
 * @param baseModel id of a configured base model
 * @param files the adapter's files
 * @param source lineage
 */
public record AdapterUpload(String name, String baseModel, AdapterFiles files, AdapterLineage source) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public AdapterUpload {
        if (name == null || name.isBlank()) throw RegistryException.invalid("name", "missing_name", "name is required");
        if (!NAME.matcher(name).matches()) {
            throw RegistryException.invalid(
                    "name",
                    "invalid_name",
                    "name '" + name + "' is not valid: use 1 to 64 "
                            + "letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        if (name.startsWith(AdapterRef.ID_PREFIX)) {
            throw RegistryException.invalid(
                    "name",
                    "invalid_name",
                    "name '" + name + "' is not valid: names starting with 'adp-' are reserved for adapter ids");
        }
        if (baseModel == null || baseModel.isBlank()) {
            throw RegistryException.invalid("base_model", "missing_base_model", "base_model is required");
        }
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(source, "source");
    }

    /** An upload through the API. */
    public static AdapterUpload of(String name, String baseModel, AdapterFiles files) {
        return new AdapterUpload(name, baseModel, files, AdapterLineage.upload());
    }
}
