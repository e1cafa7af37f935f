/**
 * Every this many calls of a shape, the mode that is currently slower runs once (a probe).
 * @example calls % SPLIT_PROBE_EVERY === 0 // this call re-measures the slower mode
 */
export const SPLIT_PROBE_EVERY = 16;
/** Shapes remembered; past this the table starts over (a training loop repeats a handful). */
const MAX_SHAPES = 512;
/** Weight of the newest timing in a mode's moving average (a faster timing replaces it). */
const EMA = 0.5;

interface Entry {
  serial: number;
  split: number;
  calls: number;
}

/**
 * Decides, per GEMM shape, whether splitting it over the threads pays, from the times of both
 * modes measured on this machine right now: each shape's first call runs on the calling thread,
 * its second split, and later calls take the faster mode (per mode a moving average that a faster
 * time replaces outright), the slower one re-measured every SPLIT_PROBE_EVERY calls. On idle cores splitting wins from m·n·k ≈ 64³; when
 * other processes keep the workers' cores busy (the workers run late, or share the caller's
 * core) the calling thread alone wins, and this follows the machine as its load changes.
 * @example
 * const split = chooser.choose(key);
 * const t0 = performance.now(); run(split); chooser.record(key, split, performance.now() - t0);
 */
export class SplitChooser {
  private readonly shapes = new Map<string, Entry>();

  private entry(key: string): Entry {
    let e = this.shapes.get(key);
    if (e === undefined) {
      if (this.shapes.size >= MAX_SHAPES) this.shapes.clear();
      e = { serial: NaN, split: NaN, calls: 0 };
      this.shapes.set(key, e);
    }
    return e;
  }

  /**
   * True when this call of the shape `key` should be split.
   * @example chooser.choose('128,256,784,01') // false on the first call
   */
  choose(key: string): boolean {
    const e = this.entry(key);
    e.calls++;
    if (Number.isNaN(e.serial)) return false;
    if (Number.isNaN(e.split)) return true;
    const splitFaster = e.split < e.serial;
    return e.calls % SPLIT_PROBE_EVERY === 0 ? !splitFaster : splitFaster;
  }

  /**
   * Records how long a call of `key` took (ms) in the given mode.
   * @example chooser.record(key, true, 0.42);
   */
  record(key: string, split: boolean, ms: number): void {
    const e = this.entry(key);
    const old = split ? e.split : e.serial;
    // Interruptions only ever make a call slower: a faster time is the better estimate.
    const next = Number.isNaN(old) || ms < old ? ms : old + EMA * (ms - old);
    if (split) e.split = next;
    else e.serial = next;
  }
}
