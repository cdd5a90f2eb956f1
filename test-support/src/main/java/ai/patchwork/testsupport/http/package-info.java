/** HTTP helpers for tests that call a running server through {@code java.net.http}. */
package ai.patchwork.testsupport.http;
