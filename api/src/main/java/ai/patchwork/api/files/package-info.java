/** {@code /v1/files} in OpenAI's shapes, backed by the trainer module's {@link ai.patchwork.trainer.files.FileStore}. */
package ai.patchwork.api.files;
