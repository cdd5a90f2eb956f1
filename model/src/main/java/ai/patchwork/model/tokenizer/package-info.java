/** Hugging Face tokenizers (tokenizer.json through DJL), Jinja chat templates (Jinjava), generation config. */
package ai.patchwork.model.tokenizer;
