package ai.patchwork.registry;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a client names an adapter: its id ({@code adp-…}, any status), {@code name@N} (that version, any status) or a
 * bare name (the latest ready version).
 */
sealed interface AdapterRef {
    String ID_PREFIX = "adp-";
    Pattern ID = Pattern.compile("adp-[0-9a-z]{24}");
    Pattern VERSIONED = Pattern.compile("(.+)@([0-9]{1,9})");

    record ById(String id) implements AdapterRef {}

    record ByVersion(String name, int version) implements AdapterRef {}

    record Latest(String name) implements AdapterRef {}

    static boolean isId(String s) {
        return s != null && ID.matcher(s).matches();
    }

    static AdapterRef parse(String ref) {
        if (ref == null || ref.isBlank())
            throw RegistryException.invalid("adapter", "invalid_adapter_ref", "adapter is required");
        if (isId(ref)) return new ById(ref);
        Matcher m = VERSIONED.matcher(ref);
        if (m.matches() && Integer.parseInt(m.group(2)) > 0)
            return new ByVersion(m.group(1), Integer.parseInt(m.group(2)));
        if (ref.contains("@")) {
            throw RegistryException.invalid(
                    "adapter",
                    "invalid_adapter_ref",
                    "'" + ref
                            + "' is not an adapter reference: use an id (adp-…), a name, or name@version with version 1 or more");
        }
        return new Latest(ref);
    }
}
