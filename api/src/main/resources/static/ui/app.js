// The single-page app: hash routes (#/adapters, #/jobs/ftjob-…, #/playground, …), one view at a time. Each view
// gets a context whose AbortSignal fires when the user navigates away, which stops its polling and its streams.
import { errorBox, h, mount } from './dom.js';
import * as adapters from './adapters.js';
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

async function route() {
  const raw = location.hash.startsWith('#/') ? location.hash.slice(2) : 'adapters';
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

document.getElementById('skip-link').addEventListener('click', (e) => {
  e.preventDefault();
  document.getElementById('main').focus();
});
window.addEventListener('hashchange', route);
route();
