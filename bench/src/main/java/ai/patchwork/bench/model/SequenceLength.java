package ai.patchwork.bench.model;

import picocli.CommandLine.Option;

/**
 * The options of a decode benchmark's sequence ({@code bench decode}, {@code bench model}): a prompt of
 * {@code --prompt} tokens prefilled, then {@code --decode} tokens decoded one step at a time.
 */
final class SequenceLength {
    @Option(names = "--prompt", defaultValue = "32", description = "prompt tokens per sequence")
    int prompt;

    @Option(names = "--decode", defaultValue = "64", description = "tokens decoded after the prompt, per sequence")
    int decode;
}
