let enabled = true;

/** Whether ops currently record onto the autograd tape. */
export function isGradEnabled(): boolean {
  return enabled;
}

/** Turns tape recording on or off globally; returns the previous setting. */
export function setGradEnabled(flag: boolean): boolean {
  const prev = enabled;
  enabled = flag;
  return prev;
}

/**
 * Runs `fn` without recording ops on the tape (PyTorch's `torch.no_grad()`): results have
 * `requiresGrad = false`. Use it for evaluation and for in-place parameter updates.
 * @example const acc = noGrad(() => accuracy(model.forward(x), y));
 */
export function noGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(false);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

/** Runs `fn` with recording on, even inside {@link noGrad}. */
export function enableGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(true);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}
