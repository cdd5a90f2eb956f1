/** Tests of the Flyway migrations against a real, freshly created PostgreSQL database. */
package ai.patchwork.migrations;
