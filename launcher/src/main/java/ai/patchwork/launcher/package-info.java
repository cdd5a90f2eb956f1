/**
 * The all-in-one start behind {@code ./patchwork up}: embedded PostgreSQL and an embedded S3 server under the data
 * folder, a demo base model when none is configured, then the Spring application with every role.
 */
package ai.patchwork.launcher;
