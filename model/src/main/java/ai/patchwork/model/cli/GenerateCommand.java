package ai.patchwork.model.cli;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.Devices;
import ai.patchwork.model.generate.Generation;
import ai.patchwork.model.generate.GenerationRequest;
import ai.patchwork.model.generate.Generator;
import ai.patchwork.model.generate.LoraMode;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.sample.SamplingParams;
import ai.patchwork.model.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** {@code ./patchwork generate}: runs a Hugging Face model folder, optionally with a PEFT adapter. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description =
                "Generate tokens with a Hugging Face Llama-family model folder and an optional PEFT LoRA adapter.")
public final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelFolder model = new ModelFolder();

    @Option(names = "--adapter", description = "PEFT adapter folder")
    Path adapter;

    @Mixin
    PromptOptions prompt = new PromptOptions();

    @Mixin
    SamplingOptions sampling = new SamplingOptions();

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Option(names = "--logits", description = "with --json: include logits at the last prompt position")
    boolean logits;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        prompt.requireOne();
        Path model = this.model.path();
        boolean hasTokenizer = Files.isRegularFile(model.resolve("tokenizer.json"));
        if (prompt.isText() && !hasTokenizer)
            throw new IllegalArgumentException("no tokenizer.json in " + model + "; use --prompt-ids");
        try (NDManager manager = Devices.newManager();
                Transformer transformer = Transformer.load(model, manager);
                Tokenizer tokenizer = hasTokenizer ? Tokenizer.load(model) : null) {
            int[] ids = prompt.ids(tokenizer, transformer.config().vocabSize());
            AdapterWeights lora = adapter == null
                    ? null
                    : AdapterWeights.load(adapter.getFileName().toString(), adapter, transformer.config());
            SamplingParams params = sampling.params(tokenizer != null ? tokenizer.eosIds() : Set.of());
            Generation g = new Generator(transformer, tokenizer)
                    .generate(List.of(new GenerationRequest(ids, params, lora, logits)), LoraMode.BATCHED)
                    .get(0);
            String text = tokenizer == null ? "" : tokenizer.decode(g.tokenIds(), true);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ObjectNode result = JsonMapper.shared().createObjectNode();
                Arrays.stream(ids).forEach(result.putArray("prompt_ids")::add);
                Arrays.stream(g.tokenIds()).forEach(result.putArray("token_ids")::add);
                result.put("text", text);
                result.put("finish_reason", g.finishReason().name().toLowerCase());
                if (logits) {
                    var arr = result.putArray("logits_last");
                    for (float v : g.logitsLast()) arr.add(v);
                }
                out.println(JsonMapper.shared().writeValueAsString(result));
            } else {
                out.println(text);
            }
        }
        return 0;
    }
}
