/**
 * The smallest SVG/HTML writer the plots need: elements built as strings with
 * every attribute value and text node escaped, so a scenario or target name
 * can never break the markup or inject script. It must never emit a
 * non-finite number (NaN in a coordinate silently blanks a chart): that throws.
 */

export type AttrValue = string | number;
export type Attrs = Readonly<Record<string, AttrValue | undefined>>;

/** Markup that is already safe to embed (made by `el` or `text`). */
export interface Markup {
  readonly markup: string;
}

const namePattern = /^[a-zA-Z][a-zA-Z0-9:-]*$/;
const entities: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeXml(raw: string): string {
  return raw.replace(/[&<>"']/g, (ch) => entities[ch] ?? ch);
}

/** A number as an attribute or label: rounded to 2 decimals, and never NaN or Infinity. */
export function num(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`svg: non-finite number ${value}`);
  return String(Math.round(value * 100) / 100);
}

export function text(raw: string): Markup {
  return { markup: escapeXml(raw) };
}

export function el(name: string, attrs: Attrs = {}, children: readonly Markup[] = []): Markup {
  if (!namePattern.test(name)) throw new Error(`svg: bad element name '${name}'`);
  let open = `<${name}`;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    if (!namePattern.test(key)) throw new Error(`svg: bad attribute name '${key}'`);
    open += ` ${key}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`;
  }
  if (children.length === 0) return { markup: `${open}/>` };
  return { markup: `${open}>${children.map((child) => child.markup).join('')}</${name}>` };
}

/** An element whose HTML form must not self-close (e.g. `<div></div>`, `<title>`). */
export function htmlEl(name: string, attrs: Attrs = {}, children: readonly Markup[] = []): Markup {
  return el(name, attrs, children.length === 0 ? [text('')] : children);
}

export const svgNamespace = 'http://www.w3.org/2000/svg';

/** A root `<svg>` that works both inline in HTML and as a standalone .svg file. */
export function svgRoot(widthPx: number, heightPx: number, label: string, children: readonly Markup[]): Markup {
  return el(
    'svg',
    { xmlns: svgNamespace, width: widthPx, height: heightPx, viewBox: `0 0 ${num(widthPx)} ${num(heightPx)}`, role: 'img', 'aria-label': label, 'font-family': 'sans-serif', 'font-size': 11 },
    [el('title', {}, [text(label)]), ...children],
  );
}
