// Fine-tuning jobs: the list with status and progress bars, and one job's page with its live chart, progress,
// details, checkpoints and events, polled while the job runs, and a cancel button.
import * as api from './api.js';
import {
  confirmDialog, definitions, errorBox, formatDuration, formatNumber, formatTime, h, heading, mount, statusBadge,
} from './dom.js';
import { MetricsChart, metricsOf } from './metrics-chart.js';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const POLL_MS = 1000;
/** Progress of finished jobs, which no longer changes: job id -> progress. */
const finishedProgress = new Map();

export const methodName = (job) => ({ supervised: 'SFT', dpo: 'DPO', reinforcement: 'RFT' })[job.method?.type] ?? job.method?.type ?? 'SFT';

/** {step, total, eta} from the latest metrics event; a succeeded job is complete. */
export function progressOf(job, metrics) {
  const last = [...metrics].reverse().find((m) => m.total_steps);
  const p = { step: last?.step ?? 0, total: last?.total_steps ?? null, eta: last?.eta_seconds ?? null };
  if (job.status === 'succeeded') return { step: p.total ?? 1, total: p.total ?? 1, eta: 0 };
  return p;
}

function progressBar(job, p, id) {
  const label = `Progress of ${job.id}`;
  if (p.total == null) {
    const waiting = job.status === 'running' ? 'starting…' : TERMINAL.has(job.status) ? 'no steps ran' : 'waiting';
    return h('div', { class: 'progress' }, h('progress', { id, 'aria-label': label, ...(job.status === 'running' ? {} : { value: 0, max: 1 }) }),
      h('small', {}, waiting));
  }
  const pct = Math.round((100 * p.step) / p.total);
  return h('div', { class: 'progress' },
    h('progress', { id, value: p.step, max: p.total, 'aria-label': label, dataset: { step: p.step, total: p.total } }),
    h('small', {}, `Step ${p.step} of ${p.total} (${pct} %)`,
      !TERMINAL.has(job.status) && p.eta != null ? ` · about ${formatDuration(p.eta)} left` : ''));
}

async function jobProgress(job, signal) {
  if (finishedProgress.has(job.id)) return finishedProgress.get(job.id);
  const events = (await api.get(`/v1/fine_tuning/jobs/${job.id}/events?limit=30`, { signal })).data;
  const p = progressOf(job, metricsOf(events));
  if (TERMINAL.has(job.status)) finishedProgress.set(job.id, p);
  return p;
}

export async function renderList(view, ctx) {
  const body = h('tbody');
  const table = h('table', { class: 'striped', id: 'jobs-table' },
    h('thead', {}, h('tr', {}, ['Job', 'Status', 'Progress', 'Fine-tuned model', 'Created']
      .map((c) => h('th', { scope: 'col' }, c)))), body);
  const empty = h('p', { class: 'empty', hidden: true }, 'No fine-tuning jobs yet. ',
    h('a', { href: '#/jobs/new' }, 'Start one'), '.');
  const problem = h('div');
  mount(view,
    h('div', { class: 'page-head' }, heading('Fine-tuning jobs'),
      h('a', { href: '#/jobs/new', role: 'button' }, 'New fine-tuning job')),
    h('p', {}, 'LoRA fine-tuning runs on worker processes; each succeeded job registers its adapter.'),
    problem, empty, h('div', { class: 'overflow-auto' }, table));

  const refresh = async () => {
    const jobs = (await api.get('/v1/fine_tuning/jobs?limit=50', { signal: ctx.signal })).data;
    const progress = await Promise.all(jobs.map((j) => jobProgress(j, ctx.signal)));
    mount(body, jobs.map((j, i) => h('tr', { dataset: { jobId: j.id, status: j.status } },
      h('td', {}, h('a', { href: '#/jobs/' + encodeURIComponent(j.id) }, j.id),
        h('small', { class: 'sub' }, `${methodName(j)} on ${j.model}`)),
      h('td', {}, statusBadge(j.status)),
      h('td', {}, progressBar(j, progress[i], null)),
      h('td', { class: 'id-cell' }, j.fine_tuned_model
        ? h('a', { href: '#/adapters/' + encodeURIComponent(j.fine_tuned_model) }, j.fine_tuned_model) : '–'),
      h('td', { class: 'nowrap' }, formatTime(j.created_at)))));
    empty.hidden = jobs.length > 0;
    table.hidden = jobs.length === 0;
    mount(problem);
    return jobs.some((j) => !TERMINAL.has(j.status));
  };
  await refresh();
  poll(ctx, refresh, problem);
}

/** Calls refresh every POLL_MS while it answers true, until the user leaves the page; shows failures in `problem`. */
function poll(ctx, refresh, problem, again = true) {
  const tick = async () => {
    if (ctx.signal.aborted) return;
    let more = true;
    try {
      more = await refresh();
    } catch (e) {
      if (e.name === 'AbortError' || ctx.signal.aborted) return;
      mount(problem, errorBox('Could not refresh:', e));
    }
    if (more && !ctx.signal.aborted) setTimeout(tick, POLL_MS);
  };
  if (again) setTimeout(tick, POLL_MS);
}

export async function renderDetail(view, ctx) {
  const [id] = ctx.params;
  const path = '/v1/fine_tuning/jobs/' + encodeURIComponent(id);
  const slots = {
    status: h('span'), actions: h('div', { class: 'actions' }), progress: h('div', { class: 'progress-block' }), error: h('div'),
    details: h('section'), checkpoints: h('section'), events: h('ol', { class: 'events', id: 'events' }),
    table: h('tbody'), problem: h('div'),
  };
  const canvas = h('canvas', { id: 'metrics-chart', role: 'img', dataset: { points: '0' } });
  const chart = new MetricsChart(canvas);
  ctx.signal.addEventListener('abort', () => chart.destroy());
  const chartTitle = h('h2', { id: 'chart-title' }, 'Training loss');
  const cancel = confirmDialog(`Cancel job ${id}?`, 'The worker stops within one training step. '
    + 'Checkpoints stay; no adapter is registered.', 'Cancel job', async () => {
    await api.post(path + '/cancel', undefined, { signal: ctx.signal });
    await refresh();
  });

  mount(view,
    h('nav', { 'aria-label': 'breadcrumb' }, h('ul', {}, h('li', {}, h('a', { href: '#/jobs' }, 'Fine-tuning jobs')),
      h('li', {}, id))),
    h('div', { class: 'page-head' }, heading('Job ', h('code', {}, id)), slots.status),
    slots.actions, slots.problem, slots.progress, slots.error,
    h('section', { 'aria-labelledby': 'chart-title' }, chartTitle,
      h('div', { class: 'chart-box' }, canvas),
      h('details', {}, h('summary', {}, 'Metrics as a table'),
        h('div', { class: 'overflow-auto' }, h('table', { class: 'striped' },
          h('thead', {}, h('tr', {}, ['Step', 'Metrics'].map((c) => h('th', { scope: 'col' }, c)))), slots.table)))),
    h('div', { class: 'grid' }, slots.details, slots.checkpoints),
    h('section', {}, h('h2', {}, 'Events'), slots.events),
    cancel);

  async function refresh() {
    const [job, events, checkpoints] = await Promise.all([
      api.get(path, { signal: ctx.signal }),
      api.listAll(path + '/events', {}, { pageSize: 1000, max: 5000, signal: ctx.signal }),
      api.get(path + '/checkpoints?limit=100', { signal: ctx.signal }).then((p) => p.data),
    ]);
    const metrics = metricsOf(events);
    chart.update(metrics);
    chartTitle.textContent = { reward: 'Reward', margin: 'DPO reward margin' }[canvas.dataset.kind] ?? 'Training loss';
    mount(slots.status, statusBadge(job.status));
    mount(slots.actions, actions(job, cancel));
    mount(slots.progress, progressBar(job, progressOf(job, metrics), 'job-progress'));
    mount(slots.error, job.error ? errorBox('The job failed:', job.error) : null);
    mount(slots.table, metrics.slice(-200).reverse().map((m) => h('tr', {}, h('td', { class: 'num' }, m.step),
      h('td', {}, Object.entries(m).filter(([k]) => k !== 'step' && k !== 'total_steps')
        .map(([k, v]) => `${k} ${formatNumber(v)}`).join(', ')))));
    mount(slots.details, h('h2', {}, 'Details'), details(job));
    mount(slots.checkpoints, h('h2', {}, 'Checkpoints'), checkpointTable(checkpoints));
    mount(slots.events, events.map((e) => h('li', { class: 'level-' + e.level },
      h('time', { datetime: new Date(e.created_at * 1000).toISOString() },
        new Date(e.created_at * 1000).toLocaleTimeString()), ' ', e.message)));
    mount(slots.problem);
    return !TERMINAL.has(job.status);
  }
  const more = await refresh();
  poll(ctx, refresh, slots.problem, more);
}

function actions(job, cancel) {
  const out = [];
  if (!TERMINAL.has(job.status)) {
    out.push(h('button', { type: 'button', class: 'outline danger', onclick: () => cancel.ask() }, 'Cancel job…'));
  }
  if (job.fine_tuned_model) {
    out.push(h('a', { href: '#/adapters/' + encodeURIComponent(job.fine_tuned_model), role: 'button', class: 'secondary' },
      'Open the adapter'));
    out.push(h('a', { href: '#/playground?model=' + encodeURIComponent(job.fine_tuned_model), role: 'button' },
      'Chat with it'));
  }
  return out;
}

function details(job) {
  const hp = job.method?.[job.method?.type]?.hyperparameters ?? job.hyperparameters ?? {};
  const pw = job.patchwork ?? {};
  const lora = pw.lora ?? {};
  return definitions([
    ['Base model', job.model],
    ['Method', methodName(job) + (job.method?.type ? ` (${job.method.type})` : '')],
    ['Training file', h('a', { href: `/v1/files/${job.training_file}/content` }, job.training_file)],
    ['Validation file', job.validation_file
      ? h('a', { href: `/v1/files/${job.validation_file}/content` }, job.validation_file) : null],
    ['Hyperparameters', Object.entries(hp).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['LoRA', lora.r != null ? `r ${lora.r}, alpha ${lora.alpha}, dropout ${lora.dropout}, ${(lora.target_modules ?? []).join(' ')}` : null],
    ['Schedule', pw.lr_scheduler ? `${pw.lr_scheduler}, warmup ${pw.warmup_steps}, max steps ${pw.max_steps ?? 'none'}` : null],
    ['Seed', String(job.seed)],
    ['Suffix', job.user_provided_suffix],
    ['Trained tokens', job.trained_tokens != null ? job.trained_tokens.toLocaleString() : null],
    ['Created', formatTime(job.created_at)],
    ['Finished', job.finished_at ? formatTime(job.finished_at) : null],
    ['Fine-tuned model', job.fine_tuned_model
      ? h('a', { href: '#/adapters/' + encodeURIComponent(job.fine_tuned_model) }, job.fine_tuned_model) : null],
    ['Result files', job.result_files?.length
      ? job.result_files.map((f) => h('a', { href: `/v1/files/${f}/content` }, f)) : null],
  ]);
}

function checkpointTable(checkpoints) {
  if (checkpoints.length === 0) return h('p', {}, 'No checkpoints yet.');
  return h('div', { class: 'overflow-auto' }, h('table', { class: 'striped', id: 'checkpoints' },
    h('thead', {}, h('tr', {}, ['Step', ...(checkpoints.some((c) => 'reward_mean' in (c.metrics ?? {}))
      ? ['Mean reward', 'Evaluation reward'] : ['Training loss', 'Validation loss'])]
      .map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, checkpoints.map((c) => h('tr', {},
      h('td', { class: 'num' }, c.step_number),
      h('td', { class: 'num' }, formatNumber(c.metrics?.train_loss ?? c.metrics?.reward_mean)),
      h('td', { class: 'num' }, formatNumber(c.metrics?.valid_loss ?? c.metrics?.eval_reward_mean)))))));
}
