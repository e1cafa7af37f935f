// The monitor's verdict types, in one place for the lab (type-only: nothing is bundled).
import type { monitor } from '../../../src/index.js';

export type Verdict = monitor.Verdict;
export type Remedy = monitor.Remedy;
export type RemedyAction = monitor.RemedyAction;
export type Severity = monitor.Severity;
export type VerdictKind = monitor.VerdictKind;
