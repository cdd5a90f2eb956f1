// Drives the Patchwork web UI in Debian's Chromium through playwright-core, as a person would: a bad dataset is
// refused in plain words, a good one starts an SFT job whose progress bar moves and whose loss chart fills until it
// succeeds, the new adapter is found with the search box and opened, then it answers in the playground (streamed)
// and next to the base model in the side-by-side comparison; its PEFT zip is downloaded, uploaded again under another
// name through the form and that copy deleted; an RFT job started from the form with that adapter as its start
// succeeds and charts its reward, and a DPO job started from the form charts its reward margin. A screenshot of
// every page goes to SCREENSHOTS.
// Run by UiBrowserTest; prints one JSON line with what it saw and exits non-zero on the first failed check.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (k) => { const v = process.env[k]; assert.ok(v, `${k} is not set`); return v; };
const BASE_URL = env('PATCHWORK_URL');
const API_KEY = env('PATCHWORK_API_KEY');
const BASE_MODEL = env('PATCHWORK_BASE_MODEL');
const DATASET = env('DATASET');
const VALIDATION = env('VALIDATION_DATASET');
const BAD_DATASET = env('BAD_DATASET');
const SHOTS = env('SCREENSHOTS');
const PROMPT = env('PROMPT');
const SYSTEM = process.env.SYSTEM_PROMPT ?? '';
const JOB_TIMEOUT_MS = Number(process.env.JOB_TIMEOUT_SECONDS ?? 150) * 1000;

const seen = { progress: [], pageErrors: [], screenshots: [] };
const userDataDir = mkdtempSync(join(tmpdir(), 'patchwork-ui-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
const page = context.pages()[0] ?? await context.newPage();
page.setDefaultTimeout(20_000);
page.on('pageerror', (e) => seen.pageErrors.push(e.message));

async function shot(name) {
  await page.evaluate(() => document.activeElement?.blur?.());
  const path = join(SHOTS, name + '.png');
  await page.screenshot({ path, fullPage: true });
  seen.screenshots.push(name);
}

const h1 = () => page.locator('h1');
const label = (text) => page.getByLabel(text, { exact: true });

try {
  // the UI asks for an API key first; a wrong one is refused in plain words, the project's key opens the adapters
  await page.goto(BASE_URL + '/');
  await h1().filter({ hasText: 'API key' }).waitFor();
  await label('API key').fill('sk-proj-not-a-real-key-0000000000000000000');
  await page.getByRole('button', { name: 'Use this key' }).click();
  await page.getByText('This key was not accepted').waitFor();
  await label('API key').fill(API_KEY);
  await page.getByRole('button', { name: 'Use this key' }).click();
  // the UI loads with the adapter list (empty or not), its styles and Chart.js from the WebJars, and the project
  await h1().filter({ hasText: 'Adapters' }).waitFor();
  assert.equal(await page.locator('#project-name').innerText(), 'Default project');
  assert.equal(await page.evaluate(() => document.cookie), '', 'no cookie holds the key');
  assert.equal(await page.evaluate(() => typeof window.Chart), 'function', 'Chart.js did not load');
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).fontFamily), 'Times New Roman');

  // the key outlives a reload of the tab (sessionStorage), which starts at the top of the page again
  await page.reload();
  await h1().filter({ hasText: 'Adapters' }).waitFor();
  // keyboard alone: Tab from the top reaches the skip link first, then the main navigation; Enter follows a link
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.locator('nav [data-nav="jobs"]').focus();
  await page.keyboard.press('Enter');
  await h1().filter({ hasText: 'Fine-tuning jobs' }).waitFor();
  await page.getByRole('button', { name: 'New fine-tuning job' }).click();
  await h1().filter({ hasText: 'New fine-tuning job' }).waitFor();
  await label('Base model').selectOption(BASE_MODEL);
  await shot('02-job-form');

  // RFT shows the grader, whose default is valid JSON; SFT hides it again
  await page.getByLabel(/^Reinforcement \(RFT\)/).check();
  const grader = label('Grader (JSON)');
  await grader.waitFor();
  assert.equal(JSON.parse(await grader.inputValue()).type, 'string_check');
  await shot('02-job-form-rft');
  await page.getByLabel(/^Supervised \(SFT\)/).check();
  assert.equal(await grader.isVisible(), false);

  // a malformed dataset: the API's refusal is shown in plain words, naming the line
  await label('Upload a training file').setInputFiles(BAD_DATASET);
  await page.getByRole('button', { name: 'Start fine-tuning' }).click();
  const problem = page.locator('#job-form .error-box');
  await problem.waitFor();
  const problemText = await problem.innerText();
  assert.match(problemText, /^Could not upload the training file: .*line 3/s, problemText);
  seen.errorShown = problemText;
  await problem.scrollIntoViewIfNeeded();
  await shot('03-job-form-error');

  // a good dataset starts an SFT job
  await label('Upload a training file').setInputFiles(DATASET);
  await label('Validation file (optional)').setInputFiles(VALIDATION);
  await label('Epochs').fill(process.env.N_EPOCHS ?? '3');
  await label('Batch size').fill('16');
  await label('Learning rate multiplier').fill(process.env.LR_MULTIPLIER ?? '25');
  await label('Max steps').fill(process.env.MAX_STEPS ?? '40');
  await page.locator('summary', { hasText: 'More options' }).click();
  await label('Name suffix').fill('ui');
  await label('Seed').fill('11');
  await label('Warmup steps').fill('5');
  await label('Evaluate every (steps)').fill('10');
  await label('Micro-batch size').fill('16');
  await label('Progress every (steps)').fill('2');
  await page.getByRole('button', { name: 'Start fine-tuning' }).click();
  await page.waitForURL(/#\/jobs\/ftjob-/);
  const jobId = decodeURIComponent(page.url().split('#/jobs/')[1]);
  seen.job = jobId;

  // its progress bar moves and the loss chart fills while it runs, until it succeeds
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  let status = null;
  let midShot = false;
  while (Date.now() < deadline) {
    status = await page.locator('.page-head [data-status]').getAttribute('data-status').catch(() => null);
    const bar = await page.locator('#job-progress').evaluate((el) => (el.hasAttribute('value')
      ? [el.value, el.max] : null)).catch(() => null);
    if (bar && seen.progress.at(-1)?.join() !== bar.join()) seen.progress.push(bar);
    if (!midShot && bar && bar[0] > 0 && bar[0] < bar[1]) {
      midShot = true;
      await shot('04-job-running');
    }
    if (['succeeded', 'failed', 'cancelled'].includes(status)) break;
    await page.waitForTimeout(250);
  }
  assert.equal(status, 'succeeded', `job ${jobId} ended ${status}: ` + await page.locator('main').innerText());
  const [finalStep, total] = await page.locator('#job-progress').evaluate((el) => [el.value, el.max]);
  assert.equal(finalStep, total, 'a succeeded job shows a full progress bar');
  assert.ok(seen.progress.some(([v, max]) => v > 0 && v < max), 'the progress bar never showed a run in progress: '
    + JSON.stringify(seen.progress));
  const canvas = page.locator('canvas#metrics-chart');
  await page.waitForFunction(() => Number(document.querySelector('#metrics-chart')?.dataset.points) > 0);
  seen.chartPoints = Number(await canvas.getAttribute('data-points'));
  seen.chartSeries = await canvas.getAttribute('data-series');
  assert.ok(seen.chartSeries.split(',').includes('train_loss'), seen.chartSeries);
  assert.ok(seen.chartSeries.split(',').includes('valid_loss'), seen.chartSeries);
  assert.ok(seen.chartPoints >= total / 2, `${seen.chartPoints} points for ${total} steps`);
  const drawn = await canvas.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
    return ink;
  });
  assert.ok(drawn > 1000, `the chart canvas is nearly empty (${drawn} painted pixels)`);
  assert.ok(await page.locator('#events li').count() > 3);
  assert.ok(await page.locator('#checkpoints tbody tr').count() >= 1);
  const adapterName = await page.getByRole('button', { name: 'Open the adapter' }).getAttribute('href')
    .then((href) => decodeURIComponent(href.replace('#/adapters/', '')));
  assert.match(adapterName, new RegExp(`^ft-${BASE_MODEL}-ui-`));
  seen.adapter = adapterName;
  await shot('05-job-succeeded');

  // the jobs list shows it succeeded, with a full progress bar
  await page.locator('nav [data-nav="jobs"]').click();
  const jobRow = page.locator(`#jobs-table tr[data-job-id="${jobId}"]`);
  await jobRow.waitFor();
  assert.equal(await jobRow.getAttribute('data-status'), 'succeeded');
  assert.deepEqual(await jobRow.locator('progress').evaluate((el) => [el.value, el.max]), [total, total]);
  await shot('06-jobs');

  // the adapter list finds it with the search box
  await page.locator('nav [data-nav="adapters"]').click();
  await h1().filter({ hasText: 'Adapters' }).waitFor();
  await label('Search').fill(adapterName);
  const rows = page.locator('#adapters-table tbody tr');
  await page.waitForFunction(() => document.querySelectorAll('#adapters-table tbody tr').length === 1);
  assert.equal(await rows.first().locator('td').first().innerText(), adapterName);
  await label('Base model').selectOption(BASE_MODEL);
  assert.equal(await rows.count(), 1);
  await shot('07-adapters');

  // its detail: configuration, lineage back to the job, serving replicas, download and delete
  await rows.first().getByRole('link', { name: adapterName }).click();
  await h1().filter({ hasText: adapterName }).waitFor();
  assert.equal(await page.locator('section', { hasText: 'Lineage' }).getByRole('link', { name: jobId }).count(), 1);
  assert.match(await page.locator('#loaded-on').innerText(), /replica/);
  const download = page.getByRole('button', { name: 'Download (PEFT zip)' });
  assert.match(await download.getAttribute('href'), /^\/v1\/adapters\/adp-[^/]+\/download$/);
  await shot('08-adapter-detail');

  // the playground chats with it; the answer arrives as a stream of pieces
  await page.getByRole('button', { name: 'Chat with it' }).click();
  await h1().filter({ hasText: 'Playground' }).waitFor();
  assert.match(await label('Model').inputValue(), /^adp-|^ft-/);
  await page.locator('summary', { hasText: 'Settings' }).click();
  if (SYSTEM) await label('System prompt').fill(SYSTEM);
  await label('Temperature').fill('0');
  await label('Max tokens').fill('12');
  await label('Message').fill(PROMPT);
  await label('Message').press('Enter');
  const answer = page.locator('#transcript li.from-model').last();
  await page.waitForFunction(() => ['done', 'error'].includes(
    [...document.querySelectorAll('#transcript li.from-model')].at(-1)?.dataset.state), null, { timeout: 60_000 });
  assert.equal(await answer.getAttribute('data-state'), 'done', await answer.innerText());
  seen.chat = await answer.locator('.text').innerText();
  assert.ok(seen.chat.length > 0, 'empty answer');
  seen.chatChunks = Number(await answer.getAttribute('data-chunks'));
  assert.ok(seen.chatChunks >= 2, `the answer did not stream (${seen.chatChunks} pieces)`);
  await shot('09-playground-chat');

  // side by side: the base model and the adapter answer the same prompt
  await page.getByRole('link', { name: 'Compare side by side' }).click();
  await h1().filter({ hasText: 'Playground' }).waitFor();
  await label('Model A').selectOption(BASE_MODEL);
  await label('Model B').selectOption(adapterName);
  await label('Prompt').fill(PROMPT);
  await page.locator('summary', { hasText: 'Settings' }).click();
  if (SYSTEM) await label('System prompt').fill(SYSTEM);
  await label('Temperature').fill('0');
  await label('Max tokens').fill('12');
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await page.waitForFunction(() => ['a', 'b'].every((k) => ['done', 'error']
    .includes(document.getElementById('compare-' + k).dataset.state)), null, { timeout: 60_000 });
  for (const k of ['a', 'b']) {
    const pane = page.locator('#compare-' + k);
    assert.equal(await pane.getAttribute('data-state'), 'done', await pane.innerText());
  }
  seen.compare = { base: await page.locator('#compare-a .output').innerText(),
    adapter: await page.locator('#compare-b .output').innerText() };
  assert.ok(seen.compare.adapter.length > 0);
  assert.notEqual(seen.compare.adapter, seen.compare.base, 'the fine-tuned adapter answers like its base model');
  await shot('10-playground-compare');

  // an RFT job from the form: prompts graded by the default string_check, starting from the SFT adapter; the job page
  // charts the reward
  await page.locator('nav [data-nav="jobs"]').click();
  await page.getByRole('button', { name: 'New fine-tuning job' }).click();
  await h1().filter({ hasText: 'New fine-tuning job' }).waitFor();
  await label('Base model').selectOption(BASE_MODEL);
  await page.getByLabel(/^Reinforcement \(RFT\)/).check();
  await label('Upload a training file').setInputFiles(env('RFT_DATASET'));
  await label('Validation file (optional)').setInputFiles(env('RFT_VALIDATION_DATASET'));
  await label('Batch size').fill('8');
  await label('Learning rate multiplier').fill('5');
  await label('Max steps').fill('6');
  await label('Group size').fill('4');
  await label('Max completion tokens').fill('8');
  await label('Start from adapter').selectOption({ label: adapterName });
  await page.locator('summary', { hasText: 'More options' }).click();
  await label('Name suffix').fill('uirft');
  await label('Evaluate every (steps)').fill('3');
  await page.getByRole('button', { name: 'Start fine-tuning' }).click();
  await page.waitForURL(/#\/jobs\/ftjob-/);
  seen.rftJob = decodeURIComponent(page.url().split('#/jobs/')[1]);
  const rftDeadline = Date.now() + JOB_TIMEOUT_MS;
  let rftStatus = null;
  while (Date.now() < rftDeadline) {
    rftStatus = await page.locator('.page-head [data-status]').getAttribute('data-status').catch(() => null);
    if (['succeeded', 'failed', 'cancelled'].includes(rftStatus)) break;
    await page.waitForTimeout(250);
  }
  assert.equal(rftStatus, 'succeeded', `RFT job ${seen.rftJob} ended ${rftStatus}: ` + await page.locator('main').innerText());
  await page.waitForFunction(() => (document.querySelector('#metrics-chart')?.dataset.series ?? '')
    .split(',').includes('reward_mean'));
  seen.rftChartSeries = await page.locator('canvas#metrics-chart').getAttribute('data-series');
  assert.ok(seen.rftChartSeries.split(',').includes('eval_reward_mean'), seen.rftChartSeries);
  assert.match(await page.locator('main').innerText(), /RFT \(reinforcement\)/);
  await shot('12-job-rft');

  // a DPO job from the form: preference pairs, every step reported; the job page charts the reward margin
  await page.locator('nav [data-nav="jobs"]').click();
  await page.getByRole('button', { name: 'New fine-tuning job' }).click();
  await h1().filter({ hasText: 'New fine-tuning job' }).waitFor();
  await label('Base model').selectOption(BASE_MODEL);
  await page.getByLabel(/^Preference \(DPO\)/).check();
  await label('DPO β').fill('0.2');
  assert.equal(await grader.isVisible(), false);
  await label('Upload a training file').setInputFiles(env('DPO_DATASET'));
  await label('Validation file (optional)').setInputFiles(env('DPO_DATASET'));
  await label('Batch size').fill('4');
  await label('Max steps').fill('4');
  await page.locator('summary', { hasText: 'More options' }).click();
  await label('Name suffix').fill('uidpo');
  await label('Evaluate every (steps)').fill('2');
  await label('Progress every (steps)').fill('1');
  await shot('13-job-form-dpo');
  await page.getByRole('button', { name: 'Start fine-tuning' }).click();
  await page.waitForURL(/#\/jobs\/ftjob-/);
  seen.dpoJob = decodeURIComponent(page.url().split('#/jobs/')[1]);
  const dpoDeadline = Date.now() + JOB_TIMEOUT_MS;
  let dpoStatus = null;
  while (Date.now() < dpoDeadline) {
    dpoStatus = await page.locator('.page-head [data-status]').getAttribute('data-status').catch(() => null);
    if (['succeeded', 'failed', 'cancelled'].includes(dpoStatus)) break;
    await page.waitForTimeout(250);
  }
  assert.equal(dpoStatus, 'succeeded',
    `DPO job ${seen.dpoJob} ended ${dpoStatus}: ` + await page.locator('main').innerText());
  await page.waitForFunction(() => (document.querySelector('#metrics-chart')?.dataset.series ?? '')
    .split(',').includes('train_rewards_margin'));
  const dpoChart = page.locator('canvas#metrics-chart');
  seen.dpoChartSeries = await dpoChart.getAttribute('data-series');
  assert.ok(seen.dpoChartSeries.split(',').includes('valid_rewards_margin'), seen.dpoChartSeries);
  assert.equal(await dpoChart.getAttribute('data-kind'), 'margin');
  assert.ok(Number(await dpoChart.getAttribute('data-points')) >= 4);
  assert.match(await page.locator('main').innerText(), /DPO reward margin/);
  assert.match(await page.locator('main').innerText(), /DPO \(dpo\)/);
  await shot('14-job-dpo');

  // a model that does not exist: the API's refusal, in plain words, where the answer would have been
  await page.goto(BASE_URL + '/#/playground?model=no-such-model');
  await label('Message').fill('Hello');
  await label('Message').press('Enter');
  const refused = page.locator('#transcript li.from-model[data-state="error"] .error-box');
  await refused.waitFor();
  assert.match(await refused.innerText(), /^Could not generate: The model 'no-such-model' does not exist/);

  // the adapter downloaded as a PEFT zip from its page, uploaded again under another name, then deleted
  await page.goto(BASE_URL + '/#/adapters/' + encodeURIComponent(adapterName));
  await h1().filter({ hasText: adapterName }).waitFor();
  const [zipDownload] = await Promise.all([page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download (PEFT zip)' }).click()]);
  const zip = join(userDataDir, 'adapter.zip');
  await zipDownload.saveAs(zip);
  const copy = 'ui-upload-' + Date.now();
  await page.locator('nav [data-nav="adapters"]').click();
  await page.getByRole('button', { name: 'Upload an adapter' }).click();
  await h1().filter({ hasText: 'Upload an adapter' }).waitFor();
  await label('Name').fill(copy);
  await label('Base model').selectOption(BASE_MODEL);
  await label('…or one archive with both').setInputFiles(zip);
  await shot('11-adapter-upload');
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await h1().filter({ hasText: copy }).waitFor();
  assert.equal(await page.locator('.flash').innerText(), `Uploaded ${copy} v1.`);
  assert.match(await page.locator('section', { hasText: 'Lineage' }).innerText(), /Uploaded as PEFT files/);
  await page.getByRole('button', { name: 'Delete…' }).click();
  const dialog = page.getByRole('dialog', { name: `Delete ${copy} v1?` });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await h1().filter({ hasText: 'Adapters' }).waitFor();
  assert.equal(await page.locator('.flash').innerText(), `Deleted ${copy} v1.`);
  assert.equal(await page.locator(`#adapters-table a:text-is("${copy}")`).count(), 0);

  // the first page again, now listing the adapter
  await page.goto(BASE_URL + '/');
  await page.locator('#adapters-table').waitFor();
  await shot('01-adapters');

  assert.deepEqual(seen.pageErrors, [], 'errors in the page');
  console.log(JSON.stringify({ ok: true, ...seen }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, ...seen, failure: String(e?.stack ?? e) }));
  await page.screenshot({ path: join(SHOTS, 'failure.png'), fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
