import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { CARRIED, normaliseColumn, recogniseTable, TABLE_COLUMNS, type TableName } from './tables.js';

/** One CSV file of a return, as a stream: the name is what errors are reported against. */
export interface Ssda903File {
  name: string;
  content: Readable | AsyncIterable<string | Buffer>;
}

/** A row of a recognised table, with the line of the CSV it is on. */
export interface TableRow {
  file: string;
  table: TableName;
  line: number;
  row: Record<string, string>;
}

/** What a file's header row said: its table, or that it is none of them. */
export interface FileHeading {
  file: string;
  /** The table, or `xml` for a whole return as XML. */
  table?: TableName | 'xml';
  columns: string[];
  notCarried: string[];
}

/**
 * Reads one CSV file row by row (csv-parse, streaming: a row is handed on and forgotten). The first
 * record is the header row; `onHeading` hears what it is before any row. Blank lines are skipped but
 * still counted, so a row's `line` is the line an editor shows.
 */
export async function* readTable(
  file: Ssda903File,
  onHeading: (heading: FileHeading) => void,
): AsyncGenerator<TableRow> {
  const parser = parse({
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
  });
  const input = file.content;
  // Feed the parser from the source without buffering it: pipe for a Node stream, a loop otherwise.
  if ('pipe' in input && typeof input.pipe === 'function') {
    // pipe() does not pass on the source's error: without this, a file that fails part-way (a
    // network share gone) was an uncaught exception and the rows read so far waited for ever.
    input.once('error', (error) => parser.destroy(error));
    input.pipe(parser);
  } else
    void (async () => {
      try {
        for await (const chunk of input) if (!parser.write(chunk)) await onceDrained(parser);
        parser.end();
      } catch (error) {
        parser.destroy(error as Error);
      }
    })();
  let columns: string[] | undefined;
  let table: TableName | undefined;
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
  }>) {
    if (!columns) {
      columns = record.map(normaliseColumn);
      table = recogniseTable(columns);
      const carried = table ? new Set<string>(CARRIED[table]) : new Set<string>();
      onHeading({
        file: file.name,
        ...(table !== undefined ? { table } : {}),
        columns,
        notCarried: table ? columns.filter((c) => !carried.has(c)) : [],
      });
      if (!table) return;
      continue;
    }
    const row: Record<string, string> = {};
    for (const [i, column] of columns.entries()) row[column] = record[i] ?? '';
    yield { file: file.name, table: table as TableName, line: info.lines, row };
  }
}

const onceDrained = (stream: NodeJS.WritableStream) =>
  new Promise<void>((resolve) => stream.once('drain', () => resolve()));

export { TABLE_COLUMNS };
