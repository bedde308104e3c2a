// Entry point: wires the log, the status item, the server manager, commands and events.

import * as vscode from 'vscode';

import { createLog } from './common/log';
import { onEnvironmentChange } from './common/pythonExtension';
import { ServerManager } from './common/server';
import { SECTION, needsRestart } from './common/settings';
import { ServerStatus } from './common/status';

let manager: ServerManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = createLog();
  const status = new ServerStatus();
  manager = new ServerManager(context.extensionPath, log, status);
  const servers = manager;
  context.subscriptions.push(
    log,
    status,
    servers,
    vscode.commands.registerCommand(`${SECTION}.restart`, () => servers.restart('restart command')),
    vscode.commands.registerCommand(`${SECTION}.showLogs`, () => log.show()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (needsRestart((section) => event.affectsConfiguration(section))) {
        void servers.restart('settings changed');
      } else if (event.affectsConfiguration(SECTION)) {
        servers.settingsChanged();
      }
    }),
    // Trust lets the workspace's own spawnguard.interpreter apply.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void servers.restart('workspace trusted')),
  );
  const environmentWatch = await onEnvironmentChange(() => {
    if (!servers.configuredInterpreter()) void servers.restart('Python environment changed');
  }, log);
  if (environmentWatch) context.subscriptions.push(environmentWatch);
  await servers.restart('activation');
}

export async function deactivate(): Promise<void> {
  await manager?.stop();
  manager = undefined;
}
