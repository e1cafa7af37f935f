import { DataError } from '../errors.js';

/**
 * A checkpoint that cannot be used: corrupt (checksum mismatch, truncated, not JSON, malformed)
 * or made for something else (other parameter names or shapes, another optimizer, another data
 * loader). The message names the file (when known), what is wrong and what was expected. It is a
 * DataError, and it is always thrown before anything (model, optimizer, files) is changed.
 * @example try { loadCheckpoint('run/checkpoint.json') } catch (e) { if (e instanceof CheckpointError) ... }
 */
export class CheckpointError extends DataError {}
