/**
 * The administration API for admin keys, in the shapes of OpenAI's Administration API: projects, their service
 * accounts (each with one key, returned once at creation), their API keys, their rate limits, and the usage of the
 * whole organization. Extensions beyond OpenAI's shapes are documented in {@code docs/auth.md}.
 */
package ai.patchwork.api.organization;
