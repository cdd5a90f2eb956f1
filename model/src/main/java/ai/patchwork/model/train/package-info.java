/** The pieces of LoRA training that touch tensors: weighted next-token loss and one optimisation step. */
package ai.patchwork.model.train;
