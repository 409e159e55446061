/**
 * Prints the CLI reference of every command as Markdown, from the commands'
 * own definitions, so the README's reference cannot drift from the code:
 *   node dist/scripts/cli-reference.js
 */
import { Command } from 'commander';
import { commands } from '../src/cli/main';

function main() {
  const program = new Command('cyclegan');
  for (const c of commands) c.register(program);
  for (const cmd of program.commands) {
    const args = cmd.registeredArguments;
    const usage = [
      cmd.name(),
      ...args.map((a) =>
        a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}]`,
      ),
    ];
    console.log(`### \`cyclegan ${usage.join(' ')}\`\n\n${cmd.description()}\n`);
    console.log('| option | default | meaning |\n|---|---|---|');
    for (const a of args) {
      const def = a.required
        ? 'required'
        : a.defaultValue === undefined
          ? ''
          : String(a.defaultValue);
      console.log(`| \`${usage[args.indexOf(a) + 1]}\` (argument) | ${def} | ${a.description} |`);
    }
    for (const o of cmd.options) {
      const choices = o.argChoices ? ` (${o.argChoices.join(', ')})` : '';
      const shown =
        o.defaultValueDescription ??
        (o.defaultValue === undefined ? '' : JSON.stringify(o.defaultValue));
      const def = o.mandatory ? 'required' : shown.replace(/^"|"$/g, '');
      console.log(`| \`${o.flags}\` | ${def} | ${o.description}${choices} |`);
    }
    console.log('');
  }
}

main();
