/**
 * The admin command's arguments: positional words and `--name value` / `--name=value` options,
 * each command declaring which options it takes (a value, or a flag). Anything else is a
 * UsageError naming what was wrong.
 */

/** A mistake in how the command was called: reported in one line with a pointer to --help. */
export class UsageError extends Error {}

/** A refusal about what the command was asked to act on (an unknown room, a bad date). */
export class AdminError extends Error {}

/** Option name → whether it takes a value (`true`) or is a flag (`false`). */
export type OptionSpec = Record<string, boolean>;

export interface ParsedArgs {
  positional: string[];
  /** Value options by name (the last one wins); flags as `true`. */
  options: Map<string, string | true>;
}

/** Parses `argv` against `spec`; `--help` and `-h` are flags every command takes. */
export function parseArgs(argv: readonly string[], spec: OptionSpec): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '-h' || word === '--help') {
      options.set('help', true);
      continue;
    }
    if (word === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith('-') || word === '-') {
      positional.push(word);
      continue;
    }
    const [name, inline] = word.startsWith('--') ? splitOnce(word.slice(2), '=') : [word.slice(1), undefined];
    if (!Object.hasOwn(spec, name)) throw new UsageError(`unknown option ${word.split('=')[0]}`);
    if (!spec[name]) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      options.set(name, true);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    options.set(name, value);
  }
  return { positional, options };
}

/** A value option, or `fallback` when it was not given. */
export function optionValue(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name);
  return typeof value === 'string' ? value : undefined;
}

/** One of `choices` for option `name` (or `fallback` when absent); anything else is a UsageError. */
export function choiceOption<T extends string>(args: ParsedArgs, name: string, choices: readonly T[], fallback: T): T {
  const value = optionValue(args, name) ?? fallback;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, not "${value}"`);
  return value as T;
}

/** Exactly the positional arguments `names`, by name; missing or extra ones are UsageErrors. */
export function positionals(args: ParsedArgs, names: readonly string[]): string[] {
  if (args.positional.length < names.length) throw new UsageError(`missing ${names.slice(args.positional.length).map((name) => `<${name}>`).join(' ')}`);
  if (args.positional.length > names.length) throw new UsageError(`unexpected argument "${args.positional[names.length]}"`);
  return args.positional;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
