/**
 * What every endpoint shares: errors in OpenAI's envelope ({@link ai.patchwork.api.web.ErrorEnvelope}, raised as
 * {@link ai.patchwork.api.web.ApiException} or mapped from Spring's and the registry's exceptions by
 * {@link ai.patchwork.api.web.ApiExceptionHandler}) and OpenAI's cursor-paged list ({@link ai.patchwork.api.web.ListPage}, asked for with a
 * {@link ai.patchwork.api.web.Cursor}).
 */
package ai.patchwork.api.web;
