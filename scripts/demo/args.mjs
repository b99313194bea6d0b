// Command line of `npm run demo`. Pure: returns the options or `{ error }` (one line, exit code 2).
import { parseArgs } from 'node:util';

export const DEMO_USAGE = 'usage: npm run demo [-- [--seconds N] [--data DIR] [--modules auto|docker|process]]';
/** `--modules` values: containers when a Docker engine answers (`auto`, the default), always, or never. */
export const DEMO_MODULE_CHOICES = ['auto', 'docker', 'process'];

/**
 * `{ seconds, dataDir, modules }`: `seconds` undefined = run until Ctrl-C (the default), else exit N seconds after the model
 * rollout completed; `dataDir` undefined = `<repository>/.verge/demo`. `--keep` (the old "keep running") is accepted
 * and changes nothing: running until Ctrl-C is now the default. `modules`: one of {@link DEMO_MODULE_CHOICES}.
 */
export function parseDemoArgs(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { seconds: { type: 'string' }, data: { type: 'string' }, modules: { type: 'string', default: 'auto' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (err) {
    return { error: `${err.message.replace(/\. To specify a positional argument.*$/s, '')}\n${DEMO_USAGE}` };
  }
  if (values.help === true) return { help: DEMO_USAGE };
  let seconds;
  if (values.seconds !== undefined) {
    seconds = Number(values.seconds);
    if (values.seconds.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 86_400) return { error: `--seconds ${JSON.stringify(values.seconds)} is not a number of seconds from 0 to 86400` };
  }
  if (values.data !== undefined && values.data.trim() === '') return { error: '--data needs a directory' };
  if (!DEMO_MODULE_CHOICES.includes(values.modules)) return { error: `--modules ${JSON.stringify(values.modules)} is not one of ${DEMO_MODULE_CHOICES.join(', ')}` };
  return { seconds, dataDir: values.data, modules: values.modules };
}
