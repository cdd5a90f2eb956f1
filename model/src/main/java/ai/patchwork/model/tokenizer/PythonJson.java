package ai.patchwork.model.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code tojson} filter as Hugging Face defines it for chat templates: Python's {@code json.dumps(value,
 * ensure_ascii=False, indent=indent, sort_keys=sort_keys)}, so {@code ", "} and {@code ": "} separate items and keys
 * (Jinjava's own filter writes compact JSON, which would render tools differently from the text a model was trained
 * on). Public only because Jinjava instantiates filters by reflection.
 */
public final class PythonJson implements Filter {

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return dumps(var, args.length > 0 ? Integer.parseInt(args[0].strip()) : -1, false);
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
        boolean sort = Boolean.TRUE.equals(kwargs.get("sort_keys"));
        return dumps(
                var, indent == null ? -1 : Integer.parseInt(indent.toString().strip()), sort);
    }

    /**
     * {@code value} as Python's {@code json.dumps} writes it.
     *
     * @param indent -1 for one line, else spaces per level (items then go one per line)
     */
    static String dumps(Object value, int indent, boolean sortKeys) {
        StringBuilder out = new StringBuilder();
        write(value, indent, sortKeys, 0, out);
        return out.toString();
    }

    private static void write(Object v, int indent, boolean sort, int level, StringBuilder out) {
        switch (v) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Double d when d.isNaN() -> out.append("NaN");
            case Double d when d.isInfinite() -> out.append(d > 0 ? "Infinity" : "-Infinity");
            case Float f -> write(f.doubleValue(), indent, sort, level, out);
            case Double d
            when d == Math.rint(d) && Math.abs(d) < 1e16 ->
                out.append((long) (double) d).append(".0");
            case Number n -> out.append(n);
            case CharSequence s -> string(s.toString(), out);
            case Map<?, ?> m -> {
                Map<?, ?> entries = sort ? new TreeMap<>(m) : m;
                int i = 0;
                out.append('{');
                for (var e : entries.entrySet()) {
                    separate(i++, indent, level + 1, out);
                    string(String.valueOf(e.getKey()), out);
                    out.append(": ");
                    write(e.getValue(), indent, sort, level + 1, out);
                }
                close(i, indent, level, out).append('}');
            }
            case Collection<?> c -> {
                int i = 0;
                out.append('[');
                for (Object item : c) {
                    separate(i++, indent, level + 1, out);
                    write(item, indent, sort, level + 1, out);
                }
                close(i, indent, level, out).append(']');
            }
            case Object[] a -> write(Arrays.asList(a), indent, sort, level, out);
            default -> string(v.toString(), out);
        }
    }

    private static void separate(int index, int indent, int level, StringBuilder out) {
        if (index > 0) out.append(indent < 0 ? ", " : ",");
        if (indent >= 0) out.append('\n').append(" ".repeat(indent * level));
    }

    private static StringBuilder close(int count, int indent, int level, StringBuilder out) {
        if (indent >= 0 && count > 0) out.append('\n').append(" ".repeat(indent * level));
        return out;
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }
}
