/** Command-line entry points run by the ./patchwork launcher. */
package ai.patchwork.model.cli;
