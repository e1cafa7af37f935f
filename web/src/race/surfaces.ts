// The race's loss surfaces, written with gradscope's differentiable ops so that the same code
// gives the contour grid (one vectorised evaluation over every pixel) and, through autograd,
// the gradients the optimizers follow.
import {
  add,
  cos,
  mul,
  narrow,
  sigmoid,
  square,
  sub,
  sum,
  tensor,
  type Tensor,
} from '../../../src/index.js';

/** Surface identifiers (the `surface` URL parameter). */
export type SurfaceId = 'rosenbrock' | 'beale' | 'saddle' | 'quadratic' | 'rastrigin' | 'cliff';

/** Options some surfaces read. */
export interface SurfaceOptions {
  /** Condition number κ of the quadratic. */
  kappa: number;
  /** Rotate the quadratic's axes by 45° (diagonal preconditioners no longer line up). */
  rotate: boolean;
}

/** A 2-D loss surface over (u, v) = the two coordinates of the parameter. */
export interface Surface {
  readonly id: SurfaceId;
  readonly label: string;
  /** One line shown under the plot. */
  readonly formula: string;
  /** Names of the two coordinates. */
  readonly axes: readonly [string, string];
  /** Elementwise f(u, v) on tensors of one shape (float64). */
  f(u: Tensor, v: Tensor, o: SurfaceOptions): Tensor;
  /** Plotted ranges. */
  readonly uRange: readonly [number, number];
  readonly vRange: readonly [number, number];
  /** Default start point. */
  readonly start: readonly [number, number];
  /** The global minimiser when there is a single one (drawn as a star). */
  minimum(o: SurfaceOptions): readonly [number, number] | null;
  /** The minimum value (null: unbounded below). */
  readonly fMin: number | null;
  /** A racer is "at the minimum" when f − fMin is below this. */
  readonly tolerance: number;
}

function c(x: number): Tensor {
  return tensor([x], { dtype: 'float64' });
}

const rosenbrock: Surface = {
  id: 'rosenbrock',
  label: 'Rosenbrock',
  formula: 'f(x, y) = (1 − x)² + 100 (y − x²)², minimum 0 at (1, 1)',
  axes: ['x', 'y'],
  f: (x, y) => add(square(sub(1, x)), mul(100, square(sub(y, square(x))))),
  uRange: [-2, 2],
  vRange: [-1, 3],
  start: [-1.2, 1],
  minimum: () => [1, 1],
  fMin: 0,
  tolerance: 1e-3,
};

const beale: Surface = {
  id: 'beale',
  label: 'Beale',
  formula:
    'f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)², minimum 0 at (3, 0.5)',
  axes: ['x', 'y'],
  f: (x, y) => {
    const y2 = square(y);
    const y3 = mul(y2, y);
    const t1 = add(sub(1.5, x), mul(x, y));
    const t2 = add(sub(2.25, x), mul(x, y2));
    const t3 = add(sub(2.625, x), mul(x, y3));
    return add(add(square(t1), square(t2)), square(t3));
  },
  uRange: [-4.5, 4.5],
  vRange: [-4.5, 4.5],
  start: [1, 1.5],
  minimum: () => [3, 0.5],
  fMin: 0,
  tolerance: 1e-3,
};

const saddle: Surface = {
  id: 'saddle',
  label: 'Saddle x² − y²',
  formula: 'f(x, y) = x² − y², a saddle at (0, 0), unbounded below along y',
  axes: ['x', 'y'],
  f: (x, y) => sub(square(x), square(y)),
  uRange: [-2, 2],
  vRange: [-2, 2],
  start: [1.5, 1e-3],
  minimum: () => null,
  fMin: null,
  tolerance: 0,
};

const quadratic: Surface = {
  id: 'quadratic',
  label: 'Ill-conditioned quadratic',
  formula: 'f = ½(a² + κ b²) with (a, b) = (x, y), or rotated by 45°; minimum 0 at (0, 0)',
  axes: ['x', 'y'],
  f: (x, y, o) => {
    let a = x;
    let b = y;
    if (o.rotate) {
      const s = Math.SQRT1_2;
      a = mul(s, add(x, y));
      b = mul(s, sub(y, x));
    }
    return mul(0.5, add(square(a), mul(o.kappa, square(b))));
  },
  uRange: [-2, 2],
  vRange: [-2, 2],
  start: [-1.6, 1.2],
  minimum: () => [0, 0],
  fMin: 0,
  tolerance: 1e-4,
};

const rastrigin: Surface = {
  id: 'rastrigin',
  label: 'Rastrigin',
  formula:
    'f = 20 + Σ (x² − 10 cos 2πx) over both coordinates, global minimum 0 at (0, 0), many local minima',
  axes: ['x', 'y'],
  f: (x, y) => {
    const tau = 2 * Math.PI;
    const fx = sub(square(x), mul(10, cos(mul(tau, x))));
    const fy = sub(square(y), mul(10, cos(mul(tau, y))));
    return add(add(fx, fy), 20);
  },
  uRange: [-5.12, 5.12],
  vRange: [-5.12, 5.12],
  start: [3.3, 2.6],
  minimum: () => [0, 0],
  fMin: 0,
  tolerance: 1e-3,
};

/** Steps of Pascanu et al.'s one-unit RNN. */
export const CLIFF_T = 50;

const cliff: Surface = {
  id: 'cliff',
  label: 'RNN cliff (Pascanu et al. 2013)',
  formula:
    'x_t = w·σ(x_{t−1}) + b, x_0 = 0.5, E = (σ(x_50) − 0.7)²: a wall near b ≈ −2.61 at w = 5',
  axes: ['w', 'b'],
  f: (w, b) => {
    // Broadcasting x_0 against w gives every grid point its own unrolled recurrence.
    let x: Tensor = add(mul(w, 0), 0.5);
    for (let t = 0; t < CLIFF_T; t++) x = add(mul(w, sigmoid(x)), b);
    return square(sub(sigmoid(x), 0.7));
  },
  uRange: [-2, 10],
  vRange: [-8, 2],
  start: [7, -1],
  minimum: () => null,
  fMin: 0,
  tolerance: 1e-4,
};

/** Every surface, in menu order. */
export const SURFACES: readonly Surface[] = [
  rosenbrock,
  beale,
  saddle,
  quadratic,
  rastrigin,
  cliff,
];

/** The surface with this id (Rosenbrock for an unknown id). */
export function surfaceById(id: string): Surface {
  return SURFACES.find((s) => s.id === id) ?? rosenbrock;
}

/**
 * The scalar loss of a 2-element float64 parameter p = (u, v): f(p[0], p[1]) summed to a scalar
 * so autograd can differentiate it.
 */
export function surfaceLoss(s: Surface, p: Tensor, o: SurfaceOptions): Tensor {
  return sum(s.f(narrow(p, 0, 0, 1), narrow(p, 0, 1, 1), o));
}

/** f at one point, as a number (for labels and the start marker). */
export function surfaceValue(s: Surface, u: number, v: number, o: SurfaceOptions): number {
  return s.f(c(u), c(v), o).item();
}
