import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { launcherPath, serverCommand } from '../src/common/launch';
import { PYTHON_SELECTOR } from '../src/common/selector';

const REPO = path.resolve(__dirname, '..', '..');

describe('serverCommand', () => {
  it('runs the bundled launcher with the found Python and the log level', () => {
    const launch = serverCommand('/ext', '/usr/bin/python3', 'debug', { PATH: '/bin' });
    assert.equal(launch.command, '/usr/bin/python3');
    assert.deepEqual(launch.args, [path.join('/ext', 'bundled', 'tool', 'launch_server.py'), '--log-level', 'DEBUG']);
    assert.equal(launch.env.PATH, '/bin');
    assert.equal(launch.env.PYTHONUNBUFFERED, '1');
  });

  it('points at the launcher the bundle script installs', () => {
    // client/build/bundle_python.py copies client/python/launch_server.py to bundled/tool/.
    const source = path.join(REPO, 'client', 'python', path.basename(launcherPath('/ext')));
    assert.ok(fs.existsSync(source), source);
    const bundler = fs.readFileSync(path.join(REPO, 'client', 'build', 'bundle_python.py'), 'utf8');
    assert.match(bundler, /TOOL = BUNDLED \/ "tool"/);
  });
});

describe('PYTHON_SELECTOR', () => {
  it('covers files, unsaved documents and notebook cells', () => {
    assert.deepEqual(
      PYTHON_SELECTOR.map((filter) => `${filter.scheme}:${filter.language}`),
      ['file:python', 'untitled:python', 'vscode-notebook-cell:python'],
    );
  });
});
