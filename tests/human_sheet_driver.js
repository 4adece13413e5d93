// tests/human_sheet_driver.js: drives the human-evaluation page in headless Chromium (Debian's, through
// playwright-core): loads the sheet from a file, reads what it shows, clicks three votes (left, tie,
// right) and presses one key (tie), opens a second tab and reloads (votes persist), takes a screenshot, clicks "Download votes"
// and saves the CSV it produces. Prints one JSON line: what the page showed, every request that was not
// to the file itself, page errors, the download's name.
// Usage: node human_sheet_driver.js PLAYWRIGHT_CORE_DIR SHEET.html OUT_DIR
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

async function main() {
  const [playwrightDir, sheet, outDir] = process.argv.slice(2);
  const { chromium } = require(playwrightDir);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rgtg-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const report = { requests: [], errors: [] };
  try {
    const page = context.pages()[0] || await context.newPage();
    const sheetUrl = 'file://' + path.resolve(sheet);
    page.on('request', (r) => { if (r.url() !== sheetUrl && !r.url().startsWith('blob:')) report.requests.push(r.url()); });
    page.on('pageerror', (e) => report.errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') report.errors.push(m.text()); });
    await page.goto(sheetUrl);
    report.title = await page.title();
    report.first = {
      progress: await page.textContent('#progress'),
      prompt: await page.textContent('#prompt'),
      left: await page.textContent('#left'),
      right: await page.textContent('#right'),
    };
    await page.click('#vote-left');
    await page.click('#vote-tie');
    await page.click('#vote-right');
    await page.keyboard.press('t');
    report.after_votes = await page.textContent('#progress');
    // the votes reach the browser's storage asynchronously: wait (up to 20 s) until a second tab sees them
    const second = await context.newPage();
    const deadline = Date.now() + 20000;
    report.second_tab_loads = 0;
    do {
      await second.goto(sheetUrl);
      report.second_tab_loads++;
      report.second_tab = await second.textContent('#progress');
    } while (!report.second_tab.endsWith(' 4 rated') && Date.now() < deadline);
    await second.close();
    await page.reload();
    report.after_reload = await page.textContent('#progress');
    await page.screenshot({ path: path.join(outDir, 'sheet.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    report.download = download.suggestedFilename();
    await download.saveAs(path.join(outDir, 'votes.csv'));
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(report));
}

main().catch((e) => { console.error('driver: ' + (e && e.message ? e.message.split('\n')[0] : e)); process.exit(1); });
