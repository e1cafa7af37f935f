#!/usr/bin/env node
// Builds the optional native kernels (issue 22) at install time: `node-gyp rebuild` against the
// headers of the running Node (never downloaded: offline installs work), then a load test in a
// child process. Whatever happens, this script exits 0: without a compiler, headers, node-gyp or
// an x86-64/arm64 CPU the package installs and runs on the WebAssembly kernels. The outcome goes
// to build/gradscope-native-status.json (written to a temp name and renamed), which the runtime
// reads to say in threadsInfo() why native is absent.
//
//   GRADSCOPE_NATIVE=0   skip the build (the addon is also not loaded at run time)
//   GRADSCOPE_NATIVE_VERBOSE=1   print node-gyp's output
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build');
const addon = join(buildDir, 'Release', 'gradscope_native.node');
const statusFile = join(buildDir, 'gradscope-native-status.json');
const verbose = process.env.GRADSCOPE_NATIVE_VERBOSE === '1';

function writeStatus(built, reason) {
  try {
    mkdirSync(buildDir, { recursive: true });
    const tmp = `${statusFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ built, reason, node: process.version }) + '\n');
    renameSync(tmp, statusFile);
  } catch {
    // an unwritable package directory: the runtime then reports "not built" without a reason
  }
  const line = built
    ? 'gradscope: native kernels built'
    : `gradscope: native kernels not built (${reason}); the WebAssembly kernels will run`;
  process.stdout.write(line + '\n');
}

/** The first line of a failed command's output that says what went wrong. */
function firstError(e) {
  const text = `${e.stderr ?? ''}\n${e.stdout ?? ''}\n${e.message ?? ''}`;
  const line =
    text.split('\n').find((l) => /error|not found|No such file/i.test(l) && !/^gyp info/.test(l)) ??
    text.split('\n').find((l) => l.trim() !== '') ??
    'unknown error';
  return line.trim().slice(0, 200);
}

/** Node's own headers next to its executable (…/bin/node → …/include/node), if installed. */
function nodeDir() {
  const candidates = [resolve(dirname(process.execPath), '..')];
  if (process.env.npm_config_nodedir) candidates.unshift(process.env.npm_config_nodedir);
  return candidates.find((d) => existsSync(join(d, 'include', 'node', 'node_api.h')));
}

/** node-gyp: the one npm runs lifecycle scripts with, else the one bundled with npm. */
function nodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath) {
    candidates.push(
      join(
        dirname(process.env.npm_execpath),
        '..',
        'node_modules',
        'node-gyp',
        'bin',
        'node-gyp.js',
      ),
    );
  }
  candidates.push(
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  );
  return candidates.find((p) => existsSync(p));
}

function hasCompiler() {
  const cc = process.env.CC || 'cc';
  try {
    execFileSync(cc, ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function main() {
  rmSync(addon, { force: true }); // never leave an older build behind a failed one
  if (process.env.GRADSCOPE_NATIVE === '0') return writeStatus(false, 'GRADSCOPE_NATIVE=0');
  if (process.arch !== 'x64' && process.arch !== 'arm64') {
    return writeStatus(false, `unsupported CPU architecture ${process.arch}`);
  }
  if (!hasCompiler()) return writeStatus(false, 'no C compiler');
  try {
    execFileSync('make', ['--version'], { stdio: 'pipe' });
  } catch {
    return writeStatus(false, 'no make');
  }
  const dir = nodeDir();
  if (dir === undefined)
    return writeStatus(false, 'no Node headers next to this Node (include/node)');
  const gyp = nodeGyp();
  if (gyp === undefined) return writeStatus(false, 'node-gyp not found');
  try {
    execFileSync(process.execPath, [gyp, 'rebuild', `--nodedir=${dir}`, '--loglevel=error'], {
      cwd: root,
      stdio: verbose ? 'inherit' : 'pipe',
      timeout: 180_000,
      env: { ...process.env, npm_config_nodedir: dir },
    });
  } catch (e) {
    rmSync(addon, { force: true });
    return writeStatus(false, `compile failed: ${firstError(e)}`);
  }
  try {
    // A load test in a child: an addon that cannot load (a missing symbol, an old CPU) is removed.
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(addon)}).info()`], {
      stdio: 'pipe',
      timeout: 30_000,
    });
  } catch (e) {
    rmSync(addon, { force: true });
    return writeStatus(false, `the built addon does not load: ${firstError(e)}`);
  }
  // Keep the addon, drop the intermediate objects (install size).
  rmSync(join(buildDir, 'Release', 'obj.target'), { recursive: true, force: true });
  rmSync(join(buildDir, 'Release', '.deps'), { recursive: true, force: true });
  return writeStatus(true, undefined);
}

try {
  main();
} catch (e) {
  writeStatus(false, `unexpected: ${String(e?.message ?? e).split('\n')[0]}`);
}
process.exit(0);
