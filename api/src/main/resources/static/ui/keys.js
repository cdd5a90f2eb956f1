// The Keys page (admin keys): projects, their keys, creating a key (its value shown once) and revoking one, through
// the administration API (/v1/organization/projects/…).
import * as api from './api.js';
import { confirmDialog, errorBox, field, formatTime, h, heading, mount } from './dom.js';

export async function renderKeys(view, ctx) {
  const projects = (await api.get('/v1/organization/projects?limit=100', { signal: ctx.signal })).data;
  const selected = ctx.query.get('project') ?? projects[0]?.id;
  const project = projects.find((p) => p.id === selected);
  const keys = project ? (await api.get('/v1/organization/projects/' + encodeURIComponent(project.id)
    + '/api_keys', { signal: ctx.signal })).data : [];
  const shown = h('div', { id: 'new-key', 'aria-live': 'polite' });
  const name = h('input', { name: 'key-name', required: true, maxlength: 256 });
  const permission = h('select', { name: 'permission' }, h('option', { value: 'all' }, 'All'),
    h('option', { value: 'read_only' }, 'Read-only (inference and reads)'));
  const projectName = h('input', { name: 'project-name', required: true, maxlength: 256 });
  const reload = () => ctx.navigate('#/keys?project=' + encodeURIComponent(selected ?? ''));

  mount(view, heading('Projects and keys'),
    h('section', {}, h('h2', {}, 'Projects'),
      h('ul', { id: 'projects' }, projects.map((p) => h('li', {},
        p.id === selected ? h('strong', {}, p.name) : h('a', { href: '#/keys?project=' + encodeURIComponent(p.id) },
          p.name), ' ', h('code', {}, p.id)))),
      h('form', { onsubmit: async (e) => {
        e.preventDefault();
        const p = await api.post('/v1/organization/projects', { name: projectName.value.trim() });
        ctx.navigate('#/keys?project=' + encodeURIComponent(p.id), 'Created project ' + p.name + '.');
      } }, field('New project', projectName), h('button', { type: 'submit' }, 'Create project'))),
    project ? h('section', {}, h('h2', {}, 'Keys of ' + project.name),
      h('table', { id: 'keys-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Key'), h('th', {}, 'Permission'),
          h('th', {}, 'Created'), h('th', {}, 'Last used'), h('th', {}, ''))),
        h('tbody', {}, keys.map((k) => h('tr', {}, h('td', {}, k.name), h('td', {}, h('code', {}, k.redacted_value)),
          h('td', {}, k.permission.replace('_', '-')), h('td', {}, formatTime(k.created_at)),
          h('td', {}, k.last_used_at ? formatTime(k.last_used_at) : 'never'),
          h('td', {}, h('button', { type: 'button', class: 'outline danger', onclick: () => {
            const dialog = confirmDialog('Revoke ' + k.name + '?',
              'Every request with this key is refused within seconds, on every replica.', 'Revoke', async () => {
                await api.del('/v1/organization/projects/' + encodeURIComponent(project.id) + '/api_keys/'
                  + encodeURIComponent(k.id));
                reload();
              });
            view.append(dialog);
            dialog.ask();
          } }, 'Revoke…')))))),
      h('form', { onsubmit: async (e) => {
        e.preventDefault();
        try {
          const sa = await api.post('/v1/organization/projects/' + encodeURIComponent(project.id)
            + '/service_accounts', { name: name.value.trim(), permission: permission.value });
          mount(shown, h('article', {}, h('p', {}, 'The new key, shown this once: copy it now.'),
            h('pre', { id: 'new-key-value' }, sa.api_key.value)));
        } catch (err) {
          mount(shown, errorBox('Could not create the key:', err));
        }
      } }, field('Key name', name), field('Permission', permission), h('button', { type: 'submit' }, 'Create key')),
      shown) : h('p', {}, 'No projects yet.'));
}
