import { SaxesParser } from 'saxes';

/** An element of the file, with the line its start tag is on; text is the element's own text, trimmed. */
export interface XmlElement {
  name: string;
  line: number;
  text: string;
  children: XmlElement[];
}

/** Where the XML stopped being well-formed. */
export interface XmlFault {
  line: number;
  column: number;
  message: string;
}

/** The first child of that name (local name: a namespace prefix is ignored), if any. */
export const child = (element: XmlElement | undefined, name: string): XmlElement | undefined =>
  element?.children.find((c) => c.name === name);

export const childrenNamed = (element: XmlElement | undefined, name: string): XmlElement[] =>
  element?.children.filter((c) => c.name === name) ?? [];

/** The text of the child of that name; undefined when it is absent or empty. */
export const textOf = (element: XmlElement | undefined, name: string): string | undefined =>
  child(element, name)?.text || undefined;

const localName = (name: string) => name.slice(name.indexOf(':') + 1);

export interface ElementSink {
  /** The root element's name, as soon as it is read. Returning false stops the reading. */
  root(name: string, line: number): boolean;
  /**
   * Whether the element at this path (root first) is kept whole and handed to `element` when it
   * closes. Everything outside a kept element is read and forgotten, so memory holds one pupil.
   */
  keeps(path: readonly string[]): boolean;
  /** A kept element, complete. Returning false stops the reading. */
  element(path: readonly string[], element: XmlElement): boolean;
}

/**
 * Reads XML with saxes, a streaming parser, and hands on whole the elements the sink keeps. The
 * first well-formedness fault stops the reading and is returned: what the parser read after it
 * cannot be trusted, while every element handed on before it was complete.
 */
export async function readXmlElements(
  content: string | AsyncIterable<string | Buffer>,
  sink: ElementSink,
): Promise<XmlFault | undefined> {
  const parser = new SaxesParser({ position: true });
  const path: string[] = [];
  const open: XmlElement[] = [];
  let fault: XmlFault | undefined;
  let stopped = false;
  // saxes reports a close tag before it says the tag was closed by a mismatched one, so a kept
  // element is handed on only at the next event (or the end of a chunk), when no fault came first.
  let pending: { path: string[]; element: XmlElement } | undefined;
  const flush = () => {
    if (pending && !stopped && !sink.element(pending.path, pending.element)) stopped = true;
    pending = undefined;
  };
  parser.on('error', (error) => {
    // saxes prefixes the message with line:column; the fault carries them apart.
    fault ??= {
      line: parser.line,
      column: parser.column + 1,
      message: error.message.replace(/^\d+:\d+: /, '').replace(/\.$/, ''),
    };
    stopped = true;
    pending = undefined;
  });
  parser.on('opentag', (tag) => {
    flush();
    if (stopped) return;
    const name = localName(tag.name);
    if (path.length === 0 && !sink.root(name, parser.line)) {
      stopped = true;
      return;
    }
    path.push(name);
    if (open.length > 0 || sink.keeps(path)) {
      const element: XmlElement = { name, line: parser.line, text: '', children: [] };
      open.at(-1)?.children.push(element);
      open.push(element);
    }
  });
  const addText = (text: string) => {
    flush();
    const current = open.at(-1);
    if (current && !stopped) current.text += text;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', () => {
    flush();
    if (stopped) return;
    const element = open.pop();
    if (element) {
      element.text = element.text.trim();
      if (open.length === 0) pending = { path: [...path], element };
    }
    path.pop();
  });
  const feed = (chunk: string) => {
    if (!stopped) parser.write(chunk);
    flush();
  };
  if (typeof content === 'string') feed(content);
  else {
    const decoder = new TextDecoder('utf-8');
    for await (const chunk of content) {
      feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
      if (stopped) break;
    }
    feed(decoder.decode());
  }
  if (!stopped) parser.close();
  flush();
  return fault;
}
