/**
 * Regular expressions from untrusted sources: {@link ai.patchwork.model.regex.DeadlineText} lets a match run on
 * Java's backtracking matcher without letting a pattern like {@code (a|a)*b} hang the thread.
 */
package ai.patchwork.model.regex;
