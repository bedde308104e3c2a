import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import {
  Interpreter,
  Probe,
  candidates,
  describeRejections,
  expandPath,
  findInterpreter,
  isSupported,
  parseProbeOutput,
  probePython,
} from '../src/common/python';

function fakeProbe(answers: Record<string, Interpreter['version'] | string>): Probe & { asked: string[] } {
  const asked: string[] = [];
  const probe = async (command: string) => {
    asked.push(command);
    const answer = answers[command] ?? 'was not found';
    return typeof answer === 'string'
      ? answer
      : { source: 'path' as const, command, executable: `/abs/${path.basename(command)}`, version: answer };
  };
  return Object.assign(probe, { asked });
}

describe('candidates', () => {
  it('orders the setting, the Python extension, then PATH', () => {
    assert.deepEqual(
      candidates({ setting: '/opt/py/bin/python', pythonExtension: '/venv/bin/python', platform: 'linux' }),
      [
        { source: 'setting', command: '/opt/py/bin/python' },
        { source: 'python-extension', command: '/venv/bin/python' },
        { source: 'path', command: 'python3' },
        { source: 'path', command: 'python' },
      ],
    );
  });

  it('skips what is not configured', () => {
    assert.deepEqual(
      candidates({ setting: '  ', platform: 'linux' }).map((c) => c.source),
      ['path', 'path'],
    );
  });

  it('tries python before python3 on Windows', () => {
    assert.deepEqual(
      candidates({ setting: '', platform: 'win32' }).map((c) => c.command),
      ['python', 'python3'],
    );
  });

  it('expands ${workspaceFolder} and ~ in the setting', () => {
    const [first] = candidates({ setting: '${workspaceFolder}/.venv/bin/python', workspaceFolder: '/repo', platform: 'linux' });
    assert.equal(first.command, '/repo/.venv/bin/python');
    assert.equal(expandPath('~/py/bin/python', undefined, '/home/me'), path.join('/home/me', 'py/bin/python'));
    assert.equal(expandPath('/a/~b', undefined, '/home/me'), '/a/~b');
  });
});

describe('findInterpreter', () => {
  it('takes the first candidate that works', async () => {
    const probe = fakeProbe({ '/venv/bin/python': [3, 12, 1], python3: [3, 11, 7] });
    const found = await findInterpreter(
      candidates({ setting: '', pythonExtension: '/venv/bin/python', platform: 'linux' }),
      probe,
    );
    assert.equal(found.interpreter?.source, 'python-extension');
    assert.equal(found.interpreter?.executable, '/abs/python');
    assert.deepEqual(found.interpreter?.version, [3, 12, 1]);
    assert.deepEqual(probe.asked, ['/venv/bin/python']);
    assert.deepEqual(found.rejected, []);
  });

  it('falls through a broken setting and a too-old Python, saying why', async () => {
    const probe = fakeProbe({ '/missing/python': 'was not found', '/venv/bin/python': [3, 9, 18], python3: [3, 10, 0] });
    const found = await findInterpreter(
      candidates({ setting: '/missing/python', pythonExtension: '/venv/bin/python', platform: 'linux' }),
      probe,
    );
    assert.equal(found.interpreter?.command, 'python3');
    assert.equal(found.interpreter?.source, 'path');
    assert.deepEqual(
      found.rejected.map((r) => [r.source, r.reason]),
      [
        ['setting', 'was not found'],
        ['python-extension', 'is Python 3.9.18, spawnguard needs 3.10 or newer'],
      ],
    );
    assert.match(describeRejections(found.rejected), /\/missing\/python \(spawnguard\.interpreter\) was not found/);
  });

  it('finds nothing when no candidate works, and probes each command once', async () => {
    const probe = fakeProbe({ python3: [2, 7, 18] });
    const found = await findInterpreter(
      [...candidates({ setting: 'python3', platform: 'linux' })],
      probe,
    );
    assert.equal(found.interpreter, undefined);
    assert.deepEqual(probe.asked, ['python3', 'python']);
    assert.equal(found.rejected.length, 2);
  });
});

describe('isSupported', () => {
  it('accepts 3.10 and newer', () => {
    assert.equal(isSupported([3, 10, 0]), true);
    assert.equal(isSupported([3, 14, 0]), true);
    assert.equal(isSupported([4, 0, 0]), true);
    assert.equal(isSupported([3, 9, 18]), false);
    assert.equal(isSupported([2, 7, 18]), false);
  });
});

describe('probePython', () => {
  it('parses only its own JSON line', () => {
    assert.deepEqual(parseProbeOutput('noise\n["/usr/bin/python3", [3, 11, 7]]\n'), {
      executable: '/usr/bin/python3',
      version: [3, 11, 7],
    });
    assert.equal(parseProbeOutput('Python 3.11.7'), undefined);
  });

  it('runs a real Python and reports its executable and version', async (t) => {
    const python = process.env.PYTHON ?? 'python3';
    let expected: string;
    try {
      expected = execFileSync(python, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    } catch {
      t.skip(`${python} is not available`);
      return;
    }
    const result = await probePython(python);
    assert.notEqual(typeof result, 'string', String(result));
    const found = result as Interpreter;
    assert.equal(found.executable, expected);
    assert.equal(found.version.length, 3);
  });

  it('says "was not found" for a missing command', async () => {
    assert.equal(await probePython(path.join(os.tmpdir(), 'no-such-python-here')), 'was not found');
  });
});
