// A tiny DOM helper: no framework, just typed element creation.

/** Attributes and properties accepted by {@link h}. */
export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** Child nodes accepted by {@link h}. */
export type Child = Node | string | number | null | undefined | false;

/**
 * Creates an element: `on*` keys become event listeners, booleans toggle attributes, other
 * values become attributes.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/** Appends children (nested arrays flattened, empty values skipped). */
export function append(el: Element, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces an element's children. */
export function replaceChildren(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

let idCounter = 0;
/** A unique element id with a readable prefix. */
export function uid(prefix: string): string {
  idCounter++;
  return `${prefix}-${idCounter}`;
}

/** Formats a number compactly for labels and tables. */
export function fmtNum(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(Math.max(0, digits - 1)).replace('e+', 'e');
  return Number(x.toPrecision(digits)).toString();
}
