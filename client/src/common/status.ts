// The language status item next to "Python" in the status bar: server state and interpreter.

import * as vscode from 'vscode';

import type { Interpreter } from './python';
import { PYTHON_SELECTOR } from './selector';

export class ServerStatus implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;

  constructor() {
    this.item = vscode.languages.createLanguageStatusItem('spawnguard.server', PYTHON_SELECTOR);
    this.item.name = 'spawnguard';
    this.item.command = { title: 'Show Logs', command: 'spawnguard.showLogs' };
    this.starting();
  }

  starting(): void {
    this.show('$(loading~spin) spawnguard', 'starting', vscode.LanguageStatusSeverity.Information, true);
  }

  running(interpreter: Interpreter): void {
    const version = interpreter.version.join('.');
    this.show('spawnguard', `Python ${version}: ${interpreter.executable}`, vscode.LanguageStatusSeverity.Information);
  }

  stopped(): void {
    this.show('spawnguard', 'server stopped', vscode.LanguageStatusSeverity.Warning);
  }

  failed(reason: string): void {
    this.show('$(error) spawnguard', reason, vscode.LanguageStatusSeverity.Error);
  }

  dispose(): void {
    this.item.dispose();
  }

  private show(text: string, detail: string, severity: vscode.LanguageStatusSeverity, busy = false): void {
    this.item.text = text;
    this.item.detail = detail;
    this.item.severity = severity;
    this.item.busy = busy;
  }
}
