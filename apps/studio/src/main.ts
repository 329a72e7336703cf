// `npm start`: the studio with embedded defaults (SQLite in ./.data, port 3000) and a demo plugin on first start.
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPlugwayError } from '@plugway/core';
import { describeConfigError, loadStudioSettings } from '@plugway/config';
import { startStudio } from './server.js';

const DEMO = fileURLToPath(new URL('../../../examples/header-injector/plugin', import.meta.url));

async function main(): Promise<void> {
  let settings;
  try {
    settings = loadStudioSettings();
  } catch (e) {
    const refused = describeConfigError(e);
    if (refused === undefined) throw e;
    process.stderr.write(`studio: ${refused}`);
    process.exit(2);
  }
  const studio = await startStudio(settings, {
    hostEnv: process.env,
    seed: async () => (settings.demoPlugin && existsSync(DEMO)
      ? { name: 'Header injector (demo)', slug: 'demo-header-injector', description: 'Adds x-plugway-demo to every request', command: `file://${DEMO}`, hook_type: 'pre_auth', plugin_type: 'gateway', is_active: true, config: { 'x-plugway-demo': 'hello' } }
      : undefined),
  });
  process.stdout.write(`plugway studio on ${studio.url}  (admin page: ${studio.url}/)\n`);
  if (studio.tokenFile) {
    const file = relative(process.cwd(), studio.tokenFile).startsWith('..') ? studio.tokenFile : relative(process.cwd(), studio.tokenFile);
    process.stdout.write(`API token in ${file}:  TOKEN=$(cat ${file})\n`);
  }
  const stop = (): void => { process.stderr.write('studio: stopping\n'); void studio.close().then(() => process.exit(0), () => process.exit(1)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`studio: failed to start: ${isPlugwayError(e) ? `${e.code}: ${e.message}` : (e as Error)?.message}\n`);
  process.exit(1);
});
