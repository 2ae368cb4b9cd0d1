/**
 * Escaping for the HTML report. Every string that comes from a capture (SIP display names, URIs,
 * Call-IDs, evidence header lines) is attacker-controlled: it goes through escapeHtml before it
 * reaches markup, and the embedded chart data goes through jsonForScript so it cannot close its
 * <script> element.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** text and attribute values: escapes & < > " ' (enough for quoted attributes too) */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * JSON for a `<script type="application/json">` element. `<` becomes \u003c so neither `</script>`
 * nor `<!--` can appear (the HTML parser would end or confuse the element); `>` and `&` for
 * symmetry; U+2028/U+2029 so the text is also a valid JS string literal if someone pastes it.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** an id safe for `id=` and `href="#..."` (stream ids are "s1"... but they come through the model) */
export function safeId(prefix: string, s: string): string {
  return prefix + s.replace(/[^A-Za-z0-9_-]/g, '_');
}
