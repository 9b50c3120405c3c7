// Escaping for the two markup languages the reports are written in. Everything that came from a
// cluster (pod names, stderr, rule text, YAML) goes through these before it reaches a report.

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text and attribute values for HTML. */
export function escapeHtml(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => htmlEntities[c]!);
}

/**
 * Text and attribute values for XML 1.0. Control characters (a probe's stderr can carry them)
 * are not allowed in XML at all, even escaped, so they are replaced with U+FFFD.
 */
export function escapeXml(text: string | number): string {
  // eslint-disable-next-line no-control-regex
  return escapeHtml(text).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD');
}

/**
 * Markdown text that stays one line and one table cell: pipes escaped, line breaks flattened,
 * and HTML's specials as entities (Markdown renders inline HTML, and reports carry stderr).
 */
export function escapeMarkdownText(text: string | number): string {
  return String(text)
    .replace(/\\/g, '\\\\')
    .replace(/[&<>]/g, (c) => htmlEntities[c]!)
    .replace(/([|*_[\]])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

/** Inline code in Markdown that survives backticks in the text. */
export function markdownCode(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * A recipe's source: the http(s) address it starts with, if any, and what follows it (a test's
 * name, a walkthrough's step): `https://…/network_policy.go#L613 "should enforce updated policy"`.
 */
export function splitSource(source: string): { url?: string; rest: string } {
  const match = /^(https?:\/\/\S+)\s*(.*)$/is.exec(source.trim());
  return match ? { url: match[1]!, rest: match[2]! } : { rest: source };
}
