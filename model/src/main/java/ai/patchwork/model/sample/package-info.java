/** Token selection: greedy, temperature, top-k, top-p, per-sequence seeds. */
package ai.patchwork.model.sample;
