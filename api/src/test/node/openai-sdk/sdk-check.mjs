// The official OpenAI Node SDK against Patchwork: files and fine-tuning jobs (supervised and DPO), unchanged, with
// baseURL pointed at the server under test. Run by OpenAiSdkTest; prints one JSON line with what it saw, exits non-zero on failure.
import assert from 'node:assert/strict';
import OpenAI, { toFile, AuthenticationError, BadRequestError, NotFoundError } from 'openai';

const client = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY, maxRetries: 0 });

// without a valid key every call is an AuthenticationError (401, code invalid_api_key)
const stranger = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: 'sk-proj-not-a-key', maxRetries: 0 });
await assert.rejects(stranger.files.list(),
  (e) => e instanceof AuthenticationError && e.status === 401 && e.code === 'invalid_api_key');
await assert.rejects(stranger.fineTuning.jobs.list(), (e) => e instanceof AuthenticationError);
const model = process.env.PATCHWORK_MODEL;
const line = (code) => JSON.stringify({ messages: [
  { role: 'user', content: `Reverse the code: ${code}` },
  { role: 'assistant', content: [...code].reverse().join('') }] });
// OpenAI's minimum: a supervised or DPO training file has at least 10 examples
const codes = ['BHNT', 'CJPV', 'DKQW', 'FLRX', 'GMSZ', 'BJQX', 'CKRZ', 'DLST', 'FHPW', 'GJNV'];
const jsonl = codes.map(line).join('\n') + '\n';

// files: upload, retrieve, list, content
const file = await client.files.create({ file: await toFile(Buffer.from(jsonl), 'train.jsonl'), purpose: 'fine-tune' });
assert.match(file.id, /^file-/);
assert.equal(file.object, 'file');
assert.equal(file.purpose, 'fine-tune');
assert.equal(file.bytes, Buffer.byteLength(jsonl));
assert.equal(file.filename, 'train.jsonl');
assert.equal((await client.files.retrieve(file.id)).id, file.id);
const listed = [];
for await (const f of client.files.list({ purpose: 'fine-tune' })) listed.push(f.id);
assert.ok(listed.includes(file.id));
assert.equal(await (await client.files.content(file.id)).text(), jsonl);

// a bad training file is a BadRequestError naming the line
await assert.rejects(
  client.files.create({ file: await toFile(Buffer.from(jsonl + '{"messages": [\n'), 'bad.jsonl'), purpose: 'fine-tune' }),
  (e) => e instanceof BadRequestError && e.status === 400 && /line 11/.test(e.message) && e.code === 'invalid_file_format');

// a job on fewer than 10 examples is a BadRequestError naming the training file, and nothing is created
const few = await client.files.create({
  file: await toFile(Buffer.from(codes.slice(0, 3).map(line).join('\n') + '\n'), 'few.jsonl'), purpose: 'fine-tune' });
await assert.rejects(client.fineTuning.jobs.create({ model, training_file: few.id }),
  (e) => e instanceof BadRequestError && e.code === 'invalid_n_examples' && e.param === 'training_file'
    && /has 3 example\(s\), but must have at least 10 examples/.test(e.message));

// jobs: create (twice, to page through the list), retrieve, list, cancel, events, checkpoints
const create = () => client.fineTuning.jobs.create({
  model, training_file: file.id, suffix: 'sdk', seed: 7, metadata: { suite: 'sdk' },
  method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 1, batch_size: 'auto' } } },
});
const first = await create();
const job = await create();
assert.match(job.id, /^ftjob-/);
assert.equal(job.object, 'fine_tuning.job');
assert.equal(job.status, 'validating_files');
assert.equal(job.model, model);
assert.equal(job.training_file, file.id);
assert.equal(job.fine_tuned_model, null);
assert.equal(job.hyperparameters.n_epochs, 1);
assert.equal(job.hyperparameters.batch_size, 'auto');
assert.equal(job.seed, 7);
assert.deepEqual(job.result_files, []);
const retrieved = await client.fineTuning.jobs.retrieve(job.id);
assert.equal(retrieved.id, job.id);
const seen = [];
for await (const j of client.fineTuning.jobs.list({ limit: 1, metadata: { suite: 'sdk' } })) seen.push(j.id);
assert.ok(seen.includes(job.id) && seen.includes(first.id), `paged list ${seen}`);
const cancelled = await client.fineTuning.jobs.cancel(job.id);
assert.equal(cancelled.status, 'cancelled');
await client.fineTuning.jobs.cancel(first.id);
const events = await client.fineTuning.jobs.listEvents(job.id, { limit: 10 });
assert.equal(events.data[0].object, 'fine_tuning.job.event');
const messages = events.data.map((e) => e.message);
assert.ok(messages.includes('Fine-tuning job cancelled'), messages.join(' | '));
assert.ok(messages.some((m) => m.startsWith('Created fine-tuning job')), messages.join(' | '));
const checkpoints = await client.fineTuning.jobs.checkpoints.list(job.id);
assert.deepEqual(checkpoints.data, []);

// a DPO job: OpenAI's preference file and method, unchanged
const pair = (code) => JSON.stringify({
  input: { messages: [{ role: 'user', content: `Reverse the code: ${code}` }] },
  preferred_output: [{ role: 'assistant', content: [...code].reverse().join('') }],
  non_preferred_output: [{ role: 'assistant', content: code }] });
const pairs = await client.files.create({
  file: await toFile(Buffer.from(codes.map(pair).join('\n') + '\n'), 'pairs.jsonl'), purpose: 'fine-tune' });
const dpo = await client.fineTuning.jobs.create({
  model, training_file: pairs.id, seed: 7,
  method: { type: 'dpo', dpo: { hyperparameters: { beta: 0.2, n_epochs: 1 } } },
});
assert.equal(dpo.method.type, 'dpo');
assert.equal(dpo.method.dpo.hyperparameters.beta, 0.2);
assert.equal((await client.fineTuning.jobs.retrieve(dpo.id)).method.type, 'dpo');
assert.equal((await client.fineTuning.jobs.cancel(dpo.id)).status, 'cancelled');

// errors map to the SDK's exception classes
await assert.rejects(client.fineTuning.jobs.retrieve('ftjob-missing'),
  (e) => e instanceof NotFoundError && e.code === 'job_not_found');
await assert.rejects(client.fineTuning.jobs.create({ model: 'no-such-model', training_file: file.id }),
  (e) => e instanceof BadRequestError && e.param === 'model');

const deleted = await client.files.del ? await client.files.del(file.id) : await client.files.delete(file.id);
assert.equal(deleted.deleted, true);
console.log(JSON.stringify({ ok: true, file: file.id, job: job.id, status: cancelled.status, events: messages.length }));
