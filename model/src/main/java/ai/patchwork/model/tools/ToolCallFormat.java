package ai.patchwork.model.tools;

import ai.patchwork.model.grammar.Grammar;
import java.util.Optional;

/**
 * How one family of chat templates has the model write a tool call. To support another family, implement this
 * (parse the calls out of a whole output; say where a call may start so a stream can hold that text back; give the
 * exact text of one call as a {@link Grammar.Framed} so that a forced call always parses) and recognise its template
 * in {@link #of}.
 */
public interface ToolCallFormat {

    /** A short name for documentation and errors, e.g. {@code hermes}. */
    String name();

    /** Splits a whole output into its text and its calls; an output whose calls do not parse is all text. */
    ParsedOutput parse(String output);

    /**
     * Where a call may begin in a prefix of an output: the text before this index is content whatever follows.
     *
     * @return {@code text.length()} when no call can have begun yet
     */
    int callStart(String text);

    /** One call of {@code function}, written as this family writes it, with the arguments as its parameters allow. */
    Grammar.Framed call(ToolFunction function);

    /**
     * The format a chat template teaches, recognised from its source: Hermes ({@code <tool_call>} tags, Qwen2.5,
     * Hermes 2/3, Qwen3), or Llama 3.1's JSON ({@code {"name": …, "parameters": …}} after an {@code ipython}
     * environment line).
     *
     * @return empty when the template teaches no format this server can parse
     */
    static Optional<ToolCallFormat> of(String templateSource) {
        if (templateSource.contains("<tool_call>")) return Optional.of(new HermesFormat());
        if (templateSource.contains("\"parameters\"")
                && (templateSource.contains("ipython") || templateSource.contains("python_tag"))) {
            return Optional.of(new LlamaJsonFormat());
        }
        return Optional.empty();
    }
}
