// How the server process is started: the bundled launcher under the found Python.
// No `vscode` import, so node's test runner can load it.

import * as path from 'node:path';

import { LogLevel, serverLogLevel } from './settings';

export interface ServerCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** `bundled/tool/launch_server.py` puts `bundled/libs` first on `sys.path`, then runs the server. */
export function launcherPath(extensionRoot: string): string {
  return path.join(extensionRoot, 'bundled', 'tool', 'launch_server.py');
}

export function serverCommand(
  extensionRoot: string,
  pythonExecutable: string,
  logLevel: LogLevel,
  env: NodeJS.ProcessEnv = process.env,
): ServerCommand {
  return {
    command: pythonExecutable,
    args: [launcherPath(extensionRoot), '--log-level', serverLogLevel(logLevel)],
    env: {
      ...env,
      // The server's stderr is the log channel: no buffering, and never fail on odd characters.
      PYTHONUNBUFFERED: '1',
      PYTHONIOENCODING: 'utf-8',
    },
  };
}
