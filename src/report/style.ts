/**
 * The report's stylesheet, inlined in every page (no web fonts, no external files): system
 * fonts, cards, a two-column chart grid at desktop widths that folds to one column on a phone,
 * and tables that scroll sideways instead of overflowing the page.
 */
export const REPORT_CSS = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--card:#fff;--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--warn:#9a6700;--warn-bg:#fff8c5;--info:#0969da;--info-bg:#ddf4ff}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.wrap{max-width:1240px;margin:0 auto;padding:0 20px}
.page-header{background:#fff;border-bottom:1px solid var(--line);padding:22px 0 18px;margin-bottom:20px}
.eyebrow{margin:0;color:var(--muted);font-size:12px;letter-spacing:.08em;text-transform:uppercase;font-weight:600}
h1{margin:2px 0 4px;font-size:26px;line-height:1.25;font-weight:650}
.subtitle{margin:0 0 10px;color:var(--muted)}
h2{margin:0 0 12px;font-size:19px;line-height:1.3;font-weight:650;display:flex;flex-wrap:wrap;align-items:center;gap:8px}
.badges{display:inline-flex;flex-wrap:wrap;gap:6px}
.header-badges{margin-top:6px}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;font-weight:600;line-height:1.6;border:1px solid transparent;white-space:nowrap}
.header-badges .badge{font-size:13px;padding:3px 12px}
.badge-pass{color:var(--pass);background:var(--pass-bg);border-color:#aceebb}
.badge-fail{color:var(--fail);background:var(--fail-bg);border-color:#ffcecb}
.badge-warn{color:var(--warn);background:var(--warn-bg);border-color:#f5e0a0}
.badge-info{color:var(--info);background:var(--info-bg);border-color:#b6e3ff}
.toc{margin:0 0 16px}
.toc ol{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:6px 14px;font-size:14px}
.toc a{color:var(--info);text-decoration:none}
.toc a:hover{text-decoration:underline}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:0 0 18px}
.prose{max-width:80ch;color:#24292f}
.prose p{margin:0 0 10px}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eff2f5;padding:1px 4px;border-radius:4px}
.table-wrap{overflow-x:auto;margin:6px 0 14px;border:1px solid var(--line);border-radius:8px}
table{border-collapse:collapse;width:100%;font-size:14px}
caption{text-align:left;padding:8px 12px;color:var(--muted);font-size:12px;caption-side:top;border-bottom:1px solid var(--line);background:#fafbfc}
th,td{padding:7px 12px;text-align:left;vertical-align:top;border-bottom:1px solid #eaeef2}
thead th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);background:#fafbfc;font-weight:600}
tbody tr:last-child td{border-bottom:0}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
td.result{width:1%}
tr.row-fail{background:#fff5f5}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,520px),1fr));gap:16px;margin-top:8px}
.chart{margin:0;border:1px solid #eaeef2;border-radius:8px;padding:10px 10px 6px;background:#fff;min-width:0}
.chart figcaption{font-weight:600;font-size:14px;margin:0 0 6px 4px}
.chart-body{overflow:hidden}
.chart svg{display:block;max-width:100%;height:auto;margin:0 auto}
.chart svg .mark-rect path{shape-rendering:crispEdges}
.chart-error .error{color:var(--fail);background:var(--fail-bg);padding:10px 12px;border-radius:6px;font-size:14px;margin:0}
details{margin-top:10px}
summary{cursor:pointer;color:var(--info);font-size:14px}
pre{overflow:auto;max-height:420px;background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:10px;font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.page-footer{color:var(--muted);font-size:12px;padding-bottom:28px}
@media (max-width:640px){
body{font-size:14px}
.wrap{padding:0 12px}
h1{font-size:21px}
h2{font-size:17px}
.card{padding:14px 12px;border-radius:8px}
th,td{padding:6px 8px}
.chart{padding:8px 4px 4px}
table.criteria thead{display:none}
table.criteria tr{display:grid;grid-template-columns:1fr auto;column-gap:10px;padding:8px 10px;border-bottom:1px solid #eaeef2}
table.criteria tbody tr:last-child{border-bottom:0}
table.criteria td{border:0;padding:2px 0}
table.criteria td.crit-name{grid-column:1;grid-row:1;font-weight:600}
table.criteria td.result{grid-column:2;grid-row:1;width:auto}
table.criteria td.num{grid-column:1 / span 2;white-space:normal;overflow-wrap:anywhere}
table.criteria td.num::before{content:attr(data-label);display:inline-block;min-width:78px;color:var(--muted);font:12px system-ui,sans-serif;text-transform:uppercase;letter-spacing:.04em}
}
@media print{body{background:#fff}.card{break-inside:avoid;border-color:#ccc}.toc{display:none}}
`
  .trim()
  .replace(/\n/g, '');
