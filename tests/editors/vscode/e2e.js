// End-to-end test of the spawnguard extension in real VS Code: code-server + Chromium.
//
//   node tests/editors/vscode/e2e.js --vsix dist/spawnguard-0.1.0.vsix --python "$(which python3)"
//
// Installs the .vsix into a fresh code-server profile, sets `spawnguard.interpreter` to the given
// Python (so the server runs from the libraries bundled in the .vsix), opens a copy of
// ./workspace/train.py (an unguarded DataLoader loop with a lambda collate_fn) and checks, as a
// user would see them: the squiggles, the Problems panel (SPG101, SPG201; SPG501 is switched off
// through `spawnguard.ignore`), the hover explanation, and the quick fix
// `Wrap in if __name__ == "__main__":` applied with Ctrl+. — after which the editor text is
// guarded and SPG101 is gone. A screenshot of each step lands in --out. Exit code 0 = passed.
//
// Tools (see scripts/setup-editor-tests.sh): --tools (default $SPAWNGUARD_TOOLS_DIR or ~/.cache/spawnguard/tools) holds node24/,
// code-server/ and playwright/; Chromium is /usr/bin/chromium unless --chromium says otherwise.
'use strict';

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const REPO = path.resolve(__dirname, '..', '..', '..');
const { values: options } = parseArgs({
  options: {
    vsix: { type: 'string' },
    python: { type: 'string' },
    tools: {
      type: 'string',
      default: process.env.SPAWNGUARD_TOOLS_DIR || path.join(os.homedir(), '.cache', 'spawnguard', 'tools'),
    },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    out: { type: 'string', default: path.join(REPO, 'test-output', 'vscode') },
    'readme-image': { type: 'string' },
    timeout: { type: 'string', default: '60' },
  },
});
if (!options.vsix || !options.python) {
  console.error('usage: node e2e.js --vsix FILE.vsix --python PYTHON [--tools DIR] [--out DIR]');
  process.exit(2);
}
const WAIT = Number(options.timeout) * 1000;
const t0 = Date.now();
const lap = (message) => console.log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${message}`);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, deadline, serverLog) {
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`code-server did not answer at ${url}; its log:\n${serverLog()}`);
}

// Monaco renders spaces as U+00A0 and one .view-line per visible line.
async function editorText(page) {
  const lines = await page.locator('.monaco-editor .view-lines .view-line').evaluateAll((nodes) =>
    nodes
      .map((node) => ({ top: parseFloat(node.style.top) || 0, text: node.textContent || '' }))
      .sort((a, b) => a.top - b.top)
      .map((line) => line.text),
  );
  return lines.join('\n').replace(/\u00a0/g, ' ');
}

async function problemRows(page) {
  const rows = await page.locator('.markers-panel .monaco-list-row').allTextContents();
  return rows.map((row) => row.replace(/\u00a0/g, ' '));
}

async function squiggles(page) {
  const count = (kind) => page.locator(`.monaco-editor .squiggly-${kind}`).count();
  return { error: await count('error'), warning: await count('warning'), hint: await count('hint') };
}

async function waitUntil(what, check, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last.ok) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last && last.seen)}`);
}

// Ctrl+G then "line:column" (1-based) puts the cursor there.
async function goTo(page, line, column) {
  await page.keyboard.press('Control+G');
  await page.waitForSelector('.quick-input-widget input', { timeout: WAIT });
  await page.keyboard.type(`${line}:${column}`);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
}

// Opens a workspace file with Quick Open (Ctrl+P).
async function openFile(page, name) {
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { timeout: WAIT });
  await page.keyboard.type(name);
  const result = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
  await result.waitFor({ timeout: WAIT });
  await result.click();
  await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: WAIT });
  await page.waitForSelector('.monaco-editor .view-lines', { timeout: WAIT });
}

// Sets a text setting the way a user does: the Settings editor (Ctrl+,), searched by its id;
// then back to the previous editor.
async function setInSettingsEditor(page, key, value) {
  await page.keyboard.press('Control+,');
  const search = page.locator('.settings-editor .settings-header .suggest-input-container');
  await search.waitFor({ timeout: WAIT });
  await search.click();
  await page.keyboard.type(key);
  const input = page.locator('.settings-editor .setting-item-contents .setting-item-control input').first();
  await input.waitFor({ timeout: WAIT });
  await page.waitForTimeout(500); // the search settles on the one setting
  await input.fill(value);
  await input.press('Tab');
  await page.waitForTimeout(1000); // the settings editor writes after a short debounce
  await page.keyboard.press('Control+W');
}

// The Markdown preview renders into a webview (nested iframes): the tag of the first element
// whose text is `text` in any frame, e.g. 'H2' when the page's "## What happens" is rendered.
async function renderedHeading(page, text) {
  for (const frame of page.frames()) {
    const tag = await frame
      .evaluate((wanted) => {
        const found = [...document.querySelectorAll('h1, h2, h3')].find((node) => node.textContent.trim() === wanted);
        return found ? found.tagName : null;
      }, text)
      .catch(() => null);
    if (tag) return tag;
  }
  return undefined;
}

async function main() {
  const { chromium } = require(path.join(options.tools, 'playwright', 'node_modules', 'playwright-core'));
  const codeServer = path.join(options.tools, 'code-server', 'node_modules', '.bin', 'code-server');
  const node24 = path.join(options.tools, 'node24', 'node_modules', '.bin');
  for (const needed of [codeServer, options.chromium, options.vsix, options.python]) {
    if (!fs.existsSync(needed)) throw new Error(`missing: ${needed}`);
  }
  fs.mkdirSync(options.out, { recursive: true });
  for (const old of fs.readdirSync(options.out)) {
    if (old.endsWith('.png')) fs.rmSync(path.join(options.out, old));
  }
  const shot = (name) => page.screenshot({ path: path.join(options.out, `${name}.png`) });

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'spawnguard-vscode-'));
  const userData = path.join(scratch, 'user-data');
  const extensions = path.join(scratch, 'extensions');
  const workspace = path.join(scratch, 'workspace');
  fs.cpSync(path.join(__dirname, 'workspace'), workspace, { recursive: true });
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  const settingsFile = path.join(userData, 'User', 'settings.json');
  fs.writeFileSync(
    settingsFile,
    JSON.stringify(
      {
        'spawnguard.interpreter': options.python,
        // Editor settings reach the server: SPG501 (a hint) off, SPG201 down to a warning.
        'spawnguard.ignore': ['SPG501'],
        'spawnguard.severity': { SPG201: 'warning' },
        'spawnguard.logLevel': 'info',
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'chat.disableAIFeatures': true,
        'editor.hover.delay': 200,
        'editor.minimap.enabled': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'security.workspace.trust.enabled': false,
        // Saving applies "Fix all spawnguard problems" (the source.fixAll.spawnguard kind).
        'editor.codeActionsOnSave': { 'source.fixAll.spawnguard': 'explicit' },
      },
      null,
      2,
    ),
  );
  const env = {
    ...process.env,
    PATH: `${node24}${path.delimiter}${process.env.PATH}`,
    // No extension marketplace: its queries would only wait on a network that is not there.
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item' }),
  };
  for (const kind of ['CONFIG', 'DATA', 'STATE', 'CACHE']) {
    env[`XDG_${kind}_HOME`] = path.join(scratch, `xdg-${kind.toLowerCase()}`);
  }
  const profile = ['--user-data-dir', userData, '--extensions-dir', extensions];

  execFileSync(codeServer, [...profile, '--install-extension', path.resolve(options.vsix)], { env, stdio: 'pipe' });
  lap('extension installed');

  const port = await freePort();
  let serverOutput = '';
  const server = spawn(
    codeServer,
    [
      '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry',
      '--disable-update-check', '--disable-workspace-trust', ...profile, workspace,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  server.stdout.on('data', (chunk) => (serverOutput += chunk));
  server.stderr.on('data', (chunk) => (serverOutput += chunk));
  const base = `http://127.0.0.1:${port}`;

  let context;
  let page;
  try {
    await waitForHttp(`${base}/healthz`, Date.now() + WAIT, () => serverOutput);
    lap('code-server listening');
    context = await chromium.launchPersistentContext(path.join(scratch, 'chromium'), {
      executablePath: options.chromium,
      headless: true,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
      viewport: { width: 1400, height: 900 },
    });
    page = context.pages()[0] || (await context.newPage());
    await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.monaco-workbench', { timeout: WAIT });
    await page.waitForTimeout(2000);
    lap('workbench loaded');
    await shot('01-workbench');

    await openFile(page, 'train.py');
    lap('train.py open');

    // The server's diagnostics appear as squiggles: SPG101 an error, SPG201 a warning (by the
    // severity setting), and no hint dots for SPG501 (ignored by setting). One publication
    // carries all three, so once the first two show the third would be there too.
    await waitUntil('an error and a warning squiggle', async () => {
      const seen = await squiggles(page);
      return { ok: seen.error > 0 && seen.warning > 0, seen };
    });
    const first = await squiggles(page);
    if (first.hint > 0) throw new Error(`SPG501 shown although spawnguard.ignore lists it: ${JSON.stringify(first)}`);
    lap(`squiggles shown: ${JSON.stringify(first)}`);
    await shot('02-squiggles');

    // The Problems panel lists both findings with their codes and messages, and not SPG501.
    await page.keyboard.press('Control+Shift+M');
    const problems = await waitUntil('SPG101 and SPG201 in the Problems panel', async () => {
      const rows = await problemRows(page);
      const all = rows.join('\n');
      return { ok: all.includes('SPG101') && all.includes('SPG201'), seen: rows };
    });
    const listed = problems.seen.join('\n');
    const expectations = [
      ['SPG101 message', /SPG101/.test(listed) && listed.includes('Worker start at import time')],
      ['SPG201 message', /SPG201/.test(listed) && listed.includes('cannot be pickled')],
      ['spawnguard as the source', listed.includes('spawnguard')],
    ];
    for (const [what, ok] of expectations) {
      if (!ok) throw new Error(`Problems panel: expected ${what}; rows: ${JSON.stringify(problems.seen)}`);
    }
    lap(`problems panel: ${problems.seen.length} rows`);
    await shot('03-problems');

    // The SPG101 row's code links to this version's rendered rule page (spawnguard.docsUrl's
    // default); the browser here has no network, so the link is checked, not followed.
    const defaultLink = await page.locator('.markers-panel a[href*="SPG101.md"]').first().getAttribute('href');
    if (!/^https:\/\/github\.com\/.*\/blob\/v\d+\.\d+\.\d+\/server\/spawnguard\/docs\/rules\/SPG101\.md$/.test(defaultLink || '')) {
      throw new Error(`SPG101's code link is not the versioned docs page: ${defaultLink}`);
    }
    lap(`SPG101 links to ${defaultLink}`);

    // Hover on `loader` in `for batch in loader:` (line 9): short. VS Code's problem hover shows
    // the message; spawnguard's adds what happens in the worker, the fix and the page's link.
    await goTo(page, 9, 16);
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    const hover = page.locator('.monaco-hover-content', { hasText: 'worker-start-at-import' }).first();
    await hover.waitFor({ timeout: WAIT });
    const hoverText = (await hover.textContent()).replace(/\u00a0/g, ' ');
    const hoverChecks = [
      ['the worker line', hoverText.includes('In the worker: Each spawned worker re-runs this line')],
      ['the fix line', hoverText.includes('Fix: Put it under if __name__ == "__main__":')],
      ['the rule page link', hoverText.includes('SPG101 rule page')],
      ['the message once (the problem hover\'s)', hoverText.split('Worker start at import time').length === 2],
      ['not the rule page itself', !hoverText.includes('What happens') && !hoverText.includes('A start is guarded')],
    ];
    for (const [what, ok] of hoverChecks) {
      if (!ok) throw new Error(`hover: expected ${what}: ${hoverText.slice(0, 800)}`);
    }
    lap(`hover is short (${hoverText.length} characters)`);
    await shot('04-hover');
    await page.keyboard.press('Escape');

    // Ctrl+. offers the wrap fix; apply it.
    await goTo(page, 9, 16);
    await page.keyboard.press('Control+.');
    const wrap = page.locator('.action-widget .monaco-list-row', { hasText: 'Wrap in if __name__ == "__main__":' }).first();
    await wrap.waitFor({ timeout: WAIT });
    // train.py has more than one fixable finding: "Fix all" is in the Ctrl+. list too.
    await page.locator('.action-widget .monaco-list-row', { hasText: 'Fix all spawnguard problems' }).first().waitFor({ timeout: WAIT });
    lap('quick fix and "Fix all spawnguard problems" offered');
    await shot('05-quick-fix');
    if (options['readme-image']) {
      // The editor and the Problems panel, without the side bars.
      const editor = await page.locator('.part.editor').boundingBox();
      const panel = await page.locator('.part.panel').boundingBox();
      await page.screenshot({
        path: options['readme-image'],
        // Down to the Problems panel's first rows.
        clip: { x: editor.x, y: editor.y, width: editor.width, height: panel.y + Math.min(panel.height, 120) - editor.y },
      });
    }
    await wrap.click();

    const fixed = await waitUntil('the guarded text in the editor', async () => {
      const text = await editorText(page);
      return { ok: text.includes('if __name__ == "__main__":\n    dataset = TensorDataset('), seen: text };
    });
    const expectedTail = [
      'if __name__ == "__main__":',
      '    dataset = TensorDataset(torch.randn(64, 3), torch.randint(0, 2, (64,)))',
      '    loader = DataLoader(dataset, batch_size=8, num_workers=2, collate_fn=lambda batch: batch)',
      '',
      '    for batch in loader:',
      '        print(len(batch))',
    ].join('\n');
    if (!fixed.seen.includes(expectedTail)) throw new Error(`unexpected editor text:\n${fixed.seen}`);
    lap('quick fix applied');

    // SPG101 is gone; the lambda (SPG201) is still reported.
    const after = await waitUntil('SPG101 to leave the Problems panel', async () => {
      const rows = await problemRows(page);
      const all = rows.join('\n');
      return { ok: !all.includes('SPG101') && all.includes('SPG201'), seen: rows };
    });
    const left = await squiggles(page);
    if (left.error !== 0 || left.warning === 0) throw new Error(`squiggles after the fix: ${JSON.stringify(left)}`);
    lap(`after the fix: ${after.seen.length} row(s), SPG201 only`);
    await shot('06-fixed');

    // With spawnguard.docsUrl "" the codes link to the pages shipped in the .vsix; clicking
    // SPG201's code in the problem hover shows the page rendered by the Markdown preview.
    await setInSettingsEditor(page, 'spawnguard.docsUrl', '');
    await page.locator('.markers-panel a[href*="/rule?SPG201"]').first().waitFor({ state: 'attached', timeout: WAIT });
    lap('codes link to the shipped pages');
    await goTo(page, 8, 80); // inside `lambda batch: batch`
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    const codeLink = page.locator('.monaco-hover a.code-link', { hasText: 'SPG201' }).first();
    await codeLink.waitFor({ timeout: WAIT });
    await codeLink.click();
    const rendered = await waitUntil('the rendered SPG201 page', async () => {
      const heading = await renderedHeading(page, 'What happens');
      return { ok: heading !== undefined, seen: heading };
    });
    lap(`rule page rendered: <${rendered.seen}>What happens`);
    await shot('07-rule-page');

    // editor.codeActionsOnSave: an edit, Ctrl+S, and the file is fixed as `--fix` would.
    await openFile(page, 'save_fix.py');
    await waitUntil('SPG101 in save_fix.py', async () => {
      const seen = await squiggles(page);
      return { ok: seen.error > 0, seen };
    });
    await page.keyboard.press('Control+End');
    await page.keyboard.type('# counted\n');
    await page.keyboard.press('Control+S');
    const saved = await waitUntil('the guard written on save', async () => {
      const text = await editorText(page);
      return { ok: text.includes('if __name__ == "__main__":\n    with Pool(2) as pool:'), seen: text };
    });
    await waitUntil('no squiggle left in save_fix.py', async () => {
      const seen = await squiggles(page);
      return { ok: seen.error === 0 && seen.warning === 0, seen };
    });
    lap(`fixed on save:\n${saved.seen}`);
    await shot('08-fixed-on-save');
    console.log('E2E OK');
  } catch (error) {
    console.error(`FAIL ${error.message}`);
    if (page) await page.screenshot({ path: path.join(options.out, 'failure.png') }).catch(() => {});
    const logs = path.join(userData, 'logs');
    if (fs.existsSync(logs)) {
      for (const file of fs.readdirSync(logs, { recursive: true })) {
        if (String(file).includes('spawnguard')) {
          const full = path.join(logs, String(file));
          if (fs.statSync(full).isFile()) console.error(`--- ${file}\n${fs.readFileSync(full, 'utf8').slice(-4000)}`);
        }
      }
    }
    console.error(`--- code-server output\n${serverOutput.slice(-3000)}`);
    process.exitCode = 1;
  } finally {
    if (context) await context.close().catch(() => {});
    try {
      process.kill(-server.pid, 'SIGTERM'); // the whole group: code-server and its children
    } catch {
      // already gone
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`FAIL ${error.stack || error}`);
  process.exitCode = 1;
});
