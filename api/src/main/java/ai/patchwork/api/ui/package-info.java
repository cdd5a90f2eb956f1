/**
 * The web UI at {@code /}: static ES modules and CSS under {@code classpath:/static} (Chart.js and Pico CSS come as
 * WebJars), which call the same REST API as any client. Only a process with the api role has that API, so only it
 * serves the UI; elsewhere the UI's paths answer 404 with a sentence saying where the UI is.
 */
package ai.patchwork.api.ui;
