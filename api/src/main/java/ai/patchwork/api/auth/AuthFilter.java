package ai.patchwork.api.auth;

import ai.patchwork.api.web.DatabaseUnavailable;
import ai.patchwork.api.web.ErrorEnvelope;
import ai.patchwork.api.web.ErrorTypes;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.http.MediaType;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Authenticates and authorizes every {@code /v1} request and {@code /actuator/prometheus} before any controller
 * runs, so a refused request reads nothing and writes nothing. The rules:
 * <ul>
 *   <li>no key, a malformed, unknown or revoked key, or a key of an archived project: 401 {@code invalid_api_key};
 *   <li>a project key on {@code /v1/organization} or {@code /actuator/prometheus}: 403;
 *   <li>an admin key anywhere but {@code /v1/organization}, {@code /actuator/prometheus},
 *       {@code GET /v1/serving/replicas} and {@code GET /v1/me}: 403 (admin keys do not call inference);
 *   <li>a read-only key on anything but GET and the two completion endpoints: 403 {@code insufficient_permissions}.
 * </ul>
 * Health probes ({@code /actuator/health}) and the UI's static files stay open. The caller is left in the request
 * attribute {@link #CALLER} for controllers.
 */
final class AuthFilter extends OncePerRequestFilter {
    /** The request attribute holding the {@link Caller}. */
    static final String CALLER = Caller.class.getName();

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> INFERENCE = Set.of("/v1/completions", "/v1/chat/completions");
    private static final String PROMETHEUS = "/actuator/prometheus";

    private final Supplier<KeyCache> keys;

    /** The caller this filter authenticated, which a controller method takes as an argument. */
    static Caller caller(NativeWebRequest request) {
        Object caller = request.getAttribute(CALLER, RequestAttributes.SCOPE_REQUEST);
        if (caller == null) throw new IllegalStateException("no authenticated caller: the route is not under /v1");
        return (Caller) caller;
    }

    /** @param keys the cache, looked up at the first request (filters are made before the database is configured) */
    AuthFilter(Supplier<KeyCache> keys) {
        this.keys = keys;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI();
        return !(path.equals("/v1") || path.startsWith("/v1/") || path.startsWith(PROMETHEUS));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String secret = bearer(request.getHeader("Authorization"));
        if (secret == null) {
            refuse(
                    response,
                    401,
                    "invalid_api_key",
                    "You didn't provide an API key. Send it in the Authorization header "
                            + "as 'Authorization: Bearer sk-proj-…'.");
            return;
        }
        Optional<Caller> found;
        try {
            found = Secrets.wellFormed(secret) ? keys.get().authenticate(Secrets.hash(secret)) : Optional.empty();
        } catch (RuntimeException e) {
            if (!DatabaseUnavailable.is(e)) throw e;
            response.setStatus(503);
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            response.setHeader("Retry-After", DatabaseUnavailable.RETRY_AFTER);
            JSON.writeValue(response.getOutputStream(), DatabaseUnavailable.envelope());
            return;
        }
        if (found.isEmpty()) {
            refuse(
                    response,
                    401,
                    "invalid_api_key",
                    "Incorrect API key provided: " + shown(secret) + ". The key is "
                            + "unknown, revoked, or of an archived project.");
            return;
        }
        Caller caller = found.get();
        String denied = denied(caller, request.getMethod(), request.getRequestURI());
        if (denied != null) {
            refuse(response, 403, "insufficient_permissions", denied);
            return;
        }
        request.setAttribute(CALLER, caller);
        chain.doFilter(request, response);
    }

    /** Why the caller may not make this request, or null when it may. */
    static String denied(Caller caller, String method, String path) {
        boolean organization = path.equals("/v1/organization") || path.startsWith("/v1/organization/");
        boolean read = method.equals("GET") || method.equals("HEAD");
        if (caller.admin()) {
            if (organization
                    || path.startsWith(PROMETHEUS)
                    || (read && (path.equals("/v1/serving/replicas") || path.equals("/v1/me")))) {
                return null;
            }
            return "Admin keys manage projects and keys (/v1/organization); use a project key (sk-proj-…) for this request.";
        }
        if (organization || path.startsWith(PROMETHEUS)) {
            return "This endpoint needs an admin key (sk-admin-…); project keys cannot call it.";
        }
        if (caller.permission() == Caller.Permission.READ_ONLY
                && !read
                && !(method.equals("POST") && INFERENCE.contains(path))) {
            return "This key is read-only: it may call inference and read its project's resources (GET), not " + method
                    + " " + path + ".";
        }
        return null;
    }

    /** The token of {@code Authorization: Bearer <token>}, or null. */
    private static String bearer(String header) {
        if (header == null || header.length() > Secrets.MAX_LENGTH + 16) return null;
        String value = header.strip();
        if (!value.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
        value = value.substring(7).strip();
        return value.isEmpty() ? null : value;
    }

    /** A secret as an error message may show it: a few characters at each end, like OpenAI's. */
    private static String shown(String secret) {
        if (secret.length() < 12) return "***";
        StringBuilder s = new StringBuilder();
        for (char c : (secret.substring(0, 8) + "***" + secret.substring(secret.length() - 4)).toCharArray()) {
            s.append(c < 32 || c > 126 ? '?' : c);
        }
        return s.toString();
    }

    private static void refuse(HttpServletResponse response, int status, String code, String message)
            throws IOException {
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        if (status == 401) response.setHeader("WWW-Authenticate", "Bearer");
        JSON.writeValue(response.getOutputStream(), ErrorEnvelope.of(message, ErrorTypes.INVALID_REQUEST, null, code));
    }
}
