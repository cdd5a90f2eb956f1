package ai.patchwork.api.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Refuses a request body over {@link LimitsProperties#maxJsonBodySize()} with 413 and OpenAI's envelope before any
 * handler reads it: at once when the declared {@code Content-Length} is over, and after reading at most the limit
 * plus one byte when the body is chunked.
 *
 * <p>A multipart upload is refused at once when its declared {@code Content-Length} is over
 * {@link LimitsProperties#maxMultipartSize()} or over its path's {@link UploadLimit}, before any part is read or
 * spooled to disk; a chunked one is counted as it is parsed by the container ({@code max-request-size}, which follows
 * the same property).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class BodyLimitFilter extends OncePerRequestFilter {

    private final long max;
    private final long maxMultipart;
    private final Map<String, UploadLimit> uploads;

    BodyLimitFilter(LimitsProperties limits, ObjectProvider<UploadLimit> uploads) {
        this.max = limits.maxJsonBodySize().toBytes();
        this.maxMultipart = limits.maxMultipartSize().toBytes();
        this.uploads = uploads.orderedStream().collect(Collectors.toUnmodifiableMap(UploadLimit::path, u -> u));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long declared = request.getContentLengthLong();
        String type = request.getContentType();
        if (type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/")) {
            UploadLimit path = uploads.get(request.getRequestURI());
            long limit = path == null ? maxMultipart : Math.min(path.maxBytes(), maxMultipart);
            String property = path == null || path.maxBytes() >= maxMultipart
                    ? "patchwork.limits.max-multipart-size"
                    : path.property();
            if (declared > limit) {
                refuse(
                        response,
                        "the upload is " + declared + " bytes, over the limit of " + limit + " bytes (" + property
                                + ")");
                return;
            }
            chain.doFilter(request, response);
            return;
        }
        if (declared > max) {
            refuseBody(response, declared + " bytes");
            return;
        }
        if (declared >= 0) {
            chain.doFilter(request, response);
            return;
        }
        // chunked: read at most the limit and one byte more
        byte[] body = request.getInputStream().readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE));
        if (body.length > max) {
            refuseBody(response, "more than " + max + " bytes");
            return;
        }
        chain.doFilter(new BufferedBody(request, body), response);
    }

    private void refuseBody(HttpServletResponse response, String size) throws IOException {
        refuse(
                response,
                "the request body is " + size + ", over the limit of " + max
                        + " bytes (patchwork.limits.max-json-body-size)");
    }

    private static void refuse(HttpServletResponse response, String message) throws IOException {
        response.setStatus(HttpStatus.CONTENT_TOO_LARGE.value());
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setHeader("Connection", "close");
        JsonMapper.shared()
                .writeValue(
                        response.getOutputStream(),
                        ErrorEnvelope.of(message, ErrorTypes.INVALID_REQUEST, null, "request_too_large"));
    }

    /** The request with its body read into memory (at most the limit). */
    private static final class BufferedBody extends HttpServletRequestWrapper {
        private final byte[] body;

        BufferedBody(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() throws IOException {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("blocking reads only");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
