/**
 * Reports: chart builders (Vega-Lite specs with inline data), SVG rendering with Vega's headless
 * renderer, and self-contained HTML pages. Browser-safe; the Node writers are in
 * `write-node.ts` and `run-logs-node.ts`. Import from `gradscope/report` (Vega and Vega-Lite are
 * optional peer dependencies, loaded on the first chart).
 * @module gradscope/report
 */
export {
  barChart,
  heatmap,
  lineChart,
  lrScheduleChart,
  verdictTimeline,
  CHART_HEIGHT,
  CHART_WIDTH,
  VEGA_LITE_SCHEMA,
  VERDICT_COLORS,
} from './charts.js';
export type {
  Bar,
  BarChartOptions,
  HeatmapOptions,
  LineChartOptions,
  LrScheduleChartOptions,
  Series,
  VerdictTimelineOptions,
} from './charts.js';
export { renderChartSvg, CHART_THEME } from './render-chart.js';
export type { RenderChartOptions, RenderedChart } from './render-chart.js';
export { escapeHtml, formatValue, renderReport } from './html.js';
export type { ReportBadge, ReportDocument, ReportSection, ReportTable } from './html.js';
export { experimentReportDocument, renderExperimentReport } from './experiment-report.js';
export type { ExperimentReportOptions } from './experiment-report.js';
export { emptyRunLogs, logNumber, parseJsonlLog, parseMonitorJson } from './run-logs.js';
export type { LayerNormSeries, LayerStatRow, RunLogs, ScalarSeries } from './run-logs.js';
export { runLogCharts } from './log-charts.js';
export {
  FIELDS,
  LOG_SPAN_DECADES,
  allZeroNote,
  chartTitle,
  emptyChartNote,
  fieldInfo,
  wantsLogScale,
} from './fields.js';
export type { FieldInfo, FieldScale } from './fields.js';
export { runView, splitRuns } from './run-view.js';
export type { RunView, ViewChart, ViewRun } from './run-view.js';
export {
  RUN_COLORS,
  VERDICT_KIND_COLORS,
  esc,
  fmtTick,
  heatColor,
  svgHeatmap,
  svgLineChart,
  svgTimeline,
} from './svg-charts.js';
export type { LineChartFrame, SvgLine, SvgLineChart, TimelineRow } from './svg-charts.js';
export { parseResultJson, resultToJson } from './result-json.js';
