// Finding a Python (3.10 or newer) to run the server: candidates in order, each probed once.
// No `vscode` import: the Python extension's answer is passed in by `pythonExtension.ts`.

import { execFile } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

export const MINIMUM_PYTHON: readonly [number, number] = [3, 10];

export type CandidateSource = 'setting' | 'python-extension' | 'path';

export interface Candidate {
  source: CandidateSource;
  command: string;
}

export interface Interpreter extends Candidate {
  executable: string; // sys.executable, absolute
  version: [number, number, number];
}

export type Probe = (command: string) => Promise<Interpreter | string>; // a string says why not

export interface Rejection extends Candidate {
  reason: string;
}

export interface Discovery {
  interpreter?: Interpreter;
  rejected: Rejection[];
}

export interface CandidateInputs {
  setting: string; // spawnguard.interpreter (already trust-filtered), '' when unset
  pythonExtension?: string; // the Python extension's active environment, when it has one
  workspaceFolder?: string;
  platform?: NodeJS.Platform;
}

/** The order: the setting, the Python extension's environment, then `python3`/`python` on PATH. */
export function candidates(inputs: CandidateInputs): Candidate[] {
  const found: Candidate[] = [];
  const setting = inputs.setting.trim();
  if (setting) {
    found.push({ source: 'setting', command: expandPath(setting, inputs.workspaceFolder) });
  }
  if (inputs.pythonExtension) {
    found.push({ source: 'python-extension', command: inputs.pythonExtension });
  }
  const onPath = (inputs.platform ?? process.platform) === 'win32' ? ['python', 'python3'] : ['python3', 'python'];
  for (const command of onPath) found.push({ source: 'path', command });
  return found;
}

/** `~` and `${workspaceFolder}` as VS Code users write them in settings. */
export function expandPath(value: string, workspaceFolder: string | undefined, home = os.homedir()): string {
  let result = value.trim();
  if (workspaceFolder !== undefined) {
    result = result.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
  }
  if (result === '~' || result.startsWith('~/') || result.startsWith('~\\')) {
    result = path.join(home, result.slice(1));
  }
  return result;
}

/** The first candidate that runs and is new enough; the others say why not. */
export async function findInterpreter(list: Candidate[], probe: Probe): Promise<Discovery> {
  const rejected: Rejection[] = [];
  const seen = new Set<string>();
  for (const candidate of list) {
    if (seen.has(candidate.command)) continue;
    seen.add(candidate.command);
    const result = await probe(candidate.command);
    if (typeof result === 'string') {
      rejected.push({ ...candidate, reason: result });
    } else if (!isSupported(result.version)) {
      rejected.push({ ...candidate, reason: `is Python ${result.version.join('.')}, spawnguard needs ${MINIMUM_PYTHON.join('.')} or newer` });
    } else {
      return { interpreter: { ...result, source: candidate.source, command: candidate.command }, rejected };
    }
  }
  return { rejected };
}

export function isSupported(version: readonly number[]): boolean {
  const [major, minor] = version;
  return major > MINIMUM_PYTHON[0] || (major === MINIMUM_PYTHON[0] && minor >= MINIMUM_PYTHON[1]);
}

const PROBE_SCRIPT = 'import json, sys; print(json.dumps([sys.executable, list(sys.version_info[:3])]))';

/** Runs the interpreter once to learn its executable and version. */
export function probePython(command: string, timeoutMs = 10_000): Promise<Interpreter | string> {
  return new Promise((resolve) => {
    execFile(command, ['-c', PROBE_SCRIPT], { timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        resolve(code === 'ENOENT' ? 'was not found' : `failed: ${(stderr || error.message).trim().split('\n').pop()}`);
        return;
      }
      const parsed = parseProbeOutput(stdout);
      resolve(parsed ? { source: 'path', command, ...parsed } : `printed something unexpected: ${stdout.trim().slice(0, 200)}`);
    });
  });
}

export function parseProbeOutput(stdout: string): Pick<Interpreter, 'executable' | 'version'> | undefined {
  try {
    const [executable, version] = JSON.parse(stdout.trim().split('\n').pop() ?? '');
    if (typeof executable === 'string' && Array.isArray(version) && version.length === 3) {
      return { executable, version: version.map(Number) as [number, number, number] };
    }
  } catch {
    // fall through: not our JSON
  }
  return undefined;
}

/** One line per rejected candidate, for the log and the error message. */
export function describeRejections(rejected: Rejection[]): string {
  const names: Record<CandidateSource, string> = {
    setting: 'spawnguard.interpreter',
    'python-extension': "the Python extension's environment",
    path: 'PATH',
  };
  return rejected.map((r) => `${r.command} (${names[r.source]}) ${r.reason}`).join('; ');
}
