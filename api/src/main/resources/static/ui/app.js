// The single-page app: hash routes (#/adapters, #/jobs/ftjob-…, #/playground, …), one view at a time. Each view
// gets a context whose AbortSignal fires when the user navigates away, which stops its polling and its streams.
import { errorBox, field, h, mount } from './dom.js';
import * as api from './api.js';
import * as adapters from './adapters.js';
import * as keys from './keys.js';
import * as usage from './usage.js';
import * as jobs from './jobs.js';
import { renderJobForm } from './job-form.js';
import * as playground from './playground.js';

const ROUTES = [
  [/^adapters$/, adapters.renderList, 'adapters', 'Adapters'],
  [/^adapters\/upload$/, adapters.renderUpload, 'adapters', 'Upload an adapter'],
  [/^adapters\/([^/]+)$/, adapters.renderDetail, 'adapters', 'Adapter'],
  [/^jobs$/, jobs.renderList, 'jobs', 'Fine-tuning jobs'],
  [/^jobs\/new$/, renderJobForm, 'jobs', 'New fine-tuning job'],
  [/^jobs\/([^/]+)$/, jobs.renderDetail, 'jobs', 'Fine-tuning job'],
  [/^playground$/, playground.renderChat, 'playground', 'Playground'],
  [/^playground\/compare$/, playground.renderCompare, 'playground', 'Compare'],
  [/^usage$/, usage.renderUsage, 'usage', 'Usage'],
  [/^keys$/, keys.renderKeys, 'keys', 'Projects and keys'],
];

const view = document.getElementById('view');
const flashArea = document.getElementById('flash');
let current = null;
let pendingFlash = null;
/** The first page keeps the browser's focus at the top (the skip link is the first Tab stop); later ones move it. */
let navigations = 0;

/** Goes to a route, e.g. navigate('#/jobs/ftjob-1'); `flash` is shown on the next page. */
export function navigate(hash, flash) {
  pendingFlash = flash ?? null;
  if (location.hash === hash) route();
  else location.hash = hash;
}

/** Who the key is (GET /v1/me), or null before a key was accepted. */
let identity = null;

async function route() {
  if (!identity) {
    signIn();
    return;
  }
  const raw = location.hash.startsWith('#/') ? location.hash.slice(2) : (identity.permission === 'admin' ? 'keys' : 'adapters');
  const [path, query] = raw.split('?');
  current?.abort();
  const controller = new AbortController();
  current = controller;
  mount(flashArea, pendingFlash ? h('p', { class: 'flash' }, pendingFlash) : null);
  pendingFlash = null;
  const match = ROUTES.map(([re, render, nav, title]) => [re.exec(path), render, nav, title]).find(([m]) => m);
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (match && a.dataset.nav === match[2]) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!match) {
    mount(view, h('h1', { tabindex: '-1' }, 'Page not found'),
      h('p', {}, 'There is no page at ', h('code', {}, location.hash), '. ', h('a', { href: '#/adapters' }, 'Go to the adapters.')));
    focusHeading();
    return;
  }
  const [m, render, , title] = match;
  document.title = title + ' · Patchwork';
  mount(view, h('p', { 'aria-busy': 'true' }, 'Loading…'));
  const ctx = {
    signal: controller.signal,
    params: m.slice(1).map(decodeURIComponent),
    query: new URLSearchParams(query ?? ''),
    navigate,
  };
  try {
    await render(view, ctx);
  } catch (e) {
    if (e.name === 'AbortError' || controller.signal.aborted) return;
    mount(view, h('h1', { tabindex: '-1' }, title), errorBox('Could not load this page:', e));
  }
  if (!controller.signal.aborted) focusHeading();
}

function focusHeading() {
  if (navigations++ === 0) return;
  const h1 = view.querySelector('h1');
  if (h1 && document.activeElement?.closest?.('#view') == null) h1.focus({ preventScroll: true });
}

/** Checks the tab's key with GET /v1/me and shows its project in the header; false when there is none or it fails. */
async function identify() {
  if (!api.apiKey()) return false;
  try {
    identity = await api.get('/v1/me');
  } catch {
    identity = null;
    return false;
  }
  const who = document.getElementById('whoami');
  mount(who, identity.permission === 'admin' ? 'Admin key' : h('span', {}, 'Project ',
    h('strong', { id: 'project-name' }, identity.project_name),
    identity.permission === 'read_only' ? ' (read-only)' : ''),
  ' · ', h('a', { href: '#', onclick: (e) => { e.preventDefault(); signOut(); } }, 'Sign out'));
  for (const a of document.querySelectorAll('[data-nav]')) {
    a.parentElement.hidden = (a.dataset.nav === 'keys') !== (identity.permission === 'admin');
  }
  return true;
}

function signOut() {
  api.setApiKey(null);
  identity = null;
  mount(document.getElementById('whoami'));
  signIn();
}

/** The key prompt: the key stays in this tab's sessionStorage and goes with every API call as a header. */
function signIn(message) {
  current?.abort();
  document.title = 'API key · Patchwork';
  const input = h('input', { type: 'password', name: 'api-key', autocomplete: 'off', required: true,
    placeholder: 'sk-proj-…' });
  const error = h('div', { role: 'alert' }, message ? errorBox(message, '') : null);
  mount(view, h('h1', { tabindex: '-1' }, 'API key'),
    h('p', {}, 'Enter an API key of your project (', h('code', {}, 'sk-proj-…'), ') or an admin key (',
      h('code', {}, 'sk-admin-…'), '). ', h('code', {}, './patchwork up'), ' prints one and keeps it in ',
      h('code', {}, 'data/api-key'), '. It is kept in this browser tab only.'),
    h('form', { onsubmit: async (e) => {
      e.preventDefault();
      api.setApiKey(input.value.trim());
      if (await identify()) route();
      else {
        api.setApiKey(null);
        mount(error, errorBox('This key was not accepted:', { message: 'it is unknown, revoked or mistyped.' }));
      }
    } }, field('API key', input), error, h('button', { type: 'submit' }, 'Use this key')));
  input.focus();
}

window.addEventListener('patchwork:unauthorized', () => {
  if (identity == null) return; // signing in: the key prompt says so itself
  api.setApiKey(null);
  identity = null;
  signIn('Your API key is no longer accepted.');
});

document.getElementById('skip-link').addEventListener('click', (e) => {
  e.preventDefault();
  document.getElementById('main').focus();
});
window.addEventListener('hashchange', route);
identify().then(route);
