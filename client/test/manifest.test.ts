// The manifest (package.json) against the client's own constants.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { EXTENSION_ID } from '../src/common/ruleDocs';
import { DEFAULT_SETTINGS, RESTART_SETTINGS, RESTRICTED_SETTINGS, SECTION, SERVER_SETTINGS } from '../src/common/settings';

const REPO = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const properties: Record<string, { default: unknown; description?: string; markdownDescription?: string; enum?: unknown[] }> =
  manifest.contributes.configuration.properties;

describe('package.json', () => {
  it('supports untrusted workspaces in a limited way, restricting the interpreter', () => {
    const untrusted = manifest.capabilities.untrustedWorkspaces;
    assert.equal(untrusted.supported, 'limited');
    assert.deepEqual(untrusted.restrictedConfigurations, RESTRICTED_SETTINGS.map((key) => `${SECTION}.${key}`));
  });

  it('activates on Python files and Jupyter notebooks', () => {
    assert.ok(manifest.activationEvents.includes('onLanguage:python'));
    assert.ok(manifest.activationEvents.includes('onNotebook:jupyter-notebook'));
  });

  it('declares every setting the client reads, with a description and the same default', () => {
    const declared = Object.keys(properties).sort();
    const expected = [...Object.keys(DEFAULT_SETTINGS), 'trace.server'].map((key) => `${SECTION}.${key}`).sort();
    assert.deepEqual(declared, expected);
    for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) {
      const property = properties[`${SECTION}.${key}`];
      assert.deepEqual(property.default, value, key);
      assert.ok(property.description || property.markdownDescription, `${key} has no description`);
      if (property.enum) assert.ok(property.enum.includes(property.default), `${key}: default not in enum`);
    }
    for (const key of [...SERVER_SETTINGS, ...RESTART_SETTINGS]) {
      assert.ok(`${SECTION}.${key}` in properties, key);
    }
  });

  it('registers the commands the extension implements', () => {
    const commands = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual(commands, ['spawnguard.restart', 'spawnguard.showLogs', 'spawnguard.showRulePage']);
    const entry = fs.readFileSync(path.join(REPO, 'client', 'src', 'extension.ts'), 'utf8');
    assert.match(entry, /registerCommand\(`\$\{SECTION\}\.restart`/);
    assert.match(entry, /registerCommand\(`\$\{SECTION\}\.showLogs`/);
    assert.match(entry, /registerCommand\(`\$\{SECTION\}\.showRulePage`/);
  });

  it('links rule codes to the rule pages of this very version by default', () => {
    const docsUrl = properties[`${SECTION}.docsUrl`].default as string;
    assert.equal(docsUrl, DEFAULT_SETTINGS.docsUrl);
    assert.ok(docsUrl.includes(`/v${manifest.version}/`), docsUrl);
    // The rule pages' folder in this repository, at that tag.
    const folder = docsUrl.split(`/v${manifest.version}/`)[1];
    assert.ok(fs.existsSync(path.join(REPO, folder, 'SPG101.md')), folder);
  });

  it('registers the fix-all kind the server offers, for editor.codeActionsOnSave', () => {
    const kinds = manifest.contributes.codeActions.flatMap((entry: { languages: string[]; actions: { kind: string }[] }) =>
      entry.languages.includes('python') ? entry.actions.map((action) => action.kind) : [],
    );
    assert.deepEqual(kinds, ['source.fixAll.spawnguard']);
    // The same kind as the server's (server/spawnguard/server/code_actions.py).
    const server = fs.readFileSync(path.join(REPO, 'server', 'spawnguard', 'server', 'code_actions.py'), 'utf8');
    assert.match(server, /^FIX_ALL_KIND = "source\.fixAll\.spawnguard"$/m);
  });

  it('activates for the URI handler that opens shipped rule pages', () => {
    assert.ok(manifest.activationEvents.includes('onUri'));
    assert.equal(`${manifest.publisher}.${manifest.name}`, EXTENSION_ID);
  });
});
