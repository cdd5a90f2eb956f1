package ai.patchwork.api.inference;

import ai.patchwork.serving.Completion;
import ai.patchwork.serving.GenerationHandle;
import ai.patchwork.serving.GenerationListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.http.MediaType;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;

/**
 * Waits for a non-streamed request's choices while watching its connection, so that a client that goes away frees
 * its sequences within an interval instead of after {@code max_tokens}.
 *
 * <p>A servlet container does not notice that an idle connection was closed by its client: only a write does. So once
 * the request is generating (its adapter loaded and its prompt prefilled, past the failures that have a status of
 * their own), the response is committed as {@code 200 application/json} and one space is written every
 * {@code interval}. JSON allows whitespace before a value, so clients parse the body as before; a write that fails
 * means the client left, and the request is cancelled before the engine's next step. The price: an engine failure
 * after that point still answers with OpenAI's error envelope, but under status 200.
 */
final class ConnectionWatch {
    private static final byte[] SPACE = {' '};

    private final HttpServletResponse response;
    private final Map<String, String> headers;
    private final Duration interval;
    private volatile boolean started;

    /**
     * @param response the request's response, committed at the first probe
     * @param headers headers the response must carry, set before the commit (the rate limit's)
     * @param interval how often the connection is probed once generation started
     */
    ConnectionWatch(HttpServletResponse response, Map<String, String> headers, Duration interval) {
        if (interval.isNegative() || interval.isZero()) throw new IllegalArgumentException("interval must be positive");
        this.response = response;
        this.headers = Map.copyOf(headers);
        this.interval = interval;
    }

    /** A listener per choice that marks the request as generating at its first token. */
    GenerationListener listener() {
        return event -> started = true;
    }

    /**
     * The choices' completions, in order. A client found gone cancels every choice and ends the request with
     * {@link AsyncRequestNotUsableException}; the timeout cancels them too.
     */
    List<Completion> await(List<GenerationHandle> handles, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Completion> done = new ArrayList<>();
        try {
            for (GenerationHandle h : handles) {
                while (true) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) throw new TimeoutException();
                    try {
                        done.add(h.completion().get(Math.min(left, interval.toNanos()), TimeUnit.NANOSECONDS));
                        break;
                    } catch (TimeoutException e) {
                        if (started) probe();
                    }
                }
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (Exception e) {
            handles.getFirst().cancel(); // cancels every choice
            throw e;
        }
        return done;
    }

    private void probe() throws AsyncRequestNotUsableException {
        try {
            if (!response.isCommitted()) {
                response.setContentType(MediaType.APPLICATION_JSON_VALUE);
                headers.forEach(response::setHeader);
            }
            response.getOutputStream().write(SPACE);
            response.flushBuffer();
        } catch (IOException e) {
            throw new AsyncRequestNotUsableException("the client went away", e);
        }
    }
}
