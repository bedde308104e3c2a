// The Python extension's active environment, when that extension is installed. It is optional:
// VSCodium and code-server users often do not have it, and everything works without it.

import { PythonExtension } from '@vscode/python-extension';
import * as vscode from 'vscode';

import { errorMessage } from './log';

const PYTHON_EXTENSION_ID = 'ms-python.python';

async function api(log: vscode.LogOutputChannel): Promise<PythonExtension | undefined> {
  if (vscode.extensions.getExtension(PYTHON_EXTENSION_ID) === undefined) return undefined;
  try {
    return await PythonExtension.api();
  } catch (error) {
    log.warn(`The Python extension did not answer: ${errorMessage(error)}`);
    return undefined;
  }
}

/** The executable of the active environment for `resource`, or undefined. */
export async function activeEnvironment(
  resource: vscode.Uri | undefined,
  log: vscode.LogOutputChannel,
): Promise<string | undefined> {
  const python = await api(log);
  if (python === undefined) return undefined;
  try {
    const environment = await python.environments.resolveEnvironment(
      python.environments.getActiveEnvironmentPath(resource),
    );
    return environment?.executable.uri?.fsPath;
  } catch (error) {
    log.warn(`Could not resolve the Python extension's environment: ${errorMessage(error)}`);
    return undefined;
  }
}

/** Calls `listener` when the user picks another environment; nothing when the extension is absent. */
export async function onEnvironmentChange(
  listener: () => void,
  log: vscode.LogOutputChannel,
): Promise<vscode.Disposable | undefined> {
  const python = await api(log);
  return python?.environments.onDidChangeActiveEnvironmentPath(listener);
}
