// Small DOM helpers: elements are built with h(), never from HTML strings, so API data is always text.

/**
 * h('a', {href: '#/x', class: 'y', onclick: fn, dataset: {k: 'v'}}, 'text', child, [more]) -> element.
 * Keys starting with "on" add listeners; `true`/`false` set or drop boolean attributes; null and undefined are skipped.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value == null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'value') el.value = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * A labelled form field: <div><label for>Text</label><input …><small>hint</small></div>. The hint stays outside the
 * label, so that the control's accessible name is the label alone; aria-describedby points at the hint.
 */
export function field(label, control, hint) {
  const id = control.id || (control.id = 'f-' + Math.random().toString(36).slice(2, 9));
  const help = hint ? h('small', { id: id + '-hint' }, hint) : null;
  if (help) control.setAttribute('aria-describedby', help.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, help);
}

/** An error in plain words, announced to screen readers. */
export function errorBox(title, error) {
  return h('article', { class: 'error-box', role: 'alert' },
    h('strong', {}, title), ' ', error?.message ?? String(error));
}

export function statusBadge(status) {
  return h('span', { class: 'badge status-' + status, dataset: { status } }, status.replaceAll('_', ' '));
}

export function formatBytes(n) {
  if (n == null) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
}

/** "Nov 23, 7:06 PM" this year, "Nov 23, 2025, 7:06 PM" before. */
export function formatTime(seconds) {
  if (seconds == null) return '–';
  const d = new Date(seconds * 1000);
  const sameYear = d.getFullYear() === new Date().getFullYear();
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', year: sameYear ? undefined : 'numeric',
    hour: 'numeric', minute: '2-digit' });
}

export function formatDuration(seconds) {
  if (seconds == null || !isFinite(seconds)) return '–';
  seconds = Math.max(0, Math.round(seconds));
  if (seconds < 60) return seconds + ' s';
  if (seconds < 3600) return Math.floor(seconds / 60) + ' min ' + (seconds % 60) + ' s';
  return Math.floor(seconds / 3600) + ' h ' + Math.floor((seconds % 3600) / 60) + ' min';
}

export function formatNumber(x, digits = 4) {
  if (x == null || typeof x !== 'number') return x ?? '–';
  return Number.isInteger(x) ? String(x) : x.toPrecision(digits);
}

/** A <dl> from [term, description] pairs; pairs whose description is null are left out. */
export function definitions(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, d]) => d != null)
    .map(([t, d]) => [h('dt', {}, t), h('dd', {}, d)]));
}

/** The page heading; the router focuses it after each navigation so that keyboard users start there. */
export function heading(text, ...extra) {
  return h('h1', { tabindex: '-1' }, text, ...extra);
}

/**
 * A modal <dialog> asking to confirm a destructive action; `action` runs on confirm and may throw, which is shown
 * inside the dialog. Returns the dialog (append it to the page) with ask() to show it.
 */
export function confirmDialog(title, text, label, action) {
  const problem = h('div');
  const titleId = 'dlg-' + Math.random().toString(36).slice(2, 9);
  const confirm = h('button', { type: 'button', class: 'danger' }, label);
  const dialog = h('dialog', { 'aria-labelledby': titleId },
    h('article', {}, h('h2', { id: titleId }, title), h('p', {}, text), problem,
      h('footer', {},
        h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Keep it'), ' ', confirm)));
  confirm.addEventListener('click', async () => {
    confirm.setAttribute('aria-busy', 'true');
    try {
      await action();
      dialog.close();
    } catch (e) {
      if (e.name !== 'AbortError') mount(problem, errorBox('It did not work:', e));
    } finally {
      confirm.removeAttribute('aria-busy');
    }
  });
  dialog.ask = () => { mount(problem); dialog.showModal(); };
  return dialog;
}
