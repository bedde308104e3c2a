// Which documents the server sees: Python files on disk, unsaved ones, and notebook cells.

export const PYTHON_SELECTOR = [
  { scheme: 'file', language: 'python' },
  { scheme: 'untitled', language: 'python' },
  { scheme: 'vscode-notebook-cell', language: 'python' },
];
