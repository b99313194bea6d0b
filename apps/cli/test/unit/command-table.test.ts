import type { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { commandModules, selectCommands, type CommandModule } from '../../src/command-table.js';
import { buildProgram, programWith } from '../../src/main.js';

// `main` registers only the module of the command a line names (start-up time); these tests keep the command table
// true to the modules, and a command's help the same whether its module is registered alone or in the whole tree.

/** Every command below `root` with its path (`['device', 'list']`), depth first. */
function commandsOf(root: Command): { path: string[]; command: Command }[] {
  const out: { path: string[]; command: Command }[] = [];
  const walk = (node: Command, prefix: string[]): void => {
    for (const child of node.commands) {
      const path = [...prefix, child.name()];
      out.push({ path, command: child });
      walk(child, path);
    }
  };
  walk(root, []);
  return out;
}

function find(root: Command, path: readonly string[]): Command | undefined {
  let node: Command | undefined = root;
  for (const word of path) node = node?.commands.find((c) => c.name() === word);
  return node;
}

const key = (path: readonly string[]): string => path.join(' ');

let whole: Command;
beforeAll(async () => {
  whole = await buildProgram();
});

describe('the command table', () => {
  it('names every command of the whole tree that has no sub-command, and only commands of the tree', () => {
    const declared = new Set(commandModules.flatMap((m) => m.paths.map(key)));
    const nodes = commandsOf(whole);
    const leaves = nodes.filter((n) => n.command.commands.length === 0).map((n) => key(n.path));
    expect(leaves.filter((l) => !declared.has(l))).toEqual([]);
    const all = new Set(nodes.map((n) => key(n.path)));
    expect([...declared].filter((d) => !all.has(d))).toEqual([]);
    expect(declared.size).toBe(commandModules.flatMap((m) => m.paths).length);
  });

  it.each(commandModules.map((m): [string, CommandModule] => [m.paths.map(key).join(', '), m]))('%s: registers its paths, and its commands help as in the whole tree', async (_, module) => {
    const alone = await programWith([module]);
    const declared = new Set(module.paths.map(key));
    const leaves = commandsOf(alone).filter((n) => n.command.commands.length === 0).map((n) => key(n.path));
    expect(leaves.filter((l) => !declared.has(l))).toEqual([]);
    for (const path of module.paths) {
      const own = find(alone, path);
      expect(own, key(path)).toBeDefined();
      expect(own?.helpInformation()).toBe(find(whole, path)?.helpInformation());
    }
  });
});

describe('selectCommands', () => {
  const moduleOf = (path: readonly string[]): CommandModule | undefined => commandModules.find((m) => m.paths.some((p) => key(p) === key(path)));

  it.each([
    [['device', 'list', '--help'], ['device', 'list']],
    [['device', 'show', 'd1', '--json'], ['device', 'show']],
    [['deploy', 'd1', 'm.json'], ['deploy']],
    [['monitor'], ['monitor']],
    [['edge', 'dead-letters', 'replay', '--json'], ['edge', 'dead-letters']],
    [['edge', 'dead-letters', '--data', 'x', 'replay'], ['edge', 'dead-letters']],
    [['edge', 'config', 'apply', '--config', 'f'], ['edge', 'config', 'apply']],
    [['deployment', 'abort', 'x', '--rollback'], ['deployment', 'pause']],
  ])('%j loads the module of %j alone', (args, path) => {
    expect(selectCommands(args)).toEqual({ kind: 'one', module: moduleOf(path) });
  });

  it.each([[[]], [['--help']], [['device']], [['device', '--help']], [['device', 'lst']], [['devic', 'list']], [['help', 'device', 'list']], [['--json', 'device', 'list']], [['edge', 'config']], [['--version', 'device']]])(
    '%j loads the whole tree',
    (args) => {
      expect(selectCommands(args)).toEqual({ kind: 'all' });
    },
  );

  it.each([[['--version']], [['-V']]])('%j needs no command', (args) => {
    expect(selectCommands(args)).toEqual({ kind: 'none' });
  });
});
