// Starting, stopping and restarting the language server. One server per window; restarts are
// queued so two quick setting changes never leave two servers running.

import * as vscode from 'vscode';
import {
  ConfigurationParams,
  DidChangeConfigurationNotification,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
} from 'vscode-languageclient/node';

import { serverCommand } from './launch';
import { handlerLink, rewriteShippedLinks, shippedPageCode } from './ruleDocs';
import { errorMessage } from './log';
import { Interpreter, candidates, describeRejections, expandPath, findInterpreter, probePython } from './python';
import { activeEnvironment } from './pythonExtension';
import { PYTHON_SELECTOR } from './selector';
import { pipeLines, pipeStderr } from './stderr';
import { SECTION, Settings, readSettings, serverSettings } from './settings';
import { ServerStatus } from './status';

const OPEN_SETTING = 'Open Setting';

function withRenderedPageLink(diagnostic: vscode.Diagnostic): vscode.Diagnostic {
  const code = diagnostic.code;
  if (typeof code !== 'object' || code === null) return diagnostic;
  const shipped = shippedPageCode(code.target.toString(true));
  if (shipped !== undefined) {
    diagnostic.code = { value: code.value, target: vscode.Uri.parse(handlerLink(vscode.env.uriScheme, shipped)) };
  }
  return diagnostic;
}

function withRenderedPageLinks(
  content: vscode.MarkdownString | vscode.MarkedString,
): vscode.MarkdownString | vscode.MarkedString {
  if (!(content instanceof vscode.MarkdownString)) return content;
  const rewritten = new vscode.MarkdownString(rewriteShippedLinks(content.value, vscode.env.uriScheme));
  rewritten.isTrusted = content.isTrusted;
  rewritten.supportHtml = content.supportHtml;
  return rewritten;
}
const SHOW_LOGS = 'Show Logs';

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private interpreter: Interpreter | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly extensionRoot: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly status: ServerStatus,
  ) {}

  /** Stops the running server (if any) and starts a new one; calls run one after another. */
  restart(reason: string): Promise<void> {
    this.queue = this.queue.then(async () => {
      this.log.info(`Starting the server (${reason})`);
      await this.stopClient();
      await this.startClient();
    });
    return this.queue;
  }

  /** The analysis settings changed: the server pulls them again and re-publishes. */
  settingsChanged(): void {
    this.client
      ?.sendNotification(DidChangeConfigurationNotification.type, { settings: null })
      .catch((error) => this.log.warn(`Could not send the new settings: ${errorMessage(error)}`));
  }

  /** The Python the user configured, trust applied (empty when unset). */
  configuredInterpreter(): string {
    return this.settings(undefined).interpreter;
  }

  async stop(): Promise<void> {
    await this.queue;
    await this.stopClient();
  }

  dispose(): void {
    void this.stop();
  }

  private settings(scope: vscode.Uri | undefined): Settings {
    return readSettings(vscode.workspace.getConfiguration(SECTION, scope), vscode.workspace.isTrusted);
  }

  private async startClient(): Promise<void> {
    this.status.starting();
    const folder = vscode.workspace.workspaceFolders?.[0];
    const settings = this.settings(folder?.uri);
    if (!settings.interpreter && !vscode.workspace.isTrusted) {
      this.log.info('Untrusted workspace: a spawnguard.interpreter set in the workspace is ignored');
    }
    const discovery = await findInterpreter(
      candidates({
        setting: settings.interpreter,
        pythonExtension: await activeEnvironment(folder?.uri, this.log),
        workspaceFolder: folder?.uri.fsPath,
      }),
      (command) => probePython(command),
    );
    for (const rejected of discovery.rejected) {
      this.log.warn(`Not using ${describeRejections([rejected])}`);
    }
    this.interpreter = discovery.interpreter;
    if (this.interpreter === undefined) {
      const why = describeRejections(discovery.rejected);
      this.status.failed('no Python 3.10+ found');
      this.log.error(`No usable Python: ${why}`);
      void this.offerSetting(
        `spawnguard needs Python 3.10 or newer to run its language server and found none (${why}). ` +
          'Set "spawnguard.interpreter" to a Python executable.',
      );
      return;
    }
    const interpreter = this.interpreter;
    this.log.info(`Using Python ${interpreter.version.join('.')} at ${interpreter.executable} (from ${interpreter.source})`);

    const launch = serverCommand(this.extensionRoot, interpreter.executable, settings.logLevel);
    const serverOptions: ServerOptions = {
      command: launch.command,
      args: launch.args,
      options: { env: launch.env, cwd: folder?.uri.fsPath },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: PYTHON_SELECTOR,
      outputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      // stdout carries the protocol; stderr is the server's logging, kept at its own levels.
      stdioOptions: {
        stdout: (input, channel) => pipeLines(input, (line) => channel.info(line)),
        stderr: (input, channel) => pipeStderr(input, channel),
      },
      initializationOptions: { settings: this.serverSettingsFor(folder?.uri) },
      middleware: {
        // Links to the server's shipped rule pages open rendered (see ruleDocs.ts).
        handleDiagnostics: (uri, diagnostics, next) => next(uri, diagnostics.map(withRenderedPageLink)),
        provideHover: async (document, position, token, next) => {
          const hover = await next(document, position, token);
          return hover ? new vscode.Hover(hover.contents.map(withRenderedPageLinks), hover.range) : hover;
        },
        workspace: {
          // Answer for our section ourselves, so trust and the found interpreter apply.
          configuration: async (params: ConfigurationParams, token, next) => {
            const ours = params.items.map((item) => item.section === SECTION);
            const others = ours.every(Boolean) ? [] : await next(params, token);
            if (others instanceof Error) return others;
            return params.items.map((item, index) =>
              ours[index] ? this.serverSettingsFor(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined) : (others as unknown[])[index],
            );
          },
        },
      },
    };
    const client = new LanguageClient(SECTION, 'spawnguard', serverOptions, clientOptions);
    client.onDidChangeState((event) => {
      if (event.newState === State.Running) this.status.running(interpreter);
      else if (event.newState === State.Stopped && this.client === client) this.status.stopped();
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      const message = errorMessage(error);
      this.status.failed(`the server did not start: ${message}`);
      this.log.error(`The server did not start with ${interpreter.executable}: ${message}`);
      void this.offerLogs(
        `spawnguard's language server did not start with ${interpreter.executable}: ${message}. ` +
          'The log shows why; "spawnguard.interpreter" picks another Python.',
      );
    }
  }

  private serverSettingsFor(scope: vscode.Uri | undefined): Record<string, unknown> {
    const settings = this.settings(scope);
    const folder = scope ? vscode.workspace.getWorkspaceFolder(scope) : vscode.workspace.workspaceFolders?.[0];
    const interpreter = settings.interpreter
      ? expandPath(settings.interpreter, folder?.uri.fsPath)
      : this.interpreter?.executable;
    return serverSettings(settings, interpreter);
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    try {
      await client.stop(5000);
    } catch (error) {
      this.log.warn(`The server did not stop cleanly: ${errorMessage(error)}`);
    }
  }

  private async offerSetting(message: string): Promise<void> {
    if ((await vscode.window.showErrorMessage(message, OPEN_SETTING)) === OPEN_SETTING) {
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.interpreter`);
    }
  }

  private async offerLogs(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, SHOW_LOGS, OPEN_SETTING);
    if (choice === SHOW_LOGS) this.log.show();
    if (choice === OPEN_SETTING) {
      await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.interpreter`);
    }
  }
}
