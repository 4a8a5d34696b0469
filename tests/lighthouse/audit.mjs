// Lighthouse, desktop preset, on a list of URLs in one chromium: the runner of
// tests/test_lighthouse.py.
//
//   node audit.mjs REQUEST.json RESULT.json
//
// REQUEST.json: {"urls": [...], "chrome": "/usr/bin/chromium", "reports": "DIR" or null}.
// RESULT.json: per URL, each category's score (0-100) and the audits in it that did not
// score full marks (id, title, score, displayValue), the run's warnings and any runtime
// error. With "reports", the full HTML report of each URL is written there too.
import fs from 'node:fs/promises';
import path from 'node:path';

import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';

const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
// Chromium as the browser tests start it (tests/browser/helpers.py), headless.
const FLAGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-default-apps', '--disable-extensions',
  '--no-default-browser-check', '--metrics-recording-only', '--disable-domain-reliability',
];

// Where an audit failed, in a few words each: the element, the resource or the message.
function where(audit) {
  const items = audit.details && Array.isArray(audit.details.items) ? audit.details.items : [];
  return items.slice(0, 3).map(item => {
    const node = item.node || (item.subItems && item.subItems.items && item.subItems.items[0]
      && item.subItems.items[0].node);
    if (node) return (node.selector || node.snippet || '').slice(0, 120);
    if (item.url) return String(item.url).slice(0, 120);
    if (item.description) return String(item.description).slice(0, 120);
    if (item.source && item.source.url) return String(item.source.url).slice(0, 120);
    return '';
  }).filter(Boolean);
}

function summarise(lhr) {
  const categories = {};
  for (const id of CATEGORIES) {
    const category = lhr.categories[id];
    if (!category) continue;
    const audits = [];
    for (const ref of category.auditRefs) {
      const audit = lhr.audits[ref.id];
      if (!audit || audit.score === null || audit.score >= 1) continue;
      if (['notApplicable', 'manual', 'informative'].includes(audit.scoreDisplayMode)) continue;
      audits.push({
        id: audit.id, title: audit.title, score: audit.score, weight: ref.weight,
        displayValue: audit.displayValue || '', items: where(audit),
      });
    }
    audits.sort((a, b) => a.score - b.score || b.weight - a.weight);
    categories[id] = {
      score: category.score === null ? null : Math.round(category.score * 100),
      audits,
    };
  }
  return {
    url: lhr.finalDisplayedUrl || lhr.requestedUrl,
    categories,
    warnings: lhr.runWarnings || [],
    runtimeError: lhr.runtimeError ? `${lhr.runtimeError.code}: ${lhr.runtimeError.message}` : null,
    benchmarkIndex: lhr.environment ? lhr.environment.benchmarkIndex : null,
  };
}

const [requestFile, resultFile] = process.argv.slice(2);
const request = JSON.parse(await fs.readFile(requestFile, 'utf8'));
const chrome = await chromeLauncher.launch({
  chromePath: request.chrome, chromeFlags: FLAGS, logLevel: 'error',
});
const results = [];
try {
  for (const [i, url] of request.urls.entries()) {
    const started = Date.now();
    const flags = {
      port: chrome.port, logLevel: 'error', onlyCategories: CATEGORIES,
      output: request.reports ? 'html' : 'json',
    };
    let entry;
    try {
      const runner = await lighthouse(url, flags, desktopConfig);
      entry = runner ? summarise(runner.lhr) : {url, runtimeError: 'lighthouse returned nothing'};
      if (runner && request.reports) {
        const page = url.replace(/^https?:\/\/[^/]+\//, '').replace(/\.html$/, '');
        const name = `${String(i).padStart(3, '0')}-${page.replace(/[^A-Za-z0-9.-]+/g, '_') || 'root'}.html`;
        await fs.writeFile(path.join(request.reports, name), runner.report);
      }
    } catch (error) {
      entry = {url, categories: {}, warnings: [], runtimeError: String(error && error.stack || error)};
    }
    entry.seconds = (Date.now() - started) / 1000;
    results.push(entry);
  }
} finally {
  await chrome.kill();
}
await fs.writeFile(resultFile, JSON.stringify(results, null, 1));
