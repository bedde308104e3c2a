// The "spawnguard" output channel: the client's own messages and the server's stderr, with levels.

import * as vscode from 'vscode';

export const CHANNEL_NAME = 'spawnguard';

export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel(CHANNEL_NAME, { log: true });
}

/** The message of anything thrown, without a stack. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
