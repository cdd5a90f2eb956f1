package ai.patchwork.api.ui;

import ai.patchwork.api.platform.Role;
import ai.patchwork.api.web.ErrorEnvelope;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Lets the UI's paths through in a process with the api role; elsewhere answers them with 404 and OpenAI's error
 * envelope, saying where the UI is.
 */
final class UiUnavailableFilter extends OncePerRequestFilter {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Supplier<Set<Role>> roles;
    private volatile Boolean served;

    UiUnavailableFilter(Supplier<Set<Role>> roles) {
        this.roles = roles;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Boolean ui = served;
        if (ui == null) served = ui = roles.get().contains(Role.API);
        if (ui) {
            chain.doFilter(request, response);
            return;
        }
        String running = roles.get().stream()
                .map(r -> r.name().toLowerCase(Locale.ROOT))
                .sorted()
                .collect(Collectors.joining(", "));
        response.setStatus(HttpServletResponse.SC_NOT_FOUND);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        JSON.writeValue(
                response.getOutputStream(),
                ErrorEnvelope.of(
                        "The web UI is served by processes with the api role; " + "this one runs "
                                + (running.isEmpty() ? "no role" : running) + ".",
                        "invalid_request_error",
                        null,
                        "ui_not_served"));
    }
}
