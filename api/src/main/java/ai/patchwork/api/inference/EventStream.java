package ai.patchwork.api.inference;

import ai.patchwork.api.web.ErrorEnvelope;
import ai.patchwork.serving.GenerationHandle;
import ai.patchwork.serving.GenerationListener;
import ai.patchwork.serving.TokenEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One streamed response: the engine's token events as server-sent events ({@code data: {chunk}} lines, then
 * {@code data: [DONE]}).
 *
 * <p>A client that goes away must free its sequence at once, not after {@code max_tokens}: the first write that
 * fails, and the emitter's completion, timeout and error callbacks (the container's view of the connection), all
 * cancel the request, which releases its KV slot before the engine's next step.
 */
final class EventStream implements GenerationListener {
  static final MediaType EVENT_STREAM = new MediaType("text", "event-stream", StandardCharsets.UTF_8);
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

  private final ResponseBodyEmitter emitter;
  private final Chunks chunks;
  private final boolean includeUsage;
  private volatile GenerationHandle handle;
  private volatile boolean gone;

  /**
   * A stream whose headers (and, for chat, the role chunk) go out as soon as the request is accepted, as OpenAI's
   * do: a queued request's client sees 200 at once rather than only when its first token is ready.
   */
  EventStream(Chunks chunks, GenerationOptions options, Duration timeout) {
    this.emitter = new ResponseBodyEmitter(timeout.toMillis());
    this.chunks = chunks;
    this.includeUsage = options.includeUsage();
    ObjectNode first = chunks.start();
    if (first != null) send(first);
    else write(new byte[0]); // commits the headers without a byte of body
  }

  ResponseBodyEmitter emitter() {
    return emitter;
  }

  /** Ties the request to the connection: whatever ends the connection cancels the request (a no-op once done). */
  void attach(GenerationHandle h) {
    handle = h;
    emitter.onCompletion(h::cancel);
    emitter.onTimeout(h::cancel);
    emitter.onError(e -> h.cancel());
    if (gone) h.cancel();
  }

  @Override
  public void onToken(TokenEvent event) {
    // A token whose text is held back (part of a character, or maybe a stop string) still shows its id.
    boolean token = event.tokenId() >= 0;
    if (!event.text().isEmpty() || (token && (chunks.tokenIds() || (chunks.logprobs() && event.logprob() != null)))) {
      send(chunks.delta(event.text(), event.tokenId(), event.logprob()));
    }
    if (event.last()) {
      send(chunks.finish(event.finishReason().openAiName()));
      if (includeUsage) send(chunks.usage(event.usage()));
      end();
    }
  }

  @Override
  public void onError(Throwable error) {
    ErrorEnvelope envelope = InferenceExceptionHandler.envelopeOf(error);
    write(("data: " + chunks.write(envelope) + "\n\n").getBytes(StandardCharsets.UTF_8));
    end();
  }

  private void send(ObjectNode chunk) {
    write(("data: " + chunks.write(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
  }

  private void end() {
    write(DONE);
    if (!gone) emitter.complete();
  }

  private void write(byte[] bytes) {
    if (gone) return;
    try {
      emitter.send(bytes, EVENT_STREAM);
    } catch (IOException | IllegalStateException e) {
      gone = true; // the client went away: stop its sequence now
      GenerationHandle h = handle;
      if (h != null) h.cancel();
    }
  }
}
