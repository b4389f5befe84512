/** `npm run admin -- <command>`: administer the documents in the server's database (cli.ts). */
import { loadDotEnv } from '../dot-env';
import { runAdmin } from './cli';

loadDotEnv(process.env);
runAdmin(process.argv.slice(2), process.env, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
});
