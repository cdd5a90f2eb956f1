// The playground: chat with a base model or any adapter, the answer streamed token by token; and the same prompt
// sent to two models at once, their answers streamed side by side.
import * as api from './api.js';
import { errorBox, field, h, heading, mount } from './dom.js';

const DEMO_MODEL = 'demo-random-llama';

function tabs(active) {
  const tab = (href, label, key) => h('li', {}, h('a', { href, 'aria-current': active === key ? 'page' : null }, label));
  return h('nav', { 'aria-label': 'Playground mode', class: 'tabs' },
    h('ul', {}, tab('#/playground', 'Chat', 'chat'), tab('#/playground/compare', 'Compare side by side', 'compare')));
}

function demoNote(models) {
  if (!models.base.some((m) => m.id === DEMO_MODEL)) return null;
  return h('p', { class: 'note' }, h('strong', {}, 'Note: '), h('code', {}, DEMO_MODEL),
    ' has random weights, so its text is gibberish. It is there to try the workflow; configure a real model with ',
    h('code', {}, '--patchwork.base-models.<id>.path=DIR'), '.');
}

/** A <select> of base models and adapters; `wanted` is preselected, and added when /v1/models does not list it. */
async function modelSelect(models, name, wanted, signal) {
  const known = [...models.base, ...models.adapters].some((m) => m.id === wanted);
  let extra = null;
  if (wanted && !known) {
    let label = wanted;
    try {
      const a = await api.get('/v1/adapters/' + encodeURIComponent(wanted), { signal });
      label = `${a.name} v${a.version} (${a.id})`;
    } catch (e) {
      if (e.name === 'AbortError') throw e;
    }
    extra = h('option', { value: wanted }, label);
  }
  const select = h('select', { name, required: true },
    h('optgroup', { label: 'Base models' }, models.base.map((m) => h('option', { value: m.id }, m.id))),
    h('optgroup', { label: 'Adapters' }, extra,
      models.adapters.map((m) => h('option', { value: m.id }, `${m.id} (on ${m.parent})`))));
  if (wanted) select.value = wanted;
  return select;
}

function settings() {
  const s = {
    system: h('textarea', { name: 'system', rows: 2, placeholder: 'Optional instructions for the model' }),
    maxTokens: h('input', { type: 'number', name: 'max_tokens', min: 1, max: 4096, step: 1, value: 64 }),
    temperature: h('input', { type: 'number', name: 'temperature', min: 0, max: 2, step: 0.1, value: 0.7 }),
  };
  s.fields = [field('System prompt', s.system),
    h('div', { class: 'grid' }, field('Max tokens', s.maxTokens),
      field('Temperature', s.temperature, '0 always picks the most likely token'))];
  s.request = (model, messages) => ({
    model, messages: s.system.value.trim() ? [{ role: 'system', content: s.system.value.trim() }, ...messages] : messages,
    max_tokens: Number(s.maxTokens.value) || 64, temperature: Number(s.temperature.value),
  });
  return s;
}

/** Streams one answer into `out`, keeping `pane.dataset.state` (streaming, done, error) and a summary in `meta`. */
async function streamInto(pane, out, meta, body, signal) {
  pane.dataset.state = 'streaming';
  pane.dataset.chunks = '0';
  out.textContent = '';
  mount(meta, 'Generating…');
  const start = performance.now();
  try {
    const r = await api.streamChat(body, (text) => {
      out.textContent += text;
      pane.dataset.chunks = String(Number(pane.dataset.chunks) + 1);
    }, signal);
    pane.dataset.state = 'done';
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    mount(meta, `${r.usage?.completion_tokens ?? '?'} tokens in ${seconds} s · finished: ${r.finishReason ?? 'unknown'}`);
    return out.textContent;
  } catch (e) {
    pane.dataset.state = e.name === 'AbortError' ? 'stopped' : 'error';
    mount(meta, e.name === 'AbortError' ? 'Stopped.' : errorBox('Could not generate:', e));
    return null;
  }
}

export async function renderChat(view, ctx) {
  const models = await api.models(ctx.signal);
  const model = await modelSelect(models, 'model', ctx.query.get('model') ?? models.base[0]?.id, ctx.signal);
  const s = settings();
  const transcript = h('ol', { class: 'transcript', id: 'transcript', 'aria-live': 'polite' });
  const message = h('textarea', { name: 'message', id: 'message', rows: 3, required: true,
    placeholder: 'Write a message' });
  const send = h('button', { type: 'submit', id: 'send' }, 'Send');
  const stop = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Stop');
  const clear = h('button', { type: 'button', class: 'secondary outline' }, 'Clear conversation');
  const history = [];
  let running = null;
  ctx.signal.addEventListener('abort', () => running?.abort());

  const compose = h('form', { id: 'chat-form', class: 'compose' },
    field('Message', message, 'Enter sends; Shift+Enter starts a new line.'),
    h('div', { class: 'actions' }, send, stop, clear));
  message.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      compose.requestSubmit();
    }
  });
  stop.addEventListener('click', () => running?.abort());
  clear.addEventListener('click', () => {
    running?.abort();
    history.length = 0;
    mount(transcript);
    message.focus();
  });
  compose.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = message.value.trim();
    if (!text || running) return;
    history.push({ role: 'user', content: text });
    transcript.append(h('li', { class: 'from-user' }, h('div', { class: 'who' }, 'You'), h('div', { class: 'text' }, text)));
    const out = h('div', { class: 'text' });
    const meta = h('small', { class: 'meta' });
    const pane = h('li', { class: 'from-model' }, h('div', { class: 'who' }, model.selectedOptions[0]?.textContent), out, meta);
    transcript.append(pane);
    message.value = '';
    running = new AbortController();
    send.disabled = true;
    stop.disabled = false;
    const answer = await streamInto(pane, out, meta, s.request(model.value, [...history]), running.signal);
    if (answer != null) history.push({ role: 'assistant', content: answer });
    else history.pop();
    running = null;
    send.disabled = false;
    stop.disabled = true;
    if (!ctx.signal.aborted) message.focus();
  });

  mount(view, heading('Playground'), tabs('chat'), demoNote(models),
    h('form', { class: 'settings', onsubmit: (e) => e.preventDefault() }, field('Model', model),
      h('details', {}, h('summary', {}, 'Settings'), s.fields)),
    h('section', { 'aria-label': 'Conversation' }, transcript), compose);
}

export async function renderCompare(view, ctx) {
  const models = await api.models(ctx.signal);
  const a = await modelSelect(models, 'model_a', ctx.query.get('a') ?? models.base[0]?.id, ctx.signal);
  const b = await modelSelect(models, 'model_b', ctx.query.get('b') ?? models.adapters[0]?.id ?? models.base[0]?.id,
    ctx.signal);
  a.id = 'model-a';
  b.id = 'model-b';
  const s = settings();
  const prompt = h('textarea', { name: 'prompt', id: 'prompt', rows: 3, required: true, placeholder: 'One prompt for both' });
  const run = h('button', { type: 'submit', id: 'compare' }, 'Compare');
  const stop = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Stop');
  const panes = ['a', 'b'].map((k) => {
    const title = h('h2', {}, 'Model ' + k.toUpperCase());
    const out = h('div', { class: 'text output' });
    const meta = h('small', { class: 'meta' });
    return { title, out, meta, el: h('article', { id: 'compare-' + k, class: 'pane', 'aria-live': 'polite' }, title, out, meta) };
  });
  let running = null;
  ctx.signal.addEventListener('abort', () => running?.abort());
  stop.addEventListener('click', () => running?.abort());

  const form = h('form', { id: 'compare-form' },
    h('div', { class: 'grid' }, field('Model A', a), field('Model B', b)),
    field('Prompt', prompt), h('details', {}, h('summary', {}, 'Settings'), s.fields),
    h('div', { class: 'actions' }, run, stop));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (running || !prompt.value.trim()) return;
    running = new AbortController();
    run.disabled = true;
    stop.disabled = false;
    const messages = [{ role: 'user', content: prompt.value.trim() }];
    await Promise.all([a, b].map((select, i) => {
      const p = panes[i];
      mount(p.title, 'Model ' + 'AB'[i] + ': ', h('code', {}, select.value));
      return streamInto(p.el, p.out, p.meta, s.request(select.value, messages), running.signal);
    }));
    running = null;
    run.disabled = false;
    stop.disabled = true;
  });

  mount(view, heading('Playground'), tabs('compare'), demoNote(models), form,
    h('div', { class: 'grid compare' }, panes.map((p) => p.el)));
}
