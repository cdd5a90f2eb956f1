// The official OpenAI Node SDK follows a DPO job from creation to its fine-tuned model, unchanged, with baseURL
// pointed at the server under test (whose worker is running). Run by OpenAiSdkTest; prints one JSON line with what it
// saw, exits non-zero on failure.
import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';

const client = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY, maxRetries: 0 });
const model = process.env.PATCHWORK_MODEL;

// OpenAI's preference file: the reversed code preferred over the code as it was
const pair = (code) => JSON.stringify({
  input: { messages: [{ role: 'user', content: `Reverse the code: ${code}` }] },
  preferred_output: [{ role: 'assistant', content: [...code].reverse().join('') }],
  non_preferred_output: [{ role: 'assistant', content: code }] });
// twelve pairs: OpenAI's minimum is ten examples
const codes = ['BHNT', 'CJPV', 'DKQW', 'FLRX', 'GMSZ', 'BJQX', 'CKRZ', 'DLNT', 'FHPW', 'GJRV', 'BKMS', 'CLQT'];
const pairs = await client.files.create({
  file: await toFile(Buffer.from(codes.map(pair).join('\n') + '\n'), 'pairs.jsonl'), purpose: 'fine-tune' });

// create the job with OpenAI's dpo method
const created = await client.fineTuning.jobs.create({
  model, training_file: pairs.id, validation_file: pairs.id, suffix: 'sdk-dpo', seed: 7,
  method: { type: 'dpo', dpo: { hyperparameters: { beta: 0.2, n_epochs: 2, batch_size: 4 } } },
});
assert.match(created.id, /^ftjob-/);
assert.equal(created.method.type, 'dpo');
assert.equal(created.method.dpo.hyperparameters.beta, 0.2);

// follow it as an OpenAI user does: poll the job, then read its events, checkpoints and model
let job = created;
const deadline = Date.now() + 150_000;
while (!['succeeded', 'failed', 'cancelled'].includes(job.status)) {
  assert.ok(Date.now() < deadline, `job still ${job.status}`);
  await new Promise((resolve) => setTimeout(resolve, 500));
  job = await client.fineTuning.jobs.retrieve(created.id);
}
assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
assert.equal(job.method.type, 'dpo');
assert.equal(job.method.dpo.hyperparameters.n_epochs, 2);
assert.equal(job.method.dpo.hyperparameters.batch_size, 4);
assert.equal(typeof job.method.dpo.hyperparameters.learning_rate_multiplier, 'number');
assert.ok(job.trained_tokens > 0);
assert.match(job.fine_tuned_model, /sdk-dpo/);

const events = [];
for await (const e of client.fineTuning.jobs.listEvents(job.id, { limit: 10 })) events.push(e);
const metrics = events.filter((e) => e.type === 'metrics' && 'train_loss' in e.data);
assert.ok(metrics.length > 0, events.map((e) => e.message).join(' | '));
const last = metrics.reduce((a, b) => (a.data.step > b.data.step ? a : b));
assert.equal(last.data.step, 6);
assert.equal(last.data.total_steps, 6);
for (const key of ['train_loss', 'train_rewards_chosen', 'train_rewards_rejected', 'train_rewards_accuracy',
  'train_rewards_margin']) {
  assert.equal(typeof last.data[key], 'number', key);
}
assert.ok(events.some((e) => e.type === 'metrics' && 'valid_rewards_margin' in e.data), 'validation metrics');

const checkpoints = await client.fineTuning.jobs.checkpoints.list(job.id);
assert.ok(checkpoints.data.length > 0);
assert.equal(checkpoints.data[0].object, 'fine_tuning.job.checkpoint');
assert.equal(checkpoints.data[0].step_number, 6);

const answer = await client.chat.completions.create({
  model: job.fine_tuned_model, temperature: 0, max_tokens: 8,
  messages: [{ role: 'user', content: 'Reverse the code: BHNT' }] });
assert.equal(answer.object, 'chat.completion');
assert.equal(answer.model, job.fine_tuned_model);
console.log(JSON.stringify({ ok: true, job: job.id, status: job.status, steps: checkpoints.data[0].step_number,
  last_loss: last.data.train_loss, margin: last.data.train_rewards_margin, model: job.fine_tuned_model }));
