/**
 * Pieces every chart shares: the colour of each series (fixed by its position
 * in the page's target list, so "etcd" has the same colour in every chart),
 * the legend, and horizontal grid lines with their tick labels.
 */
import { el, text } from './svg.ts';
import type { Markup } from './svg.ts';
import type { Scale } from './scale.ts';
import { tickLabel } from './scale.ts';

/** Colour-blind-safe palette (Okabe–Ito); series beyond it repeat colours. */
const palette = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'] as const;

export function seriesColour(index: number): string {
  if (!(Number.isInteger(index) && index >= 0)) throw new Error(`chart: series index must be a whole number, got ${index}`);
  return palette[index % palette.length] ?? '#000000';
}

export interface Frame {
  widthPx: number;
  heightPx: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export function chartFrame(widthPx: number, heightPx: number): Frame {
  return { widthPx, heightPx, left: 60, right: widthPx - 16, top: 40, bottom: heightPx - 48 };
}

export function chartTitle(frame: Frame, title: string): Markup {
  return el('text', { x: frame.widthPx / 2, y: 18, 'text-anchor': 'middle', 'font-size': 13, 'font-weight': 'bold' }, [text(title)]);
}

/** Horizontal grid lines and labels for a vertical (y) scale, plus the y axis caption. */
export function yGrid(frame: Frame, scale: Scale, caption: string): Markup[] {
  const parts: Markup[] = [];
  for (const tick of scale.ticks) {
    const y = scale.at(tick);
    parts.push(el('line', { x1: frame.left, x2: frame.right, y1: y, y2: y, stroke: '#ddd' }));
    parts.push(el('text', { x: frame.left - 6, y: y + 4, 'text-anchor': 'end' }, [text(tickLabel(tick))]));
  }
  const midY = (frame.top + frame.bottom) / 2;
  parts.push(el('text', { x: 14, y: midY, 'text-anchor': 'middle', transform: `rotate(-90 14 ${midY})` }, [text(caption)]));
  parts.push(el('line', { x1: frame.left, x2: frame.left, y1: frame.top, y2: frame.bottom, stroke: '#333' }));
  parts.push(el('line', { x1: frame.left, x2: frame.right, y1: frame.bottom, y2: frame.bottom, stroke: '#333' }));
  return parts;
}

/** One row of coloured swatches with names, under the title. */
export function legend(frame: Frame, names: readonly { name: string; colourIndex: number }[]): Markup[] {
  const parts: Markup[] = [];
  let x = frame.left;
  for (const { name, colourIndex } of names) {
    parts.push(el('rect', { x, y: 25, width: 10, height: 10, fill: seriesColour(colourIndex) }));
    parts.push(el('text', { x: x + 14, y: 34 }, [text(name)]));
    x += 24 + name.length * 7;
  }
  return parts;
}
