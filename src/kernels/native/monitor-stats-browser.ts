// The browser build's stand-in for ./monitor-stats.js (package.json "browser" field): the native
// addon never loads in a browser, so these are never called; see ./backend-browser.ts.
import type * as Native from './monitor-stats.js';

function nodeOnly(): never {
  throw new Error('gradscope: the native kernels run only in Node');
}

/** Browser stand-in of {@link Native.nativeSumSquares}: never called (the addon never loads). */
export const nativeSumSquares: typeof Native.nativeSumSquares = nodeOnly;
/** Browser stand-in of {@link Native.nativeAdamStats}: never called (the addon never loads). */
export const nativeAdamStats: typeof Native.nativeAdamStats = nodeOnly;
