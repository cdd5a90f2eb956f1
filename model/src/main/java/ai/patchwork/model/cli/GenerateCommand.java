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
import ai.patchwork.model.tokenizer.ChatMessage;
import ai.patchwork.model.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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

    @Option(names = "--model", required = true, description = "Hugging Face model folder")
    Path model;

    @Option(names = "--adapter", description = "PEFT adapter folder")
    Path adapter;

    @Option(names = "--prompt", description = "prompt text")
    String prompt;

    @Option(names = "--chat", description = "render --prompt as a user message through the chat template")
    boolean chat;

    @Option(names = "--prompt-ids", split = ",", description = "prompt token ids, e.g. 1,2,3")
    int[] promptIds;

    @Option(names = "--max-tokens", defaultValue = "32")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "1.0", description = "0 is greedy (lowest id wins ties)")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1.0")
    double topP;

    @Option(names = "--top-k", defaultValue = "0")
    int topK;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--stop", description = "stop string (repeatable)")
    List<String> stop = List.of();

    @Option(names = "--stop-eos", description = "stop at the model's EOS ids")
    boolean stopEos;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Option(names = "--logits", description = "with --json: include logits at the last prompt position")
    boolean logits;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command; returns the exit status (0 ok, 2 bad input). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return CommandLines.execute("generate", new GenerateCommand(), args, out, err);
    }

    @Override
    public Integer call() {
        if ((prompt == null) == (promptIds == null))
            throw new IllegalArgumentException("give exactly one of --prompt or --prompt-ids");
        if (!Files.isDirectory(model)) throw new IllegalArgumentException("model folder not found: " + model);
        boolean hasTokenizer = Files.isRegularFile(model.resolve("tokenizer.json"));
        if (prompt != null && !hasTokenizer)
            throw new IllegalArgumentException("no tokenizer.json in " + model + "; use --prompt-ids");
        try (NDManager manager = Devices.newManager();
                Transformer transformer = Transformer.load(model, manager);
                Tokenizer tokenizer = hasTokenizer ? Tokenizer.load(model) : null) {
            int[] ids = promptIds != null
                    ? promptIds
                    : tokenizer.encode(
                            chat ? tokenizer.chatTemplate().render(List.of(ChatMessage.user(prompt)), true) : prompt);
            for (int id : ids) {
                if (id < 0 || id >= transformer.config().vocabSize())
                    throw new IllegalArgumentException("prompt id " + id + " is outside the vocabulary");
            }
            AdapterWeights lora = adapter == null
                    ? null
                    : AdapterWeights.load(adapter.getFileName().toString(), adapter, transformer.config());
            Set<Integer> stopIds = stopEos && tokenizer != null ? tokenizer.eosIds() : Set.of();
            SamplingParams sampling = new SamplingParams(temperature, topP, topK, seed, maxTokens, stopIds, stop);
            Generation g = new Generator(transformer, tokenizer)
                    .generate(List.of(new GenerationRequest(ids, sampling, lora, logits)), LoraMode.BATCHED)
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
