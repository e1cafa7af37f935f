import type { StepContext, StepEvents } from './types.js';

/** A step context whose `events` record exists. */
export type StepContextWithEvents = StepContext & { events: StepEvents };

let depth = 0;

/**
 * Sets every event flag of a step to false (in place: the record is reused across steps).
 * @example resetEvents(ctx.events)
 */
export function resetEvents(events: StepEvents): void {
  events.clipped = false;
  events.spike = false;
  events.nonFinite = false;
}

/**
 * A fresh context with all events false (allocate once, reuse every step).
 * @example const ctx = createStepContext(); tx.update(u, s, p, ctx); ctx.events.clipped
 */
export function createStepContext(): StepContextWithEvents {
  return { events: { clipped: false, spike: false, nonFinite: false } };
}

/**
 * Called by composite transformations (chain and wrappers) on entry to `update`: returns `ctx`
 * (or `fallback` when none was given) with an `events` record, and resets the events when this
 * is the outermost composite of the step — so that a nested chain does not erase what an earlier
 * link of its parent reported. Pair every call with {@link exitStep} (in a `finally`).
 * @example const c = enterStep(ctx, fallback); try { runLinks(c); } finally { exitStep(); }
 */
export function enterStep(
  ctx: StepContext | undefined,
  fallback: StepContextWithEvents,
): StepContextWithEvents {
  const c = ctx ?? fallback;
  if (c.events === undefined) c.events = fallback.events;
  if (depth === 0) resetEvents(c.events);
  depth++;
  return c as StepContextWithEvents;
}

/**
 * Leaves a composite transformation's update (see {@link enterStep}).
 * @example try { runLinks(c); } finally { exitStep(); }
 */
export function exitStep(): void {
  depth--;
}

/**
 * Raises an event flag on the context, if there is one.
 * @example if (clipped) raiseEvent(ctx, 'clipped');
 */
export function raiseEvent(ctx: StepContext | undefined, event: keyof StepEvents): void {
  if (ctx === undefined) return;
  if (ctx.events === undefined) ctx.events = { clipped: false, spike: false, nonFinite: false };
  ctx.events[event] = true;
}
