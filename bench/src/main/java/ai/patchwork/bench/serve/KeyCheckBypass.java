package ai.patchwork.bench.serve;

import ai.patchwork.api.auth.Caller;
import ai.patchwork.api.auth.Project;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * For {@code bench serve}'s key-check comparison only, never in the product: an auto-configuration that the benchmark
 * puts on the classpath of its own server process (see {@link #install}). A request carrying {@value #HEADER} skips
 * the API key check and acts as the default project's first key, as if that key had been checked; every other request
 * is checked as usual. So requests with and without the check run interleaved against one server, and the difference
 * in tokens/s is the check's cost.
 */
@AutoConfiguration
public class KeyCheckBypass {
    /** The header a request of the comparison sends instead of {@code Authorization}. */
    public static final String HEADER = "X-Patchwork-Bench-Skip-Key-Check";

    /** The attribute with which the product's auth filter ({@code authFilter}) marks a request it has seen. */
    private static final String AUTH_FILTER_SEEN = "authFilter" + OncePerRequestFilter.ALREADY_FILTERED_SUFFIX;

    /** The product's auth filter runs at {@code HIGHEST_PRECEDENCE + 10}; this one before it. */
    @Bean
    FilterRegistrationBean<OncePerRequestFilter> benchKeyCheckBypass(DataSource dataSource) {
        FilterRegistrationBean<OncePerRequestFilter> bean = new FilterRegistrationBean<>(new Bypass(dataSource));
        bean.setOrder(Ordered.HIGHEST_PRECEDENCE + 5);
        return bean;
    }

    /**
     * Writes this class and the auto-configuration entry that names it under {@code dir}, a classpath entry for the
     * server process.
     */
    static Path install(Path dir) {
        try {
            for (Class<?> c : new Class<?>[] {KeyCheckBypass.class, Bypass.class}) {
                String resource = c.getName().replace('.', '/') + ".class";
                Path target = dir.resolve(resource);
                Files.createDirectories(target.getParent());
                try (InputStream in = KeyCheckBypass.class.getClassLoader().getResourceAsStream(resource)) {
                    if (in == null) throw new IllegalStateException("no class file " + resource);
                    Files.write(target, in.readAllBytes());
                }
            }
            Path imports =
                    dir.resolve("META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports");
            Files.createDirectories(imports.getParent());
            Files.writeString(imports, KeyCheckBypass.class.getName() + "\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Leaves the default project's first key as the caller of requests with {@link #HEADER}. */
    static final class Bypass extends OncePerRequestFilter {
        private final DataSource dataSource;
        private volatile Caller caller;

        Bypass(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            if (request.getHeader(HEADER) != null) {
                request.setAttribute(Caller.class.getName(), caller());
                request.setAttribute(AUTH_FILTER_SEEN, Boolean.TRUE);
            }
            chain.doFilter(request, response);
        }

        private Caller caller() {
            Caller c = caller;
            if (c == null) {
                String key = JdbcClient.create(dataSource)
                        .sql("SELECT id FROM api_keys WHERE project_id = ? AND kind = 'project' "
                                + "AND revoked_at IS NULL ORDER BY seq LIMIT 1")
                        .param(Project.DEFAULT)
                        .query(String.class)
                        .single();
                caller = c = new Caller(key, Project.DEFAULT, Caller.Permission.ALL, null);
            }
            return c;
        }
    }
}
