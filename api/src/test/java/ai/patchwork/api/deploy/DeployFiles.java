package ai.patchwork.api.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads the repository's deployment files ({@code compose.yaml}, {@code deploy/**}) the way their tools do: YAML
 * with merge keys, Compose's {@code ${VAR:-default}} interpolation, and a Spring environment built from nothing but
 * a container's environment variables.
 */
final class DeployFiles {
    private static final Pattern VARIABLE =
            Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?(:\\?[^}]*)?}");

    private DeployFiles() {}

    /** The repository root: the first parent of the working directory that holds {@code compose.yaml}. */
    static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("compose.yaml")) && Files.isRegularFile(dir.resolve("mvnw")))
                return dir;
        }
        throw new IllegalStateException(
                "compose.yaml not found above " + Path.of("").toAbsolutePath());
    }

    /** Every YAML document of a file (merge keys resolved). */
    static List<Map<String, Object>> documents(Path file) {
        List<Map<String, Object>> docs = new ArrayList<>();
        try {
            for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(file))) {
                if (doc != null) docs.add(map(doc));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    /** Every {@code .yaml} file under {@code deploy/}, in path order. */
    static List<Path> deployYamlFiles() {
        try (Stream<Path> files = Files.walk(root().resolve("deploy"))) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        if (!(o instanceof Map<?, ?> m)) throw new AssertionError("not a mapping: " + o);
        return (Map<String, Object>) m;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        if (!(o instanceof List<?> l)) throw new AssertionError("not a list: " + o);
        return (List<Object>) l;
    }

    /** {@code path} ("a.b.0.c") inside nested maps and lists, or null. */
    static Object at(Object node, String path) {
        for (String key : path.split("\\.")) {
            if (node instanceof Map<?, ?> m) node = m.get(key);
            else if (node instanceof List<?> l && key.matches("\\d+") && Integer.parseInt(key) < l.size())
                node = l.get(Integer.parseInt(key));
            else return null;
            if (node == null) return null;
        }
        return node;
    }

    /**
     * Compose interpolation with no variable set but the required ones: {@code ${X:-default}} is the default,
     * {@code ${X:?message}} is {@link #required}'s value, {@code $$} a dollar.
     */
    /** What a test's {@code .env} gives a variable that compose requires ({@code ${NAME:?message}}). */
    static String required(String name) {
        return "from-env-" + name;
    }

    static String interpolate(String value) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$$")) replacement = "$";
            else if (m.group(2) != null) replacement = m.group(3);
            else if (m.group(4) != null) replacement = required(m.group(1));
            else throw new AssertionError("${" + m.group(1) + "} has no default in: " + value);
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Starts a non-web Spring context whose only environment variables are {@code env} (the application's
     * {@code application.properties} still applies, as in the image), binding {@code PatchworkProperties}.
     */
    static ConfigurableApplicationContext bind(Map<String, String> env) {
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                new HashMap<String, Object>(env)));
        SpringApplication app = new SpringApplication(Settings.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setEnvironment(environment);
        app.setRegisterShutdownHook(false);
        return app.run();
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(ai.patchwork.api.platform.PatchworkProperties.class)
    static class Settings {}
}
