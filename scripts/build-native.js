#!/usr/bin/env node
/**
 * npm `install` hook: builds the optional oneDNN backend (build/Release/cyclegan_onednn.node)
 * with the node-gyp that ships inside npm. The install never fails because of it: without the
 * oneDNN headers or a compiler the build is skipped with one line saying how to get it, and
 * the CPU and wasm backends still work. The full compiler output goes to build/native-build.log.
 */
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const HINT =
  'cyclegan-ts: fast oneDNN backend not built; to get it: apt-get install libdnnl-dev, ' +
  'then npm rebuild (or node scripts/build-native.js)';

/** node-gyp's entry script: the one npm passes to scripts, else the one bundled with npm. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const npm = path.join(dir, 'npm');
    if (!fs.existsSync(npm)) continue;
    // npm's executable is a link to <npm>/bin/npm-cli.js; node-gyp sits in <npm>/node_modules.
    const npmRoot = path.dirname(path.dirname(fs.realpathSync(npm)));
    candidates.push(path.join(npmRoot, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  const prefix = path.dirname(path.dirname(process.execPath));
  candidates.push(
    path.join(
      prefix,
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  );
  return candidates.find((file) => fs.existsSync(file));
}

/**
 * Node's own headers when they are installed beside the binary (distribution packages),
 * so that node-gyp does not try to download them.
 */
function nodeDirArgs() {
  const prefix = path.dirname(path.dirname(process.execPath));
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))
    ? [`--nodedir=${prefix}`]
    : [];
}

function main() {
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) {
    console.log(`${HINT} (node-gyp not found next to npm)`);
    return;
  }
  const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', ...nodeDirArgs()], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const log = `${result.stdout || ''}${result.stderr || ''}${result.error || ''}`;
  try {
    fs.mkdirSync(path.join(root, 'build'), { recursive: true });
    fs.writeFileSync(path.join(root, 'build', 'native-build.log'), log);
  } catch {
    // The log is a convenience; a read-only checkout still installs.
  }
  if (result.status !== 0) {
    if (/dnnl\.hpp|ldnnl/.test(log)) console.log(`${HINT} (oneDNN headers or library missing)`);
    else console.log(`${HINT} (the compiler failed; its output is in build/native-build.log)`);
    return;
  }
  console.log('cyclegan-ts: oneDNN backend built (build/Release/cyclegan_onednn.node)');
}

try {
  main();
} catch (err) {
  console.log(`${HINT} (${err instanceof Error ? err.message : String(err)})`);
}
process.exit(0);
