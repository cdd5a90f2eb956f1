/** Model families: only the mapping from checkpoint weight names onto the shared transformer blocks. */
package ai.patchwork.model.family;
