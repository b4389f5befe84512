/**
 * `node --import tsx --import ./test/support/flush-faults-preload.ts server/main.ts`: installs
 * flush-faults.ts in a server process, controlled by the file named in FLUSH_FAULTS_CONTROL
 * (`hold`, `fail`, or empty) and imaging flushes into FLUSH_FAULTS_IMAGES when set. Test
 * support only: the server never reads these variables.
 */
import { controlFromFile, installFlushFaults } from './flush-faults';

const controlFile = process.env.FLUSH_FAULTS_CONTROL;
installFlushFaults({ control: controlFile ? controlFromFile(controlFile) : undefined, imagesDir: process.env.FLUSH_FAULTS_IMAGES });
