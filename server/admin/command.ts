/** One admin command: its name, its help, the options it takes, and what it does. */
import type { OptionSpec, ParsedArgs } from './args';
import type { AdminContext } from './context';

export interface AdminCommand {
  name: string;
  /** One line, for the list of commands. */
  summary: string;
  /** The command's `--help`: usage, options and what it does. */
  help: string;
  options: OptionSpec;
  /** Does the work; throws UsageError or AdminError to fail with a one-line message. */
  run(context: AdminContext, args: ParsedArgs): Promise<void>;
}
