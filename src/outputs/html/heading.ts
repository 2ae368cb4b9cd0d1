/**
 * What the report says it is about: its title (`--title`, else "VoIP-Ready report: <file name>") and
 * for whom (`--customer`, and the config's `site` when one is set), shown under the title.
 */
import type { AnalysisReport } from '../../model/report.js';
import { escapeHtml as h } from './escape.js';
import { fileName } from './format.js';

export interface HtmlOptions {
  /** the report's title instead of "VoIP-Ready report: <file name>" */
  title?: string;
  /** the customer the report is for */
  customer?: string;
  /** the site measured (the config's `site`; "default" is not shown) */
  site?: string;
}

export function reportTitle(r: AnalysisReport, opts: HtmlOptions): string {
  const t = opts.title?.trim();
  return t !== undefined && t !== '' ? t : `VoIP-Ready report: ${fileName(r.input.file)}`;
}

/** "Customer ACME GmbH · Site Berlin HQ · Capture acme.pcapng"; nothing with the default title and neither */
export function whoLine(r: AnalysisReport, opts: HtmlOptions): string {
  const parts: string[] = [];
  const customer = opts.customer?.trim();
  const site = opts.site?.trim();
  if (customer !== undefined && customer !== '') parts.push(`Customer <b id="report-customer">${h(customer)}</b>`);
  if (site !== undefined && site !== '' && site !== 'default') parts.push(`Site <b id="report-site">${h(site)}</b>`);
  const customTitle = reportTitle(r, opts) !== reportTitle(r, {});
  if (parts.length === 0 && !customTitle) return '';
  // the default title names the capture; with customer, site or a title of its own, this line does
  parts.push(`Capture <span class="mono">${h(fileName(r.input.file))}</span>`);
  return `<p class="who">${parts.join(' · ')}</p>\n`;
}
