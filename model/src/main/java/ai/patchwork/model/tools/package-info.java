/**
 * Function calling: the tools a request offers ({@link ai.patchwork.model.tools.ToolFunction}), and, per chat-template
 * family, how a model writes a call ({@link ai.patchwork.model.tools.ToolCallFormat}): parsed out of its text, and as
 * a grammar that makes a forced call always parse. Rendering tools into the prompt is the chat template's job
 * ({@link ai.patchwork.model.tokenizer.ChatTemplate}).
 */
package ai.patchwork.model.tools;
