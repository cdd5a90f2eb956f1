/** Patchwork's model runtime: a Llama-family transformer on DJL + PyTorch with PEFT LoRA. Plain Java, no Spring. */
package ai.patchwork.model;
