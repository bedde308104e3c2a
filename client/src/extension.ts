// Entry point: wires the log, the status item, the server manager, commands and events.

import * as path from 'node:path';

import * as vscode from 'vscode';

import { createLog } from './common/log';
import { RULE_PATH, bundledPage, requestedCode } from './common/ruleDocs';
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
    vscode.commands.registerCommand(`${SECTION}.showRulePage`, (code?: unknown) => showRulePage(context, code)),
    // Rule-code links of diagnostics and hovers (with `spawnguard.docsUrl` set to "") land here.
    vscode.window.registerUriHandler({
      handleUri: (uri) => {
        const code = requestedCode(uri.path, uri.query);
        if (code !== undefined) void showRulePage(context, code);
      },
    }),
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

/** The rule's page shipped in the .vsix, rendered by VS Code's Markdown preview (from the
 * command palette, without a code: the rule picked from the list). */
async function showRulePage(context: vscode.ExtensionContext, code?: unknown): Promise<void> {
  let chosen = typeof code === 'string' ? requestedCode(RULE_PATH, code) : undefined;
  if (chosen === undefined) {
    const pages = await vscode.workspace.fs.readDirectory(vscode.Uri.file(path.dirname(bundledPage(context.extensionPath, 'SPG000'))));
    const codes = pages.map(([name]) => name.replace(/\.md$/, '')).filter((name) => requestedCode(RULE_PATH, name));
    chosen = await vscode.window.showQuickPick(codes.sort(), { placeHolder: 'spawnguard rule' });
  }
  if (chosen === undefined) return;
  await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(bundledPage(context.extensionPath, chosen)));
}

export async function deactivate(): Promise<void> {
  await manager?.stop();
  manager = undefined;
}
