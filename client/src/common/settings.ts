// The extension's settings: reading them (honouring workspace trust) and turning them into
// what the language server gets. No `vscode` import, so node's test runner can load it.

export const SECTION = 'spawnguard';

// Settings a workspace may not set while it is untrusted (mirrors package.json's
// `capabilities.untrustedWorkspaces.restrictedConfigurations`).
export const RESTRICTED_SETTINGS: readonly string[] = ['interpreter'];

// The keys the server reads (server/spawnguard/server/settings.py); the rest stay in the client.
export const SERVER_SETTINGS = [
  'enable',
  'select',
  'ignore',
  'severity',
  'assumeStartMethod',
  'exclude',
  'lintOnChange',
  'interpreter',
  'configurationPreference',
  'docsUrl',
] as const;

// Changing these changes the server's command line, so the server restarts.
export const RESTART_SETTINGS: readonly string[] = ['interpreter', 'logLevel'];

export type LogLevel = 'error' | 'warning' | 'info' | 'debug';
export type ConfigurationPreference = 'editorFirst' | 'filesystemFirst' | 'editorOnly';

// This version's rule pages, rendered by GitHub (the server has the same default).
export const DEFAULT_DOCS_URL = 'https://github.com/spawnguard/spawnguard/blob/v0.1.0/server/spawnguard/docs/rules';

export interface Settings {
  enable: boolean;
  interpreter: string;
  select: string[] | null;
  ignore: string[] | null;
  severity: Record<string, string>;
  assumeStartMethod: string | null;
  exclude: string[] | null;
  lintOnChange: boolean;
  configurationPreference: ConfigurationPreference;
  docsUrl: string;
  logLevel: LogLevel;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = {
  enable: true,
  interpreter: '',
  select: null,
  ignore: null,
  severity: {},
  assumeStartMethod: null,
  exclude: null,
  lintOnChange: true,
  configurationPreference: 'editorFirst',
  docsUrl: DEFAULT_DOCS_URL,
  logLevel: 'warning',
};

// The shape of `WorkspaceConfiguration.inspect()` that matters here.
export interface Inspected<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

export interface SettingsReader {
  inspect<T>(key: string): Inspected<T> | undefined;
}

/** The value VS Code would use, except that an untrusted workspace cannot set restricted keys. */
export function effectiveValue<T>(
  key: string,
  inspected: Inspected<T> | undefined,
  trusted: boolean,
): T | undefined {
  if (inspected === undefined) return undefined;
  const workspaceMaySet = trusted || !RESTRICTED_SETTINGS.includes(key);
  if (workspaceMaySet) {
    if (inspected.workspaceFolderValue !== undefined) return inspected.workspaceFolderValue;
    if (inspected.workspaceValue !== undefined) return inspected.workspaceValue;
  }
  if (inspected.globalValue !== undefined) return inspected.globalValue;
  return inspected.defaultValue;
}

/** Reads every setting; values of the wrong type fall back to the default (the server reports them). */
export function readSettings(reader: SettingsReader, trusted: boolean): Settings {
  const value = <K extends keyof Settings>(key: K, valid: (v: unknown) => boolean): Settings[K] => {
    const found = effectiveValue<unknown>(key, reader.inspect(key), trusted);
    return (found !== undefined && valid(found) ? found : DEFAULT_SETTINGS[key]) as Settings[K];
  };
  return {
    enable: value('enable', isBoolean),
    interpreter: value('interpreter', isString),
    select: value('select', isStringListOrNull),
    ignore: value('ignore', isStringListOrNull),
    severity: value('severity', isObject),
    assumeStartMethod: value('assumeStartMethod', (v) => v === null || isString(v)),
    exclude: value('exclude', isStringListOrNull),
    lintOnChange: value('lintOnChange', isBoolean),
    configurationPreference: value('configurationPreference', isString),
    docsUrl: value('docsUrl', isString),
    logLevel: value('logLevel', (v) => ['error', 'warning', 'info', 'debug'].includes(v as string)),
  };
}

/**
 * The `spawnguard` settings object the server gets (initializationOptions and
 * `workspace/configuration`). `interpreter` is the Python the client actually found, so jedi
 * resolves hover symbols in the same environment; `null` values mean "not set" to the server.
 */
export function serverSettings(settings: Settings, interpreter: string | undefined): Record<string, unknown> {
  return {
    enable: settings.enable,
    select: settings.select,
    ignore: settings.ignore,
    severity: settings.severity,
    assumeStartMethod: settings.assumeStartMethod,
    exclude: settings.exclude,
    lintOnChange: settings.lintOnChange,
    interpreter: interpreter ?? (settings.interpreter.trim() || null),
    configurationPreference: settings.configurationPreference,
    docsUrl: settings.docsUrl.trim(),
  };
}

/** Whether a configuration change needs a new server process (not just a settings push). */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return RESTART_SETTINGS.some((key) => affects(`${SECTION}.${key}`));
}

/** The server's `--log-level` argument. */
export function serverLogLevel(level: LogLevel): string {
  return level.toUpperCase();
}

function isBoolean(value: unknown): boolean {
  return typeof value === 'boolean';
}

function isString(value: unknown): boolean {
  return typeof value === 'string';
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringListOrNull(value: unknown): boolean {
  return value === null || (Array.isArray(value) && value.every(isString));
}
