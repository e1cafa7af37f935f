import type { Callback } from './callback.js';

/**
 * Stops training at the first step whose loss is NaN or ±Infinity, or whose gradients the
 * optimizer reported as non-finite (Keras' TerminateOnNaN). The parameters are those after
 * that step (a chain with `skipNonFinite` leaves them unchanged).
 * @example fit(model, opt, train, { epochs: 10, callbacks: [terminateOnNonFinite()] })
 */
export function terminateOnNonFinite(): Callback {
  return {
    onStep(info, control) {
      if (info.nonFinite) {
        const what = Number.isFinite(info.loss) ? 'non-finite gradients' : `loss ${info.loss}`;
        control.stop(`terminateOnNonFinite: ${what} at step ${info.step}`);
      }
    },
  };
}
