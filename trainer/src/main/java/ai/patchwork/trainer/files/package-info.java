/**
 * Files (OpenAI's {@code /v1/files}) kept content-addressed in the object store: uploads for fine-tuning are
 * validated line by line, and jobs store their metrics CSV here as {@code fine-tune-results}.
 */
package ai.patchwork.trainer.files;
