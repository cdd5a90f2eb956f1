// The REST API under /v1: JSON in snake_case, OpenAI's error envelope turned into an ApiError whose message a
// person can read, cursor-paged lists, and chat completions streamed as server-sent events. Every call sends the
// API key kept in this tab's sessionStorage as `Authorization: Bearer`; a 401 asks for a key again.

const KEY = 'patchwork.apiKey';

/** The key this tab uses, or null. */
export const apiKey = () => sessionStorage.getItem(KEY);

/** Keeps (or with null forgets) the key for this tab only: it never goes to a cookie or localStorage. */
export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

function authorization() {
  const key = apiKey();
  return key ? { Authorization: 'Bearer ' + key } : {};
}

/** A 401: the key is missing, wrong or revoked; the app shows the key prompt. */
function unauthorized() {
  window.dispatchEvent(new CustomEvent('patchwork:unauthorized'));
}

/** A failed call; `message` is the server's own explanation when it gave one. */
export class ApiError extends Error {
  constructor(message, status, code, param) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.param = param;
  }
}

const PLAIN = {
  400: 'The request was not accepted.',
  404: 'Not found: it may have been deleted.',
  413: 'The upload is larger than the server accepts.',
  401: 'This API key is not valid (any more).',
  403: 'This API key may not do that.',
  429: 'Too many requests or over a quota; try again in a moment.',
  500: 'The server failed while handling the request.',
  502: 'The server is unreachable behind its proxy.',
  503: 'The server is not ready; try again in a moment.',
};

async function errorOf(res) {
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  const e = body?.error;
  if (e?.message) return new ApiError(e.message, res.status, e.code, e.param);
  return new ApiError(PLAIN[res.status] ?? `The server answered ${res.status} ${res.statusText}.`, res.status);
}

async function send(method, path, { json, form, signal } = {}) {
  const init = { method, signal, headers: { Accept: 'application/json', ...authorization() } };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form) {
    init.body = form;
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError('The Patchwork server could not be reached. Is it running? (' + e.message + ')', 0);
  }
  if (res.status === 401) unauthorized();
  if (!res.ok) throw await errorOf(res);
  return res.status === 204 ? null : res.json();
}

export const get = (path, opts) => send('GET', path, opts);
export const post = (path, json, opts) => send('POST', path, { ...opts, json });
export const upload = (path, form, opts) => send('POST', path, { ...opts, form });
export const del = (path, opts) => send('DELETE', path, opts);

/** Every item of a cursor-paged list, following `after` up to `max` items. */
export async function listAll(path, params = {}, { max = 1000, pageSize = 100, signal } = {}) {
  const items = [];
  let after = null;
  while (items.length < max) {
    const q = new URLSearchParams({ ...params, limit: String(pageSize) });
    if (after) q.set('after', after);
    const page = await get(path + '?' + q, { signal });
    items.push(...page.data);
    if (!page.has_more || page.data.length === 0) break;
    after = page.last_id;
  }
  return items;
}

/** Base models and adapter names that requests may name, split by kind. */
export async function models(signal) {
  const list = (await get('/v1/models', { signal })).data;
  return { base: list.filter((m) => !m.parent), adapters: list.filter((m) => m.parent) };
}

/**
 * POST /v1/chat/completions with stream: true. Calls onText(delta) for each piece of text as it arrives and
 * resolves to {finishReason, usage}. An error before the stream opens or inside it rejects with an ApiError.
 */
export async function streamChat(body, onText, signal) {
  let res;
  try {
    res = await fetch('/v1/chat/completions', {
      method: 'POST', signal,
      // JSON too: an error before the stream opens comes back as OpenAI's JSON envelope.
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream, application/json',
        ...authorization() },
      body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError('The Patchwork server could not be reached. Is it running? (' + e.message + ')', 0);
  }
  if (res.status === 401) unauthorized();
  if (!res.ok) throw await errorOf(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const result = { finishReason: null, usage: null };
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') return result;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new ApiError(chunk.error.message, 200, chunk.error.code, chunk.error.param);
        const choice = chunk.choices?.[0];
        if (choice?.delta?.content) onText(choice.delta.content);
        if (choice?.finish_reason) result.finishReason = choice.finish_reason;
        if (chunk.usage) result.usage = chunk.usage;
      }
    }
  }
  return result;
}

/** Downloads a file the API serves (with the key, which a plain link could not send) under `filename`. */
export async function download(path, filename) {
  const res = await fetch(path, { headers: authorization() });
  if (res.status === 401) unauthorized();
  if (!res.ok) throw await errorOf(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
