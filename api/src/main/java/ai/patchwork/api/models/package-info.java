/**
 * {@code /v1/models}: the configured base models and the latest ready version of every adapter name, as OpenAI model
 * objects; an adapter's {@code parent} is its base model's id and its {@code root} its adapter id.
 */
package ai.patchwork.api.models;
