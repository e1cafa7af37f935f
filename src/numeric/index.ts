export { quadraticRoots, naiveQuadraticRoots, discriminant } from './quadratic.js';
export type { QuadraticRoots, Complex } from './quadratic.js';
export { newton, newtonFdf, newtonPolynomial } from './newton.js';
export type { NewtonOptions, NewtonResult, NewtonStatus, ValueAndDerivative } from './newton.js';
export { hornerWithDerivative } from './horner.js';
export { kahanSum, pairwiseSum } from './sums.js';
export { l2Norm, ScaledSumOfSquares } from './norms.js';
export { ulp, ulpDistance } from './ulp.js';
export { twoProductError } from './two-product.js';
export { erf, erfc, normalCdf, normalPdf, normalQuantile } from './normal-distribution.js';
export { gaussianExpectation, gaussianExpectation2 } from './gaussian-expectation.js';
export type { GaussianQuadratureOptions } from './gaussian-expectation.js';
export {
  chi1,
  chiC,
  correlationMap,
  criticalSigmaW2,
  lengthMap,
  meanField,
  qStar,
} from './mean-field.js';
export type { MeanFieldActivation, MeanFieldState } from './mean-field.js';
export { leastSquaresSlope } from './least-squares.js';
export { lanczos } from './lanczos.js';
export type { LanczosOptions, LanczosResult, RitzValue, MatVec } from './lanczos.js';
