// The report layer's public surface: the report.json contract, its renderers, the writer, and the
// release gate's comparison. Everything here is pure except writeReports.
export * from './schema.ts';
export { validateReport } from './validate.ts';
export { renderJUnit } from './junit.ts';
export { renderMarkdown } from './markdown.ts';
export { renderHtml } from './html.ts';
export { renderConsoleSummary } from './console.ts';
export { writeReports, type WrittenReports } from './write.ts';
export {
  compareReports,
  compareSchemaVersion,
  type Comparison,
  type CompareOptions,
  type OneSide,
  type OneSidedProbe,
  type ProbeChangeKind,
  type ProbeComparison,
  type ProbeIdentity,
  type ProbeOutcome,
  type RunIdentity,
} from './compare.ts';
export type { LatencyComparison, LatencyStats, RecipeLatency, StepLatency } from './compare-latency.ts';
export { renderCompareTable } from './compare-table.ts';
export { renderCompareMarkdown } from './compare-markdown.ts';
export { renderCompareHtml } from './compare-html.ts';
