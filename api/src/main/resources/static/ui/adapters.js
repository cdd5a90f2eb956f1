// Adapters: the registry's list with search and filters, one adapter's detail (configuration, lineage, versions,
// serving replicas, download, delete) and the upload form.
import * as api from './api.js';
import { confirmDialog, definitions, errorBox, field, formatBytes, formatTime, h, heading, mount, statusBadge } from './dom.js';

export async function renderList(view, ctx) {
  const [adapters, models] = await Promise.all([
    api.listAll('/v1/adapters', {}, { signal: ctx.signal }), api.models(ctx.signal)]);
  const bases = [...new Set([...models.base.map((m) => m.id), ...adapters.map((a) => a.base_model)])].sort();
  const statuses = [...new Set(adapters.map((a) => a.status))].sort();

  const search = h('input', { type: 'search', name: 'q', placeholder: 'Name, id or job', value: ctx.query.get('q') ?? '' });
  const base = h('select', { name: 'base_model' }, h('option', { value: '' }, 'Any base model'),
    bases.map((b) => h('option', { value: b }, b)));
  const status = h('select', { name: 'status' }, h('option', { value: '' }, 'Any status'),
    statuses.map((s) => h('option', { value: s }, s)));
  const count = h('p', { class: 'count', role: 'status' });
  const body = h('tbody');
  const table = h('table', { class: 'striped', id: 'adapters-table' },
    h('thead', {}, h('tr', {}, ['Name', 'Version', 'Base model', 'Status', 'Rank', 'Size', 'Created', 'Source']
      .map((c) => h('th', { scope: 'col' }, c)))),
    body);

  const refresh = () => {
    const q = search.value.trim().toLowerCase();
    const shown = adapters.filter((a) => (!base.value || a.base_model === base.value)
      && (!status.value || a.status === status.value)
      && (!q || [a.name, a.id, a.source?.job_id ?? ''].some((s) => s.toLowerCase().includes(q))));
    mount(body, shown.map(row));
    count.textContent = adapters.length === 0 ? ''
      : `Showing ${shown.length} of ${adapters.length} adapter${adapters.length === 1 ? '' : 's'}.`;
    table.hidden = shown.length === 0;
  };
  for (const control of [search, base, status]) control.addEventListener('input', refresh);

  mount(view,
    h('div', { class: 'page-head' }, heading('Adapters'),
      h('a', { href: '#/adapters/upload', role: 'button', class: 'secondary' }, 'Upload an adapter')),
    h('p', {}, 'LoRA adapters in the registry. Every version is immutable; a request names an adapter by id, ',
      'by name (its latest version) or as ', h('code', {}, 'name@version'), '.'),
    adapters.length === 0
      ? h('p', { class: 'empty' }, 'No adapters yet. ', h('a', { href: '#/jobs/new' }, 'Fine-tune one'), ' or ',
        h('a', { href: '#/adapters/upload' }, 'upload a PEFT adapter'), '.')
      : [h('form', { role: 'search', class: 'filters', onsubmit: (e) => e.preventDefault() },
          field('Search', search), field('Base model', base), field('Status', status)),
        count, h('div', { class: 'overflow-auto' }, table)]);
  refresh();
}

function row(a) {
  return h('tr', { dataset: { adapterId: a.id } },
    h('td', { class: 'nowrap' }, h('a', { href: '#/adapters/' + encodeURIComponent(a.id) }, a.name)),
    h('td', {}, 'v' + a.version),
    h('td', { class: 'nowrap' }, a.base_model),
    h('td', {}, statusBadge(a.status)),
    h('td', { class: 'num' }, a.rank),
    h('td', { class: 'num nowrap' }, formatBytes(a.size_bytes)),
    h('td', { class: 'nowrap' }, formatTime(a.created_at)),
    h('td', { class: 'id-cell' }, sourceLink(a.source)));
}

function sourceLink(source) {
  if (source?.type === 'fine_tuning') {
    return h('a', { href: '#/jobs/' + encodeURIComponent(source.job_id) }, source.job_id);
  }
  return 'upload';
}

export async function renderDetail(view, ctx) {
  const [ref] = ctx.params;
  const a = await api.get('/v1/adapters/' + encodeURIComponent(ref), { signal: ctx.signal });
  const versions = await api.listAll('/v1/adapters', { name: a.name }, { signal: ctx.signal });
  const s = a.source ?? { type: 'upload' };
  const dialog = deleteDialog(a, ctx);

  mount(view,
    h('nav', { 'aria-label': 'breadcrumb' }, h('ul', {}, h('li', {}, h('a', { href: '#/adapters' }, 'Adapters')),
      h('li', {}, a.name + ' v' + a.version))),
    h('div', { class: 'page-head' }, heading(a.name, ' ', h('small', {}, 'v' + a.version)), statusBadge(a.status)),
    h('div', { class: 'actions' },
      h('a', { href: '#/playground?model=' + encodeURIComponent(a.id), role: 'button' }, 'Chat with it'),
      h('a', { href: '/v1/adapters/' + encodeURIComponent(a.id) + '/download', role: 'button', class: 'secondary',
        download: true, onclick: (e) => {
          e.preventDefault();
          api.download('/v1/adapters/' + encodeURIComponent(a.id) + '/download', a.name + '-v' + a.version + '.zip')
            .catch((err) => mount(document.getElementById('flash'), errorBox('Could not download:', err)));
        } }, 'Download (PEFT zip)'),
      h('button', { type: 'button', class: 'outline danger', onclick: () => dialog.ask() }, 'Delete…')),
    h('div', { class: 'grid' },
      h('section', {}, h('h2', {}, 'Configuration'), definitions([
        ['Id', h('code', {}, a.id)],
        ['Base model', a.base_model],
        ['Rank (r)', String(a.rank)],
        ['LoRA alpha', String(a.lora_alpha)],
        ['rsLoRA', a.use_rslora ? 'yes' : 'no'],
        ['Target modules', a.target_modules.join(', ')],
        ['Size', formatBytes(a.size_bytes)],
        ['SHA-256', h('code', { class: 'hash' }, a.sha256)],
        ['Created', formatTime(a.created_at)],
      ])),
      h('section', {}, h('h2', {}, 'Lineage'), s.type === 'fine_tuning'
        ? definitions([
          ['Source', 'fine-tuning job'],
          ['Job', h('a', { href: '#/jobs/' + encodeURIComponent(s.job_id) }, s.job_id)],
          ['Training file', s.training_file ? h('code', {}, s.training_file) : null],
          ['Hyperparameters', s.hyperparameters
            ? Object.entries(s.hyperparameters).map(([k, v]) => `${k} ${v}`).join(', ') : null],
        ])
        : h('p', {}, 'Uploaded as PEFT files.'),
      h('h2', {}, 'Serving'), servingReplicas(a))),
    h('section', {}, h('h2', {}, 'Versions of ', h('code', {}, a.name)),
      h('table', { class: 'striped' },
        h('thead', {}, h('tr', {}, ['Version', 'Id', 'Rank', 'Size', 'Created'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, versions.map((v) => h('tr', { 'aria-current': v.id === a.id ? 'true' : null },
          h('td', {}, v.id === a.id ? 'v' + v.version + ' (this one)'
            : h('a', { href: '#/adapters/' + encodeURIComponent(v.id) }, 'v' + v.version)),
          h('td', {}, h('code', {}, v.id)), h('td', { class: 'num' }, v.rank),
          h('td', { class: 'num' }, formatBytes(v.size_bytes)), h('td', {}, formatTime(v.created_at))))))),
    dialog);
}

function servingReplicas(a) {
  const on = Array.isArray(a.loaded_on) ? a.loaded_on : [];
  if (on.length === 0) return h('p', { id: 'loaded-on' }, 'Not loaded on any serving replica yet: the first request loads it.');
  return h('div', { id: 'loaded-on' }, h('p', {}, `Loaded on ${on.length} serving replica${on.length === 1 ? '' : 's'}:`),
    h('ul', {}, on.map((r) => h('li', {}, h('code', {}, r)))));
}

function deleteDialog(a, ctx) {
  return confirmDialog(`Delete ${a.name} v${a.version}?`,
    'Serving replicas stop serving this version; other versions of the name stay. This cannot be undone.', 'Delete',
    async () => {
      await api.del('/v1/adapters/' + encodeURIComponent(a.id), { signal: ctx.signal });
      ctx.navigate('#/adapters', `Deleted ${a.name} v${a.version}.`);
    });
}

export async function renderUpload(view, ctx) {
  const { base } = await api.models(ctx.signal);
  const name = h('input', { name: 'name', required: true, pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]*', autocomplete: 'off' });
  const model = h('select', { name: 'base_model', required: true }, base.map((m) => h('option', { value: m.id }, m.id)));
  const config = h('input', { type: 'file', name: 'adapter_config', accept: '.json' });
  const weights = h('input', { type: 'file', name: 'adapter_model', accept: '.safetensors' });
  const archive = h('input', { type: 'file', name: 'archive', accept: '.zip,.tar.gz,.tgz' });
  const problem = h('div');
  const submit = h('button', { type: 'submit' }, 'Upload');
  const form = h('form', { id: 'upload-form' },
    field('Name', name, 'Letters, digits, dots, dashes and underscores. An existing name gets a new version.'),
    field('Base model', model),
    h('fieldset', {}, h('legend', {}, 'PEFT files'),
      field('adapter_config.json', config), field('adapter_model.safetensors', weights),
      field('…or one archive with both', archive, 'A .zip or .tar.gz as PEFT saves it.')),
    problem, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    mount(problem);
    const data = new FormData();
    data.set('name', name.value.trim());
    data.set('base_model', model.value);
    for (const input of [config, weights, archive]) if (input.files[0]) data.set(input.name, input.files[0]);
    submit.setAttribute('aria-busy', 'true');
    try {
      const a = await api.upload('/v1/adapters', data, { signal: ctx.signal });
      ctx.navigate('#/adapters/' + encodeURIComponent(a.id), `Uploaded ${a.name} v${a.version}.`);
    } catch (err) {
      if (err.name !== 'AbortError') mount(problem, errorBox('Could not upload the adapter:', err));
    } finally {
      submit.removeAttribute('aria-busy');
    }
  });
  mount(view,
    h('nav', { 'aria-label': 'breadcrumb' }, h('ul', {}, h('li', {}, h('a', { href: '#/adapters' }, 'Adapters')),
      h('li', {}, 'Upload'))),
    heading('Upload an adapter'),
    h('p', {}, 'A PEFT LoRA adapter trained elsewhere. It is validated completely against the base model before it is stored.'),
    form);
}
