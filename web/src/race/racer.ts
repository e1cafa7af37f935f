// One racer: a 2-element float64 parameter, its gradscope Optimizer and the recorded path.
import { optim, tensor, train, type Tensor } from '../../../src/index.js';
import { makeTransformation, type OptSettings, type RaceTxSettings } from './optimizers.js';
import { surfaceLoss, type Surface, type SurfaceOptions } from './surfaces.js';

/** Why a racer stopped. */
export type RacerStatus = 'running' | 'finished' | 'diverged' | 'escaped';

/** A racer in progress. */
export class Racer {
  readonly settings: OptSettings;
  /** u, v of every visited point (2 per step, starting with the start point). */
  path: Float64Array;
  /** f at every visited point. */
  losses: Float64Array;
  /** Points recorded. */
  count = 0;
  status: RacerStatus = 'running';
  /** First step with f − fMin below the surface's tolerance (−1: not yet). */
  reachedAt = -1;
  private readonly p: Tensor;
  private readonly opt: optim.Optimizer<unknown>;
  /** The library's training loop, one `next()` per step (the race steps it from its frames). */
  private readonly loop: Generator<train.LoopStep<null>, train.LoopEnd>;

  constructor(
    settings: OptSettings,
    tx: RaceTxSettings,
    private readonly surface: Surface,
    private readonly so: SurfaceOptions,
    start: readonly [number, number],
    private readonly maxSteps: number,
  ) {
    this.settings = settings;
    this.p = tensor([start[0], start[1]], { dtype: 'float64', requiresGrad: true });
    this.opt = new optim.Optimizer({ p: this.p }, makeTransformation(settings, tx));
    this.path = new Float64Array(2 * (maxSteps + 1));
    this.losses = new Float64Array(maxSteps + 1);
    this.record(this.evaluate());
    this.loop = train.trainLoop<null>({
      optimizer: this.opt,
      steps: maxSteps,
      next: () => null,
      loss: () => surfaceLoss(this.surface, this.p, this.so),
      // Record the new point after each update.
      callbacks: [{ onStep: () => this.record(this.evaluate()) }],
    });
  }

  /** Steps taken. */
  get steps(): number {
    return this.count - 1;
  }

  /** Current point. */
  get point(): [number, number] {
    return [this.p.data[0] as number, this.p.data[1] as number];
  }

  /** f at the current point (no gradient). */
  private evaluate(): number {
    return surfaceLoss(this.surface, this.p.detach(), this.so).item();
  }

  private record(f: number): void {
    const k = this.count;
    this.path[2 * k] = this.p.data[0] as number;
    this.path[2 * k + 1] = this.p.data[1] as number;
    this.losses[k] = f;
    this.count++;
    const fMin = this.surface.fMin;
    if (this.reachedAt < 0 && fMin !== null && f - fMin <= this.surface.tolerance)
      this.reachedAt = k;
    if (
      !Number.isFinite(f) ||
      !Number.isFinite(this.path[2 * k] as number) ||
      !Number.isFinite(this.path[2 * k + 1] as number)
    ) {
      this.status = 'diverged';
    } else if (this.outside(this.p.data[0] as number, this.p.data[1] as number)) {
      this.status = 'escaped';
    } else if (k >= this.maxSteps) {
      this.status = 'finished';
    }
  }

  /** Far outside the plotted window (10 window widths): stop following it. */
  private outside(u: number, v: number): boolean {
    const [u0, u1] = this.surface.uRange;
    const [v0, v1] = this.surface.vRange;
    const wu = u1 - u0;
    const wv = v1 - v0;
    return u < u0 - 10 * wu || u > u1 + 10 * wu || v < v0 - 10 * wv || v > v1 + 10 * wv;
  }

  /** One optimizer step: gradient at the current point, update, record the new point. */
  step(): void {
    if (this.status !== 'running') return;
    this.loop.next();
  }
}
