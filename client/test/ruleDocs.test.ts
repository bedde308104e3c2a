import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import {
  EXTENSION_ID,
  bundledPage,
  handlerLink,
  requestedCode,
  rewriteShippedLinks,
  shippedPageCode,
} from '../src/common/ruleDocs';

const SHIPPED = 'file:///home/u/.vscode/extensions/spawnguard.spawnguard-0.1.0/bundled/libs/spawnguard/docs/rules/SPG101.md';

describe('shipped rule pages', () => {
  it('recognises links to the server package pages, and nothing else', () => {
    assert.equal(shippedPageCode(SHIPPED), 'SPG101');
    assert.equal(shippedPageCode('file:///checkout/server/spawnguard/docs/rules/SPG501.md'), 'SPG501');
    assert.equal(shippedPageCode('https://github.com/x/spawnguard/docs/rules/SPG101.md'), undefined);
    assert.equal(shippedPageCode('file:///tmp/notes/SPG101.md'), undefined);
    assert.equal(shippedPageCode('file:///x/spawnguard/docs/rules/README.md'), undefined);
  });

  it('turns them into URI-handler links that name the rule', () => {
    const link = handlerLink('vscode', 'SPG101');
    assert.equal(link, `vscode://${EXTENSION_ID}/rule?SPG101`);
    const url = new URL(link);
    assert.equal(requestedCode(url.pathname, url.search.slice(1)), 'SPG101');
  });

  it('accepts only rule codes from a handler call (the handler can be called from outside)', () => {
    assert.equal(requestedCode('/rule', 'spg201'), 'SPG201');
    assert.equal(requestedCode('/rule', '../../etc/passwd'), undefined);
    assert.equal(requestedCode('/rule', 'SPG1011'), undefined);
    assert.equal(requestedCode('/other', 'SPG101'), undefined);
  });

  it('rewrites every shipped link in a hover and leaves other links alone', () => {
    const markdown = `**SPG101** \`worker-start-at-import\`  \n[SPG101 rule page](${SHIPPED})\n\n[web](https://example.org/SPG101.md)`;
    const rewritten = rewriteShippedLinks(markdown, 'code-oss');
    assert.equal(
      rewritten,
      `**SPG101** \`worker-start-at-import\`  \n[SPG101 rule page](code-oss://${EXTENSION_ID}/rule?SPG101)\n\n[web](https://example.org/SPG101.md)`,
    );
  });

  it('finds the page inside the installed extension', () => {
    assert.equal(
      bundledPage('/ext', 'SPG202'),
      path.join('/ext', 'bundled', 'libs', 'spawnguard', 'docs', 'rules', 'SPG202.md'),
    );
  });
});
