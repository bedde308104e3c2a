// Rule pages shipped in the .vsix, shown rendered. With `spawnguard.docsUrl` set to "" the
// server links rule codes to its own `.md` files (`file:` URIs), which VS Code would open as
// raw Markdown source; here those links become this extension's URI-handler links, and the
// handler opens the page with `markdown.showPreview`. A `command:` link would not do: VS Code
// opens a diagnostic's code link from the editor's problem hover without command rights.
// No `vscode` import, so node's test runner can load it.

import * as path from 'node:path';

export const EXTENSION_ID = 'spawnguard.spawnguard';
// The handler's path; the rule code is the query (`<scheme>://spawnguard.spawnguard/rule?SPG101`).
export const RULE_PATH = '/rule';

const RULE_CODE = /^SPG\d{3}$/;
// A page of the server's package: `…/spawnguard/docs/rules/SPG101.md`.
const SHIPPED_PAGE = /^file:\/\/[^\s)]*\/spawnguard\/docs\/rules\/(SPG\d{3})\.md$/;
const SHIPPED_PAGE_IN_TEXT = /\(file:\/\/[^\s)]*\/spawnguard\/docs\/rules\/(SPG\d{3})\.md\)/g;

/** The rule code of a link to one of the server's shipped pages, else undefined. */
export function shippedPageCode(link: string): string | undefined {
  return SHIPPED_PAGE.exec(link)?.[1];
}

/** The page of `code` inside the installed extension (the bundled server's package). */
export function bundledPage(extensionRoot: string, code: string): string {
  return path.join(extensionRoot, 'bundled', 'libs', 'spawnguard', 'docs', 'rules', `${code}.md`);
}

/** The link that makes VS Code call this extension's URI handler for `code`. */
export function handlerLink(uriScheme: string, code: string): string {
  return `${uriScheme}://${EXTENSION_ID}${RULE_PATH}?${code}`;
}

/** The rule code a URI-handler call asks for (undefined: not a rule-page call, or a bad code). */
export function requestedCode(uriPath: string, query: string): string | undefined {
  const code = query.trim().toUpperCase();
  return uriPath === RULE_PATH && RULE_CODE.test(code) ? code : undefined;
}

/** Markdown (a hover) with every link to a shipped page turned into the handler's link. */
export function rewriteShippedLinks(markdown: string, uriScheme: string): string {
  return markdown.replace(SHIPPED_PAGE_IN_TEXT, (_link, code: string) => `(${handlerLink(uriScheme, code)})`);
}
