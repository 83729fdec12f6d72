import { SaxesParser } from 'saxes';
import type { FileHeading, Ssda903File, TableRow } from './read-tables.js';
import { CARRIED } from './tables.js';

/**
 * The SSDA903 return as XML (EXPSSDA903/CHILD/HEADER and EPISODE, the layout the DfE's XML return
 * and csc-validator-be-903's ingress use): each CHILD's HEADER becomes a header table row and each
 * EPISODE an episodes table row, so the same rules and mapping apply. CHILDID is the CSV's CHILD and
 * PL its PLACE. Elements nested below HEADER (AREVIEW, OC2, AMISSING, PERMANENCE, ...) are not read.
 * A row's line is the line of its HEADER or EPISODE tag. Read with saxes, chunk by chunk.
 */
const RENAMED: Record<string, string> = { CHILDID: 'CHILD', PL: 'PLACE' };
const TABLE_OF = { HEADER: 'header', EPISODE: 'episodes' } as const;

export async function* readXmlReturn(
  file: Ssda903File,
  onHeading: (heading: FileHeading) => void,
  onError: (line: number, message: string) => void,
): AsyncGenerator<TableRow> {
  const parser = new SaxesParser({ position: true });
  const ready: TableRow[] = [];
  const seen = new Set<string>();
  const path: string[] = [];
  let child: string | undefined;
  let pending: { table: 'header' | 'episodes'; line: number; row: Record<string, string> }[] = [];
  let current: (typeof pending)[number] | undefined;
  let field: string | undefined;
  let text = '';
  let failed = false;
  parser.on('opentag', (node) => {
    path.push(node.name);
    if (path.length === 1 && node.name !== 'EXPSSDA903')
      throw new Error(`the root element is ${node.name}, not EXPSSDA903`);
    if (path.length === 3 && path[1] === 'CHILD' && (node.name === 'HEADER' || node.name === 'EPISODE')) {
      current = { table: TABLE_OF[node.name], line: parser.line, row: {} };
      pending.push(current);
    } else if (path.length === 4 && current) {
      field = RENAMED[node.name] ?? node.name;
      text = '';
    }
  });
  parser.on('text', (t) => {
    if (field) text += t;
  });
  parser.on('closetag', (node) => {
    if (path.length === 4 && current && field) {
      current.row[field] = text.trim();
      seen.add(field);
      if (field === 'CHILD') child = text.trim();
      field = undefined;
    } else if (path.length === 3) current = undefined;
    else if (path.length === 2 && node.name === 'CHILD') {
      // The child's id is in its HEADER; its episodes carry it as the CSV's do.
      for (const p of pending)
        ready.push({ file: file.name, table: p.table, line: p.line, row: { ...p.row, CHILD: child ?? '' } });
      pending = [];
      child = undefined;
    }
    path.pop();
  });
  parser.on('error', (error) => {
    throw error;
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of file.content) {
      parser.write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
      yield* ready.splice(0);
    }
    parser.close();
    yield* ready.splice(0);
  } catch (error) {
    failed = true;
    onError(
      parser.line,
      `The XML cannot be read (${(error as Error).message.replace(/^[^:]*:\d+:\d+: /, '')}): the rest of the file is not read.`,
    );
  }
  // The children whose CHILD element closed before the fault are whole, and still converted.
  yield* ready.splice(0);
  const carried = new Set<string>([...CARRIED.header, ...CARRIED.episodes]);
  if (!failed || seen.size)
    onHeading({
      file: file.name,
      table: 'xml',
      columns: [...seen],
      notCarried: [...seen].filter((c) => !carried.has(c)),
    });
}
