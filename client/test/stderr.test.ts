import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';

import { ChannelLevel, StderrLevels, pipeStderr } from '../src/common/stderr';

describe('StderrLevels', () => {
  it("reads Python logging's level prefix", () => {
    const levels = new StderrLevels();
    assert.deepEqual(
      [
        'INFO:pygls.server:Starting IO server',
        'DEBUG:spawnguard.server.app:analysed train.py in 2 ms',
        'WARNING:spawnguard.server.app:workspace/configuration failed',
        'ERROR:pygls.protocol:Failed to handle request 3',
        'CRITICAL:root:out of memory',
      ].map((line) => levels.level(line)),
      ['info', 'debug', 'warn', 'error', 'error'],
    );
  });

  it('keeps the level for continuation lines and treats output before any logging as an error', () => {
    const levels = new StderrLevels();
    assert.equal(levels.level("ModuleNotFoundError: No module named 'pygls'"), 'error');
    assert.equal(levels.level('INFO:pygls.server:Starting IO server'), 'info');
    assert.equal(levels.level('  continued message'), 'info');
    assert.equal(levels.level('Traceback (most recent call last):'), 'error');
    assert.equal(levels.level('  File "app.py", line 3, in <module>'), 'error');
    assert.equal(levels.level('NOTALEVEL: something'), 'error');
  });
});

describe('pipeStderr', () => {
  it('logs each line at its level', async () => {
    const input = new PassThrough();
    const seen: [ChannelLevel, string][] = [];
    const log = {
      error: (m: string) => seen.push(['error', m]),
      warn: (m: string) => seen.push(['warn', m]),
      info: (m: string) => seen.push(['info', m]),
      debug: (m: string) => seen.push(['debug', m]),
    };
    pipeStderr(input, log);
    input.end('WARNING:x:first\r\nsecond\nDEBUG:y:third\n');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(seen, [
      ['warn', 'WARNING:x:first'],
      ['warn', 'second'],
      ['debug', 'DEBUG:y:third'],
    ]);
  });
});
