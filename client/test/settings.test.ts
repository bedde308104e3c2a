import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DEFAULT_SETTINGS,
  Inspected,
  RESTRICTED_SETTINGS,
  SERVER_SETTINGS,
  SettingsReader,
  effectiveValue,
  needsRestart,
  readSettings,
  serverLogLevel,
  serverSettings,
} from '../src/common/settings';

function reader(values: Record<string, Inspected<unknown>>): SettingsReader {
  return {
    inspect: <T>(key: string) => ({ defaultValue: (DEFAULT_SETTINGS as Record<string, unknown>)[key], ...values[key] }) as Inspected<T>,
  };
}

describe('effectiveValue', () => {
  const layered: Inspected<string> = {
    defaultValue: 'default',
    globalValue: 'user',
    workspaceValue: 'workspace',
    workspaceFolderValue: 'folder',
  };

  it('takes the most specific value in a trusted workspace', () => {
    assert.equal(effectiveValue('interpreter', layered, true), 'folder');
    assert.equal(effectiveValue('interpreter', { ...layered, workspaceFolderValue: undefined }, true), 'workspace');
    assert.equal(effectiveValue('interpreter', { defaultValue: 'default', globalValue: 'user' }, true), 'user');
    assert.equal(effectiveValue('interpreter', { defaultValue: 'default' }, true), 'default');
  });

  it('ignores workspace values of restricted settings in an untrusted workspace', () => {
    assert.deepEqual(RESTRICTED_SETTINGS, ['interpreter']);
    assert.equal(effectiveValue('interpreter', layered, false), 'user');
    assert.equal(effectiveValue('interpreter', { defaultValue: '', workspaceValue: '/evil/python' }, false), '');
  });

  it('keeps workspace values of unrestricted settings in an untrusted workspace', () => {
    assert.equal(effectiveValue('select', layered, false), 'folder');
  });
});

describe('readSettings', () => {
  it('drops an untrusted workspace interpreter but keeps its analysis settings', () => {
    const values = {
      interpreter: { workspaceValue: '/repo/.venv/bin/python' },
      select: { workspaceValue: ['SPG1'] },
    };
    const untrusted = readSettings(reader(values), false);
    assert.equal(untrusted.interpreter, '');
    assert.deepEqual(untrusted.select, ['SPG1']);
    const trusted = readSettings(reader(values), true);
    assert.equal(trusted.interpreter, '/repo/.venv/bin/python');
  });

  it('falls back to the default for a value of the wrong type', () => {
    const settings = readSettings(
      reader({ enable: { globalValue: 'yes' }, select: { globalValue: 'SPG1' }, logLevel: { globalValue: 'loud' } }),
      true,
    );
    assert.equal(settings.enable, true);
    assert.equal(settings.select, null);
    assert.equal(settings.logLevel, 'warning');
  });

  it('reads every setting with its default when nothing is set', () => {
    assert.deepEqual(readSettings(reader({}), true), DEFAULT_SETTINGS);
  });
});

describe('serverSettings', () => {
  // Every analysis setting away from its default, so a dropped or renamed key shows.
  const analysis = {
    select: ['SPG1'],
    ignore: ['SPG501'],
    severity: { SPG201: 'warning' },
    assumeStartMethod: 'forkserver',
    exclude: ['generated/'],
    lintOnChange: false,
    configurationPreference: 'filesystemFirst' as const,
    docsUrl: 'https://docs.example.org/rules',
  };
  const settings = { ...DEFAULT_SETTINGS, ...analysis, interpreter: '~/py', logLevel: 'debug' as const };

  it('sends exactly the server keys, with their values', () => {
    const sent = serverSettings(settings, '/usr/bin/python3');
    assert.deepEqual(Object.keys(sent).sort(), [...SERVER_SETTINGS].sort());
    assert.deepEqual(sent, { enable: true, ...analysis, interpreter: '/usr/bin/python3' });
  });

  it('sends the configured interpreter when none was found, and null when neither is known', () => {
    assert.equal(serverSettings({ ...settings, interpreter: ' /opt/py ' }, undefined).interpreter, '/opt/py');
    assert.equal(serverSettings({ ...settings, interpreter: '' }, undefined).interpreter, null);
  });

  it('keeps "not set" as null so pyproject.toml can decide', () => {
    const sent = serverSettings(DEFAULT_SETTINGS, undefined);
    assert.equal(sent.select, null);
    assert.equal(sent.ignore, null);
    assert.equal(sent.exclude, null);
    assert.equal(sent.assumeStartMethod, null);
  });
});

describe('needsRestart', () => {
  const affected = (changed: string[]) => (section: string) =>
    changed.some((key) => key === section || key.startsWith(`${section}.`));

  it('restarts for the interpreter and the log level', () => {
    assert.equal(needsRestart(affected(['spawnguard.interpreter'])), true);
    assert.equal(needsRestart(affected(['spawnguard.logLevel'])), true);
  });

  it('pushes analysis settings without a restart', () => {
    assert.equal(needsRestart(affected(['spawnguard.select', 'spawnguard.severity'])), false);
    assert.equal(needsRestart(affected(['python.defaultInterpreterPath'])), false);
  });
});

describe('serverLogLevel', () => {
  it('spells the levels as the server accepts them', () => {
    assert.deepEqual(
      (['error', 'warning', 'info', 'debug'] as const).map(serverLogLevel),
      ['ERROR', 'WARNING', 'INFO', 'DEBUG'],
    );
  });
});
