/**
 * Projects, API keys and access control. Every {@code /v1} request carries {@code Authorization: Bearer} with a
 * project key ({@code sk-proj-…}: acts for one project, permission {@code all} or {@code read_only}) or an admin key
 * ({@code sk-admin-…}: manages projects and keys through {@code /v1/organization}, never calls inference).
 * {@link ai.patchwork.api.auth.AuthFilter} authenticates and authorizes before any controller runs, and controllers
 * receive the {@link ai.patchwork.api.auth.Caller} whose project scopes every lookup. Keys are stored as SHA-256
 * hashes and cached for a few seconds per replica; revocations reach every replica's cache through PostgreSQL
 * {@code LISTEN/NOTIFY}.
 */
package ai.patchwork.api.auth;
