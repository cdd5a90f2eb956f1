package ai.patchwork.api.inference;

import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.api.usage.ApiKeys;
import ai.patchwork.api.usage.UsageRecorder;
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
import org.springframework.web.bind.annotation.RequestHeader;
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
  private final ServingProperties properties;
  private final JsonMapper json;

  CompletionsController(ModelResolver resolver, UsageRecorder usage, ServingProperties properties, JsonMapper json) {
    this.resolver = resolver;
    this.usage = usage;
    this.properties = properties;
    this.json = json;
  }

  @PostMapping(path = "/v1/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<?> completions(@RequestBody CompletionRequest body,
      @RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) throws Exception {
    if (Boolean.TRUE.equals(body.echo())) Unsupported.refuse("echo", true);
    Unsupported.refuse("suffix", body.suffix());
    if (body.bestOf() != null && body.bestOf() != 1) Unsupported.refuse("best_of", body.bestOf());
    Unsupported.shared(body);
    GenerationOptions options = GenerationOptions.of(body, COMPLETIONS_DEFAULT_MAX_TOKENS,
        LogprobsJson.completion(body.logprobs()));
    ModelResolver.Target target = resolver.resolve(body.model());
    int[] prompt = Prompts.completion(body.prompt(), target.engine().tokenizer());
    return run(false, target, prompt, options, authorization);
  }

  @PostMapping(path = "/v1/chat/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<?> chat(@RequestBody ChatCompletionRequest body,
      @RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) throws Exception {
    Unsupported.refuse("tools", body.tools());
    Unsupported.refuse("tool_choice", body.toolChoice());
    Unsupported.refuse("parallel_tool_calls", body.parallelToolCalls());
    Unsupported.refuse("functions", body.functions());
    Unsupported.refuse("function_call", body.functionCall());
    Unsupported.shared(body);
    GenerationOptions options = GenerationOptions.of(body, null, LogprobsJson.chat(body.logprobs(),
        body.topLogprobs()));
    ModelResolver.Target target = resolver.resolve(body.model());
    int[] prompt = Prompts.chat(body.messages(), target.engine().tokenizer());
    return run(true, target, prompt, options, authorization);
  }

  private ResponseEntity<?> run(boolean chat, ModelResolver.Target target, int[] prompt, GenerationOptions options,
      String authorization) throws Exception {
    String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
    long created = Instant.now().getEpochSecond();
    EngineRequest request = options.request(prompt, target.adapterId(), target.engine().contextLength(),
        target.engine().tokenizer().vocabSize());
    String apiKey = ApiKeys.idOf(authorization);
    if (options.stream()) {
      EventStream stream = new EventStream(new Chunks(json, chat, id, created, target.model(), options,
          logprobs(chat, target, options)), options, properties.streamTimeout());
      stream.attach(submit(target, request, stream, apiKey)); // refusals throw here, before any byte is sent
      return ResponseEntity.ok()
          .contentType(EventStream.EVENT_STREAM)
          .header(HttpHeaders.CACHE_CONTROL, "no-cache")
          .header("X-Accel-Buffering", "no") // proxies must not buffer the stream
          .body(stream.emitter());
    }
    GenerationHandle handle = submit(target, request, GenerationListener.NONE, apiKey);
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
    LogprobsJson logprobs = logprobs(chat, target, options);
    return ResponseEntity.ok(chat ? ChatCompletionResponse.of(id, created, target.model(), done, prompt, ids, logprobs)
        : CompletionResponse.of(id, created, target.model(), done, prompt, ids, logprobs));
  }

  /** The renderer of the choices' logprobs, or null when the request did not ask for them. */
  private LogprobsJson logprobs(boolean chat, ModelResolver.Target target, GenerationOptions options) {
    return options.logprobs() < 0 ? null : new LogprobsJson(json, target.engine().tokenizer().tokenBytes(), chat);
  }

  /** Queues the request and meters it when it ends, however it ends. */
  private GenerationHandle submit(ModelResolver.Target target, EngineRequest request, GenerationListener listener,
      String apiKey) {
    GenerationHandle handle = target.engine().submit(request, listener);
    handle.completion().whenComplete((c, error) -> usage.record(apiKey, target.baseModel(), target.adapterId(),
        c == null ? null : c.usage(), error != null));
    return handle;
  }
}
