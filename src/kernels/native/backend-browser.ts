// The browser build's stand-in for ./backend.js, chosen by the package.json "browser" field
// (bundlers such as Vite, webpack and esbuild honour it): the native addon is Node-only and never
// loads in a browser (./loader-browser.js always answers "absent"), so these entries are never
// called, and the native backend's code stays out of a page's bundle (issue 13's 250 kB budget).
import type * as Native from './backend.js';

function nodeOnly(): never {
  throw new Error('gradscope: the native kernels run only in Node');
}

/** Browser stand-in of {@link Native.nativeBackend}: never called (the addon never loads). */
export const nativeBackend: typeof Native.nativeBackend = nodeOnly;
/** Browser stand-in of {@link Native.nativeGemm}: never called (the addon never loads). */
export const nativeGemm: typeof Native.nativeGemm = nodeOnly;
/** Browser stand-in of {@link Native.geometryArray}: never called (the addon never loads). */
export const geometryArray: typeof Native.geometryArray = nodeOnly;
