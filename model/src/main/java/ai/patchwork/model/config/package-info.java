/** Hyperparameters read from a Hugging Face config.json, and the one-line error type for unusable folders. */
package ai.patchwork.model.config;
