/** The keys of a `data: { name: "file" }` section that hold file paths. */
export const DATA_PATH_KEYS = ['path', 'labels', 'testPath', 'testLabels'] as const;

/**
 * A copy of a train config (parsed JSON, valid or not) whose data file paths are passed through
 * `resolvePath` — how `gradscope train` and `gradscope sweep` make them relative to the config
 * file's folder (and absolute, so that the run directory's train-config.json and `--resume`
 * still find them). Anything that is not a data "file" section with string paths is left as is
 * (the validator words its errors).
 * @example resolveConfigPaths(json, (p) => path.resolve(path.dirname(configFile), p))
 */
export function resolveConfigPaths<T>(json: T, resolvePath: (p: string) => string): T {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return json;
  const data = (json as Record<string, unknown>)['data'];
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return json;
  const d = data as Record<string, unknown>;
  if (d['name'] !== 'file') return json;
  const out: Record<string, unknown> = { ...d };
  for (const k of DATA_PATH_KEYS) {
    const v = d[k];
    if (typeof v === 'string' && v.trim() !== '') out[k] = resolvePath(v);
  }
  return { ...json, data: out };
}
