// Project isolation in the web UI: signed in with project A's key, a person visits every page (adapters, an
// adapter's detail, jobs, a job's detail, the playground's model list, usage) and never sees project B's adapters,
// jobs or usage, even when typing B's adapter or job into the address bar. Run by UiProjectIsolationTest; prints one
// JSON line and exits non-zero on the first failed check.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (k) => { const v = process.env[k]; assert.ok(v, `${k} is not set`); return v; };
const BASE_URL = env('PATCHWORK_URL');
const KEY_A = env('KEY_A');
const A = JSON.parse(env('PROJECT_A')); // {adapter, job}
const B = JSON.parse(env('PROJECT_B'));
const seen = { pages: [], pageErrors: [] };
const userDataDir = mkdtempSync(join(tmpdir(), 'patchwork-isolation-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
const page = context.pages()[0] ?? await context.newPage();
page.setDefaultTimeout(20_000);
page.on('pageerror', (e) => seen.pageErrors.push(e.message));
const h1 = () => page.locator('h1');

/**
 * Opens a route, waits for its heading and its data, and checks that none of B's names or ids is on the page (but
 * the one the person typed, which a "not found" message repeats).
 */
async function visit(hash, heading, ready, typed) {
  await page.goto(BASE_URL + '/' + hash);
  await h1().filter({ hasText: heading }).first().waitFor();
  if (ready) await ready();
  await page.waitForLoadState('networkidle');
  const text = await page.locator('body').innerText();
  const html = await page.content();
  for (const secret of [B.adapter, B.adapterId, B.job].filter((x) => x !== typed)) {
    assert.ok(!text.includes(secret) && !html.includes(secret), `${hash} shows project B's ${secret}`);
  }
  seen.pages.push(hash);
  return text;
}

try {
  await page.goto(BASE_URL + '/');
  await page.getByLabel('API key', { exact: true }).fill(KEY_A);
  await page.getByRole('button', { name: 'Use this key' }).click();
  await h1().filter({ hasText: 'Adapters' }).waitFor();

  const adapters = await visit('#/adapters', 'Adapters', () => page.locator('#adapters-table').waitFor());
  assert.ok(adapters.includes(A.adapter), 'A sees its own adapter');
  await visit('#/adapters/' + encodeURIComponent(A.adapter), A.adapter);
  const jobs = await visit('#/jobs', 'Fine-tuning jobs', () => page.getByText(A.job).first().waitFor());
  assert.ok(jobs.includes(A.job), 'A sees its own job');
  await visit('#/jobs/' + encodeURIComponent(A.job), 'Job ' + A.job);
  await visit('#/playground', 'Playground',
    () => page.waitForFunction(() => document.querySelectorAll('select option').length > 0));
  const models = await page.locator('select').first().innerHTML();
  assert.ok(models.includes(A.adapter) && !models.includes(B.adapter), 'the playground offers A\'s adapter only');
  const usage = await visit('#/usage', 'Usage', () => page.locator('#usage-table').waitFor());
  assert.ok(usage.includes(A.adapter), 'A\'s usage shows its adapter');
  // B's adapter and job by name and id in the address bar: not found, like something that does not exist
  for (const [hash, typed] of [['#/adapters/' + encodeURIComponent(B.adapter), B.adapter],
    ['#/adapters/' + B.adapterId, B.adapterId], ['#/jobs/' + B.job, B.job]]) {
    await visit(hash, /Adapter|Fine-tuning job/, () => page.getByRole('alert').first().waitFor(), typed);
    assert.match(await page.getByRole('alert').first().innerText(), /no adapter|no fine-tuning job|not found/i);
  }
  assert.deepEqual(seen.pageErrors, [], 'errors in the page');
  console.log(JSON.stringify({ ok: true, ...seen }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, ...seen, failure: String(e?.stack ?? e) }));
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
