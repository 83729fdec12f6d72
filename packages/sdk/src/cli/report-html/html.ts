/**
 * The pieces of a self-contained HTML report: escaping, tables, figures and the page around them.
 * Everything the report shows from the API (children's names, schools, ratings) is untrusted text and
 * goes through {@link escapeHtml}; markup built here is wrapped in {@link Html} so it is not escaped twice.
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text as HTML, safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Markup made here from escaped parts. */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

export type Content = string | number | Html | null | undefined;

/** Content as markup: text is escaped, numbers are written in British style, nothing is empty. */
export function render(content: Content): string {
  if (content instanceof Html) return content.markup;
  if (content === null || content === undefined) return '';
  if (typeof content === 'number') return content.toLocaleString('en-GB');
  return escapeHtml(content);
}

/** A tagged template whose substitutions are escaped unless they are {@link Html} (or arrays of it). */
export function html(strings: TemplateStringsArray, ...values: (Content | Content[])[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += Array.isArray(value) ? value.map(render).join('') : render(value);
    out += strings[i + 1]!;
  });
  return new Html(out);
}

export interface Table {
  caption: string;
  /** Column headings; the first column's cells head their rows. */
  columns: { label: string; numeric?: boolean }[];
  rows: Content[][];
  /** Said in the table when it has no rows. */
  empty?: string;
  className?: string;
}

/** A table with a caption, column headings (`scope="col"`) and row headings (`scope="row"`). */
export function table(t: Table): Html {
  const numeric = (i: number) => (t.columns[i]?.numeric ? ' class="num"' : '');
  const head = t.columns.map((c, i) => html`<th scope="col"${new Html(numeric(i))}>${c.label}</th>`);
  const body = t.rows.length
    ? t.rows.map(
        (row) =>
          html`<tr>${row.map((cell, i) =>
            i === 0 ? html`<th scope="row">${cell}</th>` : html`<td${new Html(numeric(i))}>${cell}</td>`,
          )}</tr>`,
      )
    : [html`<tr><td colspan="${t.columns.length}">${t.empty ?? 'None.'}</td></tr>`];
  return html`<table${new Html(t.className ? ` class="${escapeHtml(t.className)}"` : '')}><caption>${t.caption}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A chart with its caption, and the same figures as a table beneath it (for print and for screen readers). */
export function figure(id: string, caption: string, svg: string, figures: Table): Html {
  return html`<figure id="${id}" class="chart" aria-labelledby="${id}-caption"><figcaption id="${id}-caption">${caption}</figcaption><div class="plot">${new Html(svg)}</div>${table({ ...figures, className: 'figures' })}</figure>`;
}

export interface Page {
  title: string;
  /** Under the title: what the report is about, and as of when. */
  subtitle: Content[];
  sections: { id: string; heading: string; intro?: Content; content: Html[] }[];
  /** The small print: where the figures came from. */
  footer: Content[];
}

// A sheet for screen and print, A4: nothing is loaded from anywhere else (the report goes by email).
const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #57606a; --rule: #d0d7de; --band: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 64rem; padding: 1.5rem; color: var(--ink); background: #fff;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
header { border-bottom: 2px solid var(--ink); margin-bottom: 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--rule); }
header p, .note, footer { color: var(--muted); }
footer { margin-top: 2rem; border-top: 1px solid var(--rule); font-size: .85rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border-bottom: 1px solid var(--rule); padding: .3rem .5rem; text-align: left; vertical-align: top; }
thead th { background: var(--band); border-bottom: 2px solid var(--ink); }
tbody th { font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary { width: auto; min-width: 24rem; }
figure.chart { margin: 1rem 0 1.5rem; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: .25rem; }
.plot svg { max-width: 100%; height: auto; }
table.figures { width: auto; min-width: 20rem; }
ul.attention { margin: 0; padding-left: 1.1rem; }
.status-overdue, .status-late { font-weight: 600; }
@page { size: A4; margin: 15mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr, figure { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
}
`;

/**
 * The whole document. Its Content-Security-Policy allows only the inline style sheet and data: images,
 * so even if untrusted text slipped past escaping it could neither run a script nor call anywhere.
 */
export function page(p: Page): string {
  const sections = p.sections.map(
    (s) =>
      html`<section id="${s.id}" aria-labelledby="${s.id}-heading"><h2 id="${s.id}-heading">${s.heading}</h2>${s.intro === undefined ? '' : html`<p>${s.intro}</p>`}${s.content}</section>`,
  );
  return `<!doctype html>
${html`<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${p.title}</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<header><h1>${p.title}</h1><p>${p.subtitle}</p></header>
<main>
${sections}
</main>
<footer><p>${p.footer}</p></footer>
</body>
</html>`}
`;
}
