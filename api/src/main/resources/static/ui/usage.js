// The Usage page: the project's tokens and requests per hour and per model (adapter or base model), from
// GET /v1/usage (an admin key sees every project's, from /v1/organization/usage/completions), charted with Chart.js.
import * as api from './api.js';
import { formatNumber, h, heading, mount } from './dom.js';

const COLORS = ['#1e88e5', '#43a047', '#e53935', '#8e24aa', '#fb8c00', '#00897b', '#6d4c41', '#3949ab'];

export async function renderUsage(view, ctx) {
  const me = await api.get('/v1/me', { signal: ctx.signal });
  const path = me.permission === 'admin' ? '/v1/organization/usage/completions' : '/v1/usage';
  const page = await api.get(path, { signal: ctx.signal });
  const hours = page.data.map((b) => b.start_time);
  const models = [...new Set(page.data.flatMap((b) => b.results.map((r) => label(r, me))))].sort();
  const series = (value) => models.map((m, i) => ({
    label: m,
    data: page.data.map((b) => b.results.filter((r) => label(r, me) === m).reduce((sum, r) => sum + value(r), 0)),
    borderColor: COLORS[i % COLORS.length],
    backgroundColor: COLORS[i % COLORS.length],
  }));
  const tokens = h('canvas', { id: 'usage-tokens', role: 'img', 'aria-label': 'Tokens per hour by model' });
  const requests = h('canvas', { id: 'usage-requests', role: 'img', 'aria-label': 'Requests per hour by model' });
  const totals = models.map((m) => [m, page.data.flatMap((b) => b.results).filter((r) => label(r, me) === m)]);
  mount(view, heading('Usage'),
    h('p', {}, me.permission === 'admin' ? 'Every project\'s inference, per hour.'
      : 'Inference of project ' + me.project_name + ', per hour and model.'),
    page.data.length === 0 ? h('p', { id: 'usage-empty' }, 'No usage yet: requests show up here once served.') : [
      h('section', {}, h('h2', {}, 'Tokens'), tokens),
      h('section', {}, h('h2', {}, 'Requests'), requests),
      h('table', { id: 'usage-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Model'), h('th', {}, 'Requests'), h('th', {}, 'Input tokens'),
          h('th', {}, 'Output tokens'))),
        h('tbody', {}, totals.map(([m, rs]) => h('tr', {}, h('td', {}, m),
          h('td', {}, formatNumber(rs.reduce((s, r) => s + r.num_model_requests, 0), 0)),
          h('td', {}, formatNumber(rs.reduce((s, r) => s + r.input_tokens, 0), 0)),
          h('td', {}, formatNumber(rs.reduce((s, r) => s + r.output_tokens, 0), 0)))))),
    ]);
  if (page.data.length === 0 || typeof window.Chart !== 'function') return;
  const labels = hours.map((t) => new Date(t * 1000).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' }));
  chart(tokens, labels, series((r) => r.input_tokens + r.output_tokens), ctx);
  chart(requests, labels, series((r) => r.num_model_requests), ctx);
}

/** A result's model, with its project when an admin sees several. */
function label(r, me) {
  return me.permission === 'admin' ? r.project_id + ' / ' + r.model : r.model;
}

function chart(canvas, labels, datasets, ctx) {
  const c = new window.Chart(canvas, {
    type: 'bar',
    data: { labels, datasets },
    options: { animation: false, responsive: true, scales: { x: { stacked: true }, y: { stacked: true } } },
  });
  ctx.signal.addEventListener('abort', () => c.destroy());
}
