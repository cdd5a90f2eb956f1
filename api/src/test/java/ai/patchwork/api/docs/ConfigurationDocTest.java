package ai.patchwork.api.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.type.filter.AnnotationTypeFilter;

/**
 * {@code docs/configuration.md} lists every {@code patchwork.*} property the code reads, so the page cannot drift:
 * the expected names are generated from the code, never written here. They come from every
 * {@code @ConfigurationProperties} record under {@code ai.patchwork} (walked component by component, nested records
 * and maps included: {@code patchwork.base-models.<id>.path}), from the {@code ${patchwork.…}} placeholders in the
 * modules' main sources ({@code @Value}, {@code @Scheduled}) and from {@code application.properties}.
 */
class ConfigurationDocTest {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(patchwork\\.[a-z0-9.-]+)[:}]");
    private static final Pattern PROPERTY_LINE = Pattern.compile("^(patchwork\\.[a-z0-9.-]+)=", Pattern.MULTILINE);
    private static final Pattern DOCUMENTED = Pattern.compile("`(patchwork\\.[a-z0-9.<>-]+)`");

    @Test
    void everyPropertyTheCodeReadsIsDocumented() throws Exception {
        Set<String> documented = documented();
        Set<String> missing = new TreeSet<>(codeProperties());
        missing.removeAll(documented);
        assertTrue(
                missing.isEmpty(),
                "docs/configuration.md does not document these properties (add a row to its "
                        + "tables for each, with the default and what it does): " + missing);
    }

    @Test
    void everyDocumentedPropertyOfARecordExists() throws Exception {
        Set<String> known = codeProperties();
        Set<String> prefixes = new TreeSet<>();
        for (Class<?> type : propertyClasses())
            prefixes.add(type.getAnnotation(ConfigurationProperties.class).value() + ".");
        Set<String> stale = new TreeSet<>();
        for (String name : documented()) {
            boolean underARecord = prefixes.stream().anyMatch(p -> name.startsWith(p) && !p.equals("patchwork."));
            if (underARecord && !known.contains(name)) stale.add(name);
        }
        assertTrue(stale.isEmpty(), "docs/configuration.md documents properties the code no longer has: " + stale);
    }

    /** Every {@code patchwork.*} property name the code reads. */
    static Set<String> codeProperties() throws IOException {
        Set<String> names = new TreeSet<>();
        for (Class<?> type : propertyClasses()) {
            walk(type.getAnnotation(ConfigurationProperties.class).value(), type, names);
        }
        Path root = Docs.root();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path main : modules.map(m -> m.resolve("src/main"))
                    .filter(Files::isDirectory)
                    .toList()) {
                try (Stream<Path> files = Files.walk(main)) {
                    for (Path f :
                            files.filter(f -> f.toString().endsWith(".java")).toList()) {
                        Matcher m = PLACEHOLDER.matcher(Files.readString(f));
                        while (m.find()) names.add(m.group(1));
                    }
                }
            }
        }
        Matcher m =
                PROPERTY_LINE.matcher(Files.readString(root.resolve("api/src/main/resources/application.properties")));
        while (m.find()) names.add(m.group(1));
        assertTrue(names.size() > 30, "found too few properties to trust the scan: " + names);
        return names;
    }

    static Set<Class<?>> propertyClasses() {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
        Set<Class<?>> out = new LinkedHashSet<>();
        for (BeanDefinition bd : scanner.findCandidateComponents("ai.patchwork")) {
            try {
                out.add(Class.forName(bd.getBeanClassName()));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        assertTrue(!out.isEmpty(), "no @ConfigurationProperties class found under ai.patchwork");
        return out;
    }

    /** Adds {@code prefix.component} for each record component, descending into records and maps of records. */
    static void walk(String prefix, Class<?> type, Set<String> names) {
        if (!type.isRecord()) {
            names.add(prefix);
            return;
        }
        for (RecordComponent c : type.getRecordComponents()) {
            String name = prefix + "." + kebab(c.getName());
            Class<?> t = c.getType();
            if (Map.class.isAssignableFrom(t)
                    && c.getGenericType() instanceof ParameterizedType p
                    && p.getActualTypeArguments()[1] instanceof Class<?> value
                    && value.isRecord()) {
                walk(name + ".<id>", value, names);
            } else if (t.isRecord() && t.getName().startsWith("ai.patchwork")) {
                walk(name, t, names);
            } else {
                names.add(name);
            }
        }
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    static Set<String> documented() {
        try {
            Set<String> names = new TreeSet<>();
            Matcher m = DOCUMENTED.matcher(Files.readString(Docs.root().resolve("docs/configuration.md")));
            while (m.find()) names.add(m.group(1));
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
