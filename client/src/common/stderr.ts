// The server's stderr, line by line, at the log level Python's logging wrote it with.
// Python's default format is `LEVEL:logger:message`; a traceback or a wrapped message continues
// at the level of the line before it. No `vscode` import, so node's test runner can load it.

import * as readline from 'node:readline';
import type { Readable } from 'node:stream';

export type ChannelLevel = 'error' | 'warn' | 'info' | 'debug';

export interface LevelledLog {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

const PYTHON_LEVELS: Record<string, ChannelLevel> = {
  CRITICAL: 'error',
  ERROR: 'error',
  WARNING: 'warn',
  INFO: 'info',
  DEBUG: 'debug',
};

export class StderrLevels {
  // Before any logging line, stderr output is a crash or an import error.
  private current: ChannelLevel = 'error';

  level(line: string): ChannelLevel {
    const prefix = /^([A-Z]+):/.exec(line)?.[1];
    if (prefix !== undefined && prefix in PYTHON_LEVELS) {
      this.current = PYTHON_LEVELS[prefix];
    } else if (line.startsWith('Traceback (most recent call last)')) {
      this.current = 'error';
    }
    return this.current;
  }
}

export function pipeLines(input: Readable, onLine: (line: string) => void): void {
  readline.createInterface({ input, crlfDelay: Infinity, terminal: false }).on('line', onLine);
}

/** Sends each stderr line to the log at its level. */
export function pipeStderr(input: Readable, log: LevelledLog): void {
  const levels = new StderrLevels();
  pipeLines(input, (line) => log[levels.level(line)](line));
}
