package ai.patchwork.api.inference;

import ai.patchwork.api.web.ErrorEnvelope;
import ai.patchwork.model.tokenizer.ToolCall;
import ai.patchwork.model.tools.ParsedOutput;
import ai.patchwork.model.tools.ToolCallStream;
import ai.patchwork.serving.GenerationHandle;
import ai.patchwork.serving.GenerationListener;
import ai.patchwork.serving.TokenEvent;
import ai.patchwork.serving.Usage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import tools.jackson.databind.node.ObjectNode;

/**
 * One streamed response: the engine's token events of each choice as server-sent events ({@code data: {chunk}}
 * lines), then, once every choice has finished, the usage chunk if asked for and {@code data: [DONE]}. The choices'
 * events arrive on their own dispatch threads, so writes are serialised here.
 *
 * <p>A client that goes away must free its sequences at once, not after {@code max_tokens}: the first write that
 * fails, and the emitter's completion, timeout and error callbacks (the container's view of the connection), all
 * cancel the request, which releases its KV slots before the engine's next step.
 */
final class EventStream {
    static final MediaType EVENT_STREAM = new MediaType("text", "event-stream", StandardCharsets.UTF_8);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

    private final ResponseBodyEmitter emitter;
    private final Chunks chunks;
    private final boolean includeUsage;
    private final List<GenerationListener> listeners = new ArrayList<>();
    private final List<ToolCallStream> toolStreams = new ArrayList<>(); // one per choice, or none
    private final ChatTools tools;
    private final List<Usage> usages = new ArrayList<>(); // guarded by this
    private volatile GenerationHandle handle;
    private volatile boolean gone;
    private boolean ended; // guarded by this

    /**
     * A stream whose headers (and, for chat, each choice's role chunk) go out as soon as the request is accepted, as
     * OpenAI's do: a queued request's client sees 200 at once rather than only when its first token is ready.
     */
    EventStream(Chunks chunks, GenerationOptions options, ChatTools tools, Duration timeout) {
        this.emitter = new ResponseBodyEmitter(timeout.toMillis());
        this.chunks = chunks;
        this.tools = tools;
        this.includeUsage = options.includeUsage();
        boolean started = false;
        for (int i = 0; i < options.n(); i++) {
            int index = i;
            listeners.add(new GenerationListener() {
                @Override
                public void onToken(TokenEvent event) {
                    token(index, event);
                }

                @Override
                public void onError(Throwable error) {
                    error(error);
                }
            });
            if (tools.format() != null) toolStreams.add(new ToolCallStream(tools.format()));
            ObjectNode first = chunks.start(i);
            if (first != null) {
                send(first);
                started = true;
            }
        }
        if (!started) write(new byte[0]); // commits the headers without a byte of body
    }

    ResponseBodyEmitter emitter() {
        return emitter;
    }

    /** One listener per choice, in order. */
    List<GenerationListener> listeners() {
        return List.copyOf(listeners);
    }

    /**
     * Ties the request to the connection: whatever ends the connection cancels the request (a no-op once done);
     * cancelling one choice's handle cancels them all.
     */
    void attach(List<GenerationHandle> handles) {
        GenerationHandle h = handles.getFirst();
        handle = h;
        emitter.onCompletion(h::cancel);
        emitter.onTimeout(h::cancel);
        emitter.onError(e -> h.cancel());
        if (gone) h.cancel();
    }

    private synchronized void token(int index, TokenEvent event) {
        if (ended) return;
        // A token whose text is held back (part of a character, or maybe a stop string) still shows its id.
        // So does a token whose text may be the start of a tool call.
        boolean token = event.tokenId() >= 0;
        String text =
                toolStreams.isEmpty() ? event.text() : toolStreams.get(index).accept(event.text());
        if (!text.isEmpty() || (token && (chunks.tokenIds() || (chunks.logprobs() && event.logprob() != null)))) {
            send(chunks.delta(index, text, event.tokenId(), event.logprob()));
        }
        if (event.last()) {
            String finish = event.finishReason().openAiName();
            if (!toolStreams.isEmpty()) {
                ParsedOutput end = toolStreams.get(index).finish();
                if (end.content() != null) send(chunks.delta(index, end.content(), -1, null));
                List<ToolCall> calls = tools.calls(end);
                if (!calls.isEmpty()) {
                    send(chunks.toolCalls(index, calls));
                    finish = "tool_calls";
                }
            }
            send(chunks.finish(index, finish));
            usages.add(event.usage());
            if (usages.size() == listeners.size()) {
                if (includeUsage) send(chunks.usage(CompletionsController.usage(usages)));
                end();
            }
        }
    }

    private synchronized void error(Throwable error) {
        if (ended) return;
        ErrorEnvelope envelope = InferenceExceptionHandler.envelopeOf(error);
        write(("data: " + chunks.write(envelope) + "\n\n").getBytes(StandardCharsets.UTF_8));
        end();
        GenerationHandle h = handle;
        if (h != null) h.cancel(); // the other choices stop too
    }

    private void send(ObjectNode chunk) {
        write(("data: " + chunks.write(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    private void end() {
        ended = true;
        write(DONE);
        if (!gone) emitter.complete();
    }

    private synchronized void write(byte[] bytes) {
        if (gone) return;
        try {
            emitter.send(bytes, EVENT_STREAM);
        } catch (IOException | IllegalStateException e) {
            gone = true; // the client went away: stop its sequences now
            GenerationHandle h = handle;
            if (h != null) h.cancel();
        }
    }
}
