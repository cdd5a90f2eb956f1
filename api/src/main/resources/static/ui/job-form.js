// The create-job form: a dataset (uploaded here or picked from earlier uploads), a base model, SFT, DPO or RFT, and the
// hyperparameters with their defaults shown. Only fields the user filled in are sent; the rest stay "auto".
import * as api from './api.js';
import { errorBox, field, h, heading, mount } from './dom.js';

const DEFAULT_GRADER = JSON.stringify({
  type: 'string_check', name: 'exact answer', input: '{{sample.output_text}}', reference: '{{item.answer}}',
  operation: 'eq',
}, null, 2);

const num = (name, props = {}) => h('input', { type: 'number', name, step: 'any', inputmode: 'decimal', ...props });

export async function renderJobForm(view, ctx) {
  const [models, files] = await Promise.all([
    api.models(ctx.signal), api.listAll('/v1/files', { purpose: 'fine-tune' }, { signal: ctx.signal, max: 200 })]);
  const f = {
    model: h('select', { name: 'model', required: true }, models.base.map((m) => h('option', { value: m.id }, m.id))),
    upload: h('input', { type: 'file', name: 'training_upload', accept: '.jsonl,application/jsonl,text/plain' }),
    existing: h('select', { name: 'training_file' }, h('option', { value: '' }, '— none: upload a file above —'),
      files.map((x) => h('option', { value: x.id }, `${x.filename} (${x.id})`))),
    validation: h('input', { type: 'file', name: 'validation_upload', accept: '.jsonl' }),
    n_epochs: num('n_epochs', { min: 1, max: 50, step: 1, placeholder: 'auto' }),
    batch_size: num('batch_size', { min: 1, max: 256, step: 1, placeholder: 'auto' }),
    learning_rate_multiplier: num('learning_rate_multiplier', { min: 0, placeholder: 'auto' }),
    r: num('lora_r', { min: 1, max: 256, step: 1, value: 16 }),
    alpha: num('lora_alpha', { min: 0, value: 32 }),
    max_steps: num('max_steps', { min: 1, step: 1, placeholder: 'no limit' }),
    suffix: h('input', { name: 'suffix', maxlength: 40, autocomplete: 'off' }),
    seed: num('seed', { step: 1, placeholder: 'random' }),
    lr_scheduler: h('select', { name: 'lr_scheduler' }, ['cosine', 'linear', 'constant'].map((s) => h('option', { value: s }, s))),
    warmup_steps: num('warmup_steps', { min: 0, step: 1, placeholder: 'auto (3 % of the run)' }),
    eval_interval: num('eval_interval', { min: 1, step: 1, placeholder: 'auto' }),
    checkpoint_interval: num('checkpoint_interval', { min: 1, step: 1, placeholder: 'auto' }),
    micro_batch_size: num('micro_batch_size', { min: 1, max: 256, step: 1, value: 8 }),
    progress_interval: num('progress_interval', { min: 1, max: 10, step: 1, placeholder: 'auto' }),
    grader: h('textarea', { name: 'grader', rows: 7, spellcheck: 'false', class: 'mono' }, DEFAULT_GRADER),
    group_size: num('group_size', { min: 2, step: 1, placeholder: '8' }),
    beta: num('beta', { min: 0, placeholder: '0' }),
    epsilon: num('epsilon', { min: 0, max: 1, placeholder: '0.2' }),
    max_completion_tokens: num('max_completion_tokens', { min: 1, step: 1, placeholder: '256' }),
    temperature: num('temperature', { min: 0, placeholder: '1' }),
    num_iterations: num('num_iterations', { min: 1, step: 1, placeholder: '1' }),
    dpo_beta: num('dpo_beta', { min: 0, max: 2, placeholder: '0.1' }),
    initial_adapter: h('select', { name: 'initial_adapter' }, h('option', { value: '' }, '— none: start from the base model —'),
      models.adapters.map((m) => h('option', { value: m.id }, m.id))),
  };
  const sft = h('input', { type: 'radio', name: 'method', value: 'supervised', id: 'method-sft', checked: true });
  const dpo = h('input', { type: 'radio', name: 'method', value: 'dpo', id: 'method-dpo' });
  const rft = h('input', { type: 'radio', name: 'method', value: 'reinforcement', id: 'method-rft' });
  const dpoFields = h('fieldset', { id: 'dpo-fields' }, h('legend', {}, 'Preference (DPO)'),
    field('DPO β', f.dpo_beta, 'default 0.1; higher keeps the adapter closer to the reference'));
  const uploadField = field('Upload a training file', f.upload, ' ');
  const formatHint = uploadField.querySelector('small');
  const rftFields = h('fieldset', { id: 'rft-fields' }, h('legend', {}, 'Reinforcement (GRPO)'),
    field('Grader (JSON)', f.grader, 'Scores each sampled answer. {{item.answer}} is the "answer" field of the '
      + 'training line, {{sample.output_text}} the model\'s answer.'),
    h('div', { class: 'grid' }, field('Group size', f.group_size, 'answers sampled per prompt; default 8'),
      field('KL weight β', f.beta, 'default 0: no KL penalty'), field('Clip ε', f.epsilon, 'default 0.2')),
    h('div', { class: 'grid' }, field('Max completion tokens', f.max_completion_tokens, 'default 256'),
      field('Sampling temperature', f.temperature, 'default 1'),
      field('Updates per batch', f.num_iterations, 'default 1; above 1 the ratio clips')),
    field('Start from adapter', f.initial_adapter, 'e.g. an SFT adapter of the same base model'));
  const syncMethod = () => {
    rftFields.hidden = !rft.checked;
    dpoFields.hidden = !dpo.checked;
    if (rft.checked) {
      formatHint.textContent = 'JSONL, one prompt a line: {"messages": [{"role": "user", "content": "…"}], "answer": "…"}; the grader sees every other key as item.<key>.';
    } else if (dpo.checked) {
      formatHint.textContent = 'JSONL, one pair a line: {"input": {"messages": [{"role": "user", "content": "…"}]}, "preferred_output": [{"role": "assistant", "content": "…"}], "non_preferred_output": [{"role": "assistant", "content": "…"}]}.';
    } else {
      formatHint.textContent = 'JSONL, one conversation a line: {"messages": [{"role": "user", "content": "…"}, {"role": "assistant", "content": "…"}]}.';
    }
  };
  sft.addEventListener('change', syncMethod);
  dpo.addEventListener('change', syncMethod);
  rft.addEventListener('change', syncMethod);
  syncMethod();

  const status = h('p', { role: 'status', class: 'muted' });
  const problem = h('div');
  const submit = h('button', { type: 'submit', id: 'start-job' }, 'Start fine-tuning');
  const form = h('form', { id: 'job-form', novalidate: false },
    h('div', { class: 'grid' }, field('Base model', f.model),
      h('fieldset', {}, h('legend', {}, 'Method'),
        h('label', { for: 'method-sft' }, sft, 'Supervised (SFT): learn from example answers'),
        h('label', { for: 'method-dpo' }, dpo, 'Preference (DPO): learn from preferred and rejected answers'),
        h('label', { for: 'method-rft' }, rft, 'Reinforcement (RFT): learn from a grader\'s rewards'))),
    h('fieldset', {}, h('legend', {}, 'Training data'),
      uploadField,
      field('…or use a file uploaded before', f.existing),
      field('Validation file (optional)', f.validation, 'Held-out lines, evaluated during training and charted with the training curve.')),
    h('fieldset', {}, h('legend', {}, 'Hyperparameters'),
      h('div', { class: 'grid' },
        field('Epochs', f.n_epochs, 'auto: 3, or up to 10 so that training sees 1,600 examples'),
        field('Batch size', f.batch_size, 'auto: a tenth of the file, 1 to 16'),
        field('Learning rate multiplier', f.learning_rate_multiplier, 'times 2e-4; auto: √(4096 / hidden size), 1 to 16')),
      h('div', { class: 'grid' },
        field('LoRA rank r', f.r, 'default 16'), field('LoRA alpha', f.alpha, 'default 32; the scale is alpha / r'),
        field('Max steps', f.max_steps, 'stop early after this many optimizer steps'))),
    h('details', {}, h('summary', {}, 'More options'),
      h('div', { class: 'grid' }, field('Name suffix', f.suffix, 'part of the adapter name'), field('Seed', f.seed),
        field('Learning rate schedule', f.lr_scheduler, 'default cosine, to 10 % of the peak')),
      h('div', { class: 'grid' }, field('Warmup steps', f.warmup_steps), field('Evaluate every (steps)', f.eval_interval),
        field('Checkpoint every (steps)', f.checkpoint_interval)),
      h('div', { class: 'grid' }, field('Micro-batch size', f.micro_batch_size, 'default 8'),
        field('Progress every (steps)', f.progress_interval, 'auto: 10 for SFT, every step for RFT'), h('div'))),
    dpoFields, rftFields, problem, status, submit);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    mount(problem);
    let step = 'read the form';
    submit.setAttribute('aria-busy', 'true');
    submit.disabled = true;
    try {
      const body = requestOf(f, rft.checked ? 'reinforcement' : dpo.checked ? 'dpo' : 'supervised');
      if (f.upload.files[0]) {
        step = 'upload the training file';
        status.textContent = 'Uploading the training file…';
        body.training_file = (await uploadFile(f.upload.files[0], ctx.signal)).id;
      }
      if (!body.training_file) throw new Error('Choose a training file: upload one or pick one uploaded before.');
      if (f.validation.files[0]) {
        step = 'upload the validation file';
        status.textContent = 'Uploading the validation file…';
        body.validation_file = (await uploadFile(f.validation.files[0], ctx.signal)).id;
      }
      step = 'create the job';
      status.textContent = 'Creating the job…';
      const job = await api.post('/v1/fine_tuning/jobs', body, { signal: ctx.signal });
      ctx.navigate('#/jobs/' + encodeURIComponent(job.id), `Started job ${job.id}.`);
    } catch (err) {
      if (err.name === 'AbortError') return;
      status.textContent = '';
      mount(problem, errorBox(`Could not ${step}:`, err));
      problem.scrollIntoView({ block: 'center' });
    } finally {
      submit.removeAttribute('aria-busy');
      submit.disabled = false;
    }
  });

  mount(view,
    h('nav', { 'aria-label': 'breadcrumb' }, h('ul', {}, h('li', {}, h('a', { href: '#/jobs' }, 'Fine-tuning jobs')),
      h('li', {}, 'New'))),
    heading('New fine-tuning job'),
    h('p', {}, 'A worker validates the data, trains a LoRA adapter on the base model and registers it; ',
      'it is servable as soon as the job succeeds.'),
    form);
}

function uploadFile(file, signal) {
  const data = new FormData();
  data.set('purpose', 'fine-tune');
  data.set('file', file);
  return api.upload('/v1/files', data, { signal });
}

/** The create-job body from the filled-in fields. */
function requestOf(f, method) {
  const value = (input) => (input.value.trim() === '' ? undefined : Number(input.value));
  const pick = (entries) => Object.fromEntries(entries.filter(([, v]) => v !== undefined && v !== ''));
  const hyperparameters = pick([['n_epochs', value(f.n_epochs)], ['batch_size', value(f.batch_size)],
    ['learning_rate_multiplier', value(f.learning_rate_multiplier)]]);
  const patchwork = pick([
    ['lora', pick([['r', value(f.r)], ['alpha', value(f.alpha)]])],
    ['max_steps', value(f.max_steps)], ['lr_scheduler', f.lr_scheduler.value], ['warmup_steps', value(f.warmup_steps)],
    ['eval_interval', value(f.eval_interval)], ['checkpoint_interval', value(f.checkpoint_interval)],
    ['micro_batch_size', value(f.micro_batch_size)], ['progress_interval', value(f.progress_interval)],
  ]);
  const body = pick([['model', f.model.value], ['training_file', f.existing.value || undefined],
    ['suffix', f.suffix.value.trim() || undefined], ['seed', value(f.seed)]]);
  if (method === 'reinforcement') {
    let grader;
    try {
      grader = JSON.parse(f.grader.value);
    } catch (e) {
      throw new Error('The grader is not valid JSON: ' + e.message);
    }
    body.method = { type: 'reinforcement', reinforcement: { grader, hyperparameters } };
    Object.assign(patchwork, pick([['group_size', value(f.group_size)], ['beta', value(f.beta)],
      ['epsilon', value(f.epsilon)], ['max_completion_tokens', value(f.max_completion_tokens)],
      ['temperature', value(f.temperature)], ['num_iterations', value(f.num_iterations)],
      ['initial_adapter', f.initial_adapter.value || undefined]]));
  } else if (method === 'dpo') {
    body.method = { type: 'dpo', dpo: { hyperparameters: { ...hyperparameters, ...pick([['beta', value(f.dpo_beta)]]) } } };
  } else {
    body.method = { type: 'supervised', supervised: { hyperparameters } };
  }
  body.patchwork = patchwork;
  return body;
}
