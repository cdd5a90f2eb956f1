package ai.patchwork.api.inference;

import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.api.auth.Caller;
import ai.patchwork.api.limits.RateLimiter;
import ai.patchwork.api.usage.UsageRecorder;
import ai.patchwork.api.web.ApiException;
import ai.patchwork.serving.Completion;
import ai.patchwork.serving.EngineRequest;
import ai.patchwork.serving.GenerationHandle;
import ai.patchwork.serving.GenerationListener;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/completions} and {@code POST /v1/chat/completions}, OpenAI-compatible. Everything that can be
 * refused — an unknown model, invalid fields, a prompt longer than the context, a full queue — is refused before a
 * stream opens, with a plain HTTP status and OpenAI's error envelope ({@link InferenceExceptionHandler}).
 */
@RestController
@ConditionalOnRole(Role.SERVING)
class CompletionsController {
  /** OpenAI's default {@code max_tokens} of the legacy completions endpoint; chat defaults to the rest of the context. */
  static final int COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

  private final ModelResolver resolver;
  private final UsageRecorder usage;
  private final RateLimiter limiter;
  private final ServingProperties properties;
  private final JsonMapper json;

  CompletionsController(ModelResolver resolver, UsageRecorder usage, RateLimiter limiter, ServingProperties properties,
      JsonMapper json) {
    this.resolver = resolver;
    this.usage = usage;
    this.limiter = limiter;
    this.properties = properties;
    this.json = json;
  }

  @PostMapping(path = "/v1/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<?> completions(Caller caller, @RequestBody CompletionRequest body) throws Exception {
    if (Boolean.TRUE.equals(body.echo()) || body.suffix() != null || body.logprobs() != null
        || (body.bestOf() != null && body.bestOf() != 1)) {
      throw ApiException.badRequest(null, "unsupported_parameter", "echo, suffix, logprobs and best_of are not "
          + "supported by this server");
    }
    GenerationOptions options = GenerationOptions.of(body, COMPLETIONS_DEFAULT_MAX_TOKENS);
    ModelResolver.Target target = resolver.resolve(caller, body.model());
    int[] prompt = Prompts.completion(body.prompt(), target.engine().tokenizer());
    return run(false, target, prompt, options, caller);
  }

  @PostMapping(path = "/v1/chat/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<?> chat(Caller caller, @RequestBody ChatCompletionRequest body) throws Exception {
    if (Boolean.TRUE.equals(body.logprobs()) || (body.tools() != null && !body.tools().isNull())) {
      throw ApiException.badRequest(null, "unsupported_parameter", "logprobs and tools are not supported by this server");
    }
    GenerationOptions options = GenerationOptions.of(body, null);
    ModelResolver.Target target = resolver.resolve(caller, body.model());
    int[] prompt = Prompts.chat(body.messages(), target.engine().tokenizer());
    return run(true, target, prompt, options, caller);
  }

  private ResponseEntity<?> run(boolean chat, ModelResolver.Target target, int[] prompt, GenerationOptions options,
      Caller caller) throws Exception {
    String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
    long created = Instant.now().getEpochSecond();
    EngineRequest request = options.request(prompt, target.adapterId(), target.engine().contextLength());
    long reserve = options.maxTokens() == null ? target.engine().contextLength()
        : (long) prompt.length + options.maxTokens();
    RateLimiter.Admission admission = limiter.admit(caller.projectId(), limitedModel(target.model()), reserve);
    if (options.stream()) {
      EventStream stream = new EventStream(new Chunks(json, chat, id, created, target.model(), options), options,
          properties.streamTimeout());
      stream.attach(submit(target, request, stream, caller, admission)); // refusals throw here, before any byte is sent
      return ResponseEntity.ok()
          .headers(h -> admission.headers().forEach(h::set))
          .contentType(EventStream.EVENT_STREAM)
          .header(HttpHeaders.CACHE_CONTROL, "no-cache")
          .header("X-Accel-Buffering", "no") // proxies must not buffer the stream
          .body(stream.emitter());
    }
    GenerationHandle handle = submit(target, request, GenerationListener.NONE, caller, admission);
    Completion done;
    try {
      done = handle.completion().get(properties.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    } catch (TimeoutException | InterruptedException e) {
      handle.cancel();
      throw e;
    }
    boolean ids = options.returnTokenIds();
    return ResponseEntity.ok().headers(h -> admission.headers().forEach(h::set))
        .body(chat ? ChatCompletionResponse.of(id, created, target.model(), done, prompt, ids)
            : CompletionResponse.of(id, created, target.model(), done, prompt, ids));
  }

  /**
   * Queues the request and meters it when it ends, however it ends; the tokens its admission reserved but it did not
   * use are given back off the engine's thread.
   */
  private GenerationHandle submit(ModelResolver.Target target, EngineRequest request, GenerationListener listener,
      Caller caller, RateLimiter.Admission admission) {
    GenerationHandle handle;
    try {
      handle = target.engine().submit(request, listener);
    } catch (RuntimeException e) {
      limiter.settle(admission, 0);
      throw e;
    }
    handle.completion().whenComplete((c, error) -> usage.record(caller.projectId(), caller.keyId(),
        target.baseModel(), target.adapterId(), c == null ? null : c.usage(), error != null));
    if (!admission.models().isEmpty()) {
      handle.completion().whenCompleteAsync((c, error) -> limiter.settle(admission,
          c == null ? 0 : (long) c.usage().promptTokens() + c.usage().completionTokens()));
    }
    return handle;
  }

  /** The model a per-model rate limit names: what the client sent, without a {@code @version}. */
  private static String limitedModel(String model) {
    int at = model.lastIndexOf('@');
    return at > 0 ? model.substring(0, at) : model;
  }
}
