import type { Command } from '../command.js';
import { convertCtfCommand } from './convert-ctf.js';
import { convertSsda903Command } from './convert-ssda903.js';

/** `celr convert <format>`: files in the formats authorities and schools already hold, to CELR records. */
export const convertCommand: Command = {
  name: 'convert',
  summary: 'Convert an SSDA903 return or a Common Transfer File to CELR records, offline',
  usage: ['convert <format> [options] <file>...'],
  description:
    'Turns files an authority or school already has into NDJSON exchange lines that `celr validate` checks and `celr import` loads. Nothing is sent.',
  options: {},
  examples: [
    {
      command: 'celr convert ssda903 --authority la-code:990 *.csv --out cohort.ndjson',
      says: 'An SSDA903 return.',
    },
    {
      command: 'celr convert ctf CTF_in.xml --learners learners.ndjson --out updates.ndjson',
      says: "A school's Common Transfer File, as updates of the learners it can see.",
    },
  ],
  subcommands: [convertSsda903Command as Command, convertCtfCommand as Command],
};
