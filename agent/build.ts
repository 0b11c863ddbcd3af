// `npm run build` (agent half): bundles the agent into one self-contained file,
// dist/berth-agent.mjs, that runs on a stock Node 20+ with no node_modules, and prints its
// size and start-up time so a growing bundle is noticed.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const AGENT_BUNDLE = path.join(repo, 'dist', 'berth-agent.mjs');

export async function buildAgent(
  outfile = AGENT_BUNDLE,
  opts: { measure?: boolean } = {},
): Promise<{ bytes: number; startMs: number }> {
  await build({
    entryPoints: [path.join(repo, 'agent', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node\n// Berth agent: one file, no dependencies. Run: node berth-agent.mjs --help' },
    logLevel: 'warning',
  });
  fs.chmodSync(outfile, 0o755);
  const bytes = fs.statSync(outfile).size;
  if (opts.measure === false) return { bytes, startMs: NaN };
  // Start-up: median of five `--help` runs (parse, load, print, exit).
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, [outfile, '--help'], { stdio: 'ignore' });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { bytes, startMs: times[2] };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { bytes, startMs } = await buildAgent();
  console.log(
    `agent bundle: ${path.relative(process.cwd(), AGENT_BUNDLE)} ${(bytes / 1024).toFixed(1)} KiB, start-up ${startMs.toFixed(0)} ms (median of 5, node --help run)`,
  );
}
