import type { ChartSpec, Criterion } from '../experiments/types.js';
import { renderChartSvg, type RenderedChart } from './render-chart.js';
import { REPORT_CSS } from './style.js';

/** A small coloured label in a header ("PASS", "3/4 criteria", "quick"). */
export interface ReportBadge {
  /** The badge's text. */
  label: string;
  /** Its colour: pass (green), fail (red), warn (amber), info (blue). */
  tone: 'pass' | 'fail' | 'warn' | 'info';
}

/** A plain table (its cells are text; numbers are formatted like measured values). */
export interface ReportTable {
  /** Caption above the table. */
  caption?: string;
  /** Column headings. */
  columns: readonly string[];
  /** The rows, one cell per column (null: an empty cell). */
  rows: readonly (readonly (string | number | boolean | null)[])[];
}

/** One section of a report: a heading, then text, criteria, a table, charts and details, in that order. */
export interface ReportSection {
  /** The section's heading. */
  title: string;
  /** Anchor id (default: derived from the position). */
  id?: string;
  /** Badges next to the heading. */
  badges?: readonly ReportBadge[];
  /** Paragraphs separated by blank lines; `code` in backticks. */
  text?: string;
  /** The pass/fail table: criterion, expected, measured, pass. */
  criteria?: readonly Criterion[];
  /** A plain table after the criteria. */
  table?: ReportTable;
  /** Charts (Vega-Lite specs), rendered to inline SVG. */
  charts?: readonly ChartSpec[];
  /** A collapsed block of preformatted text (e.g. the run records as JSON). */
  details?: {
    /** The block's one-line label. */
    summary: string;
    /** The preformatted text. */
    body: string;
  };
}

/** A whole report. */
export interface ReportDocument {
  /** The page title and top heading. */
  title: string;
  /** A line under the title. */
  subtitle?: string;
  /** Badges next to the title (e.g. the overall pass/fail). */
  badges?: readonly ReportBadge[];
  /** The sections, in order. */
  sections: readonly ReportSection[];
  /** Shown in the footer as given (the caller decides; rendering stays pure). */
  generatedAt?: string;
  /** Extra footer text. */
  footer?: string;
}

/**
 * Escapes text for HTML element content and attribute values.
 * @example escapeHtml('a < b & "c"') // 'a &lt; b &amp; &quot;c&quot;'
 */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Formats a measured value for a table: integers as is, other numbers with 6 significant digits
 * (exponent notation outside [1e-4, 1e6)), non-finite numbers by name.
 * @example formatValue(0.123456789) // '0.123457'
 */
export function formatValue(v: number | string | boolean | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return v.toExponential(4).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(6)));
}

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'x'
  );
}

function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function paragraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => `<p>${inline(p)}</p>`)
    .join('\n');
}

function badge(b: ReportBadge): string {
  return `<span class="badge badge-${b.tone}">${escapeHtml(b.label)}</span>`;
}

function criteriaTable(criteria: readonly Criterion[], caption: string): string {
  const rows = criteria
    .map((c) => {
      const pass = c.pass === true;
      return (
        `<tr class="${pass ? 'row-pass' : 'row-fail'}">` +
        `<td class="crit-name">${inline(String(c.name))}</td>` +
        `<td class="num" data-label="Expected">${escapeHtml(String(c.expected))}</td>` +
        `<td class="num" data-label="Measured">${escapeHtml(formatValue(c.measured))}</td>` +
        `<td class="result">${badge(pass ? { label: 'pass', tone: 'pass' } : { label: 'FAIL', tone: 'fail' })}</td></tr>`
      );
    })
    .join('\n');
  return (
    `<div class="table-wrap"><table class="criteria"><caption>${escapeHtml(caption)}</caption>` +
    '<thead><tr><th scope="col">Criterion</th><th scope="col">Expected</th><th scope="col">Measured</th><th scope="col">Result</th></tr></thead>' +
    `<tbody>\n${rows}\n</tbody></table></div>`
  );
}

function plainTable(t: ReportTable): string {
  const head = t.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('');
  const rows = t.rows
    .map(
      (r) =>
        `<tr>${r.map((v) => `<td${typeof v === 'number' ? ' class="num"' : ''}>${escapeHtml(formatValue(v))}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const caption = t.caption ? `<caption>${escapeHtml(t.caption)}</caption>` : '';
  return `<div class="table-wrap"><table class="data">${caption}<thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table></div>`;
}

function figure(r: RenderedChart, domId: string): string {
  const cap = `<figcaption>${escapeHtml(r.title)}</figcaption>`;
  if (r.error !== undefined) {
    return `<figure class="chart chart-error" id="${domId}" data-chart-id="${escapeHtml(r.id)}">${cap}<p class="error" role="alert">This chart could not be drawn: ${escapeHtml(r.error)}</p></figure>`;
  }
  return `<figure class="chart" id="${domId}" data-chart-id="${escapeHtml(r.id)}">${cap}<div class="chart-body">${r.svg}</div></figure>`;
}

/**
 * Renders a report to one self-contained HTML page: inline CSS, charts as inline SVG (rendered
 * with Vega from their Vega-Lite specs), no scripts, no external resources; a Content Security
 * Policy forbids any request, so the page behaves the same offline.
 *
 * @example const html = await renderReport({ title: 'cliff', sections: [{ title: 'Criteria', criteria }] });
 */
export async function renderReport(doc: ReportDocument): Promise<string> {
  const usedIds = new Set<string>();
  const uniq = (base: string): string => {
    let id = base;
    for (let k = 2; usedIds.has(id); k++) id = `${base}-${k}`;
    usedIds.add(id);
    return id;
  };
  const parts: string[] = [];
  const toc: string[] = [];
  for (let si = 0; si < doc.sections.length; si++) {
    const s = doc.sections[si] as ReportSection;
    const sid = uniq(s.id ?? `s${si + 1}-${slug(s.title)}`);
    toc.push(`<li><a href="#${sid}">${escapeHtml(s.title)}</a></li>`);
    const body: string[] = [];
    if (s.text) body.push(`<div class="prose">${paragraphs(s.text)}</div>`);
    if (s.criteria && s.criteria.length > 0)
      body.push(criteriaTable(s.criteria, `Pass/fail criteria: ${s.title}`));
    if (s.table) body.push(plainTable(s.table));
    if (s.charts && s.charts.length > 0) {
      const figs: string[] = [];
      for (const c of s.charts) {
        const domId = uniq(`${sid}-${slug(typeof c.id === 'string' ? c.id : 'chart')}`);
        const rendered = await renderChartSvg(c, { idPrefix: domId });
        figs.push(figure(rendered, domId));
      }
      body.push(`<div class="charts">\n${figs.join('\n')}\n</div>`);
    }
    if (s.details) {
      body.push(
        `<details><summary>${escapeHtml(s.details.summary)}</summary><pre>${escapeHtml(s.details.body)}</pre></details>`,
      );
    }
    const badges =
      s.badges && s.badges.length > 0
        ? ` <span class="badges">${s.badges.map(badge).join('')}</span>`
        : '';
    parts.push(
      `<section class="card" id="${sid}" aria-labelledby="${sid}-h"><h2 id="${sid}-h">${escapeHtml(s.title)}${badges}</h2>\n${body.join('\n')}\n</section>`,
    );
  }
  const headerBadges =
    doc.badges && doc.badges.length > 0
      ? `<div class="badges header-badges">${doc.badges.map(badge).join('')}</div>`
      : '';
  const subtitle = doc.subtitle ? `<p class="subtitle">${inline(doc.subtitle)}</p>` : '';
  const nav =
    doc.sections.length > 2
      ? `<nav class="toc" aria-label="Sections"><ol>${toc.join('')}</ol></nav>`
      : '';
  const footerBits = [
    doc.footer ? inline(doc.footer) : '',
    doc.generatedAt ? `Generated ${escapeHtml(doc.generatedAt)}` : '',
    'gradscope',
  ]
    .filter((x) => x.length > 0)
    .join(' · ');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // The page needs nothing from anywhere: forbidding every fetch makes "works offline" a property, not a hope.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="generator" content="gradscope">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    `<header class="page-header"><div class="wrap"><p class="eyebrow">gradscope report</p><h1>${escapeHtml(doc.title)}</h1>${subtitle}${headerBadges}</div></header>`,
    `<main class="wrap">`,
    nav,
    parts.join('\n'),
    '</main>',
    `<footer class="wrap page-footer">${footerBits}</footer>`,
    '</body>',
    '</html>',
  ]
    .filter((l) => l !== '')
    .join('\n')
    .concat('\n');
}
