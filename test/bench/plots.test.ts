import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderBarChart } from '../../bench/plots/bar-chart.ts';
import { chartsOf, fileSafe } from '../../bench/plots/charts.ts';
import { plotsMain } from '../../bench/plots/cli.ts';
import { plotDataFrom } from '../../bench/plots/model.ts';
import { renderPage } from '../../bench/plots/page.ts';
import { nines, renderPercentileChart } from '../../bench/plots/percentile-chart.ts';
import { linearScale, logScale, niceStep, tickLabel } from '../../bench/plots/scale.ts';
import { el, escapeXml, num, text } from '../../bench/plots/svg.ts';

const latency = (p50Ms: number, scale = 1) => ({ count: 100, meanMs: p50Ms, p50Ms, p90Ms: p50Ms * 2 * scale, p99Ms: p50Ms * 4 * scale, p999Ms: p50Ms * 8 * scale, maxMs: p50Ms * 9 * scale });
const result = (opsPerSec: number, p50Ms: number) => ({ opsPerSec, errors: 0, latency: latency(p50Ms) });

/** A report shaped like `bench:compare --json` prints it. */
function compareReport(extra: Record<string, unknown> = {}) {
  return {
    command: 'node --import tsx bench/compare/main.ts --scenarios put-1,put-64',
    machine: '2 cores (Test CPU), Node v20.20.2, load average 0.50 0.40 0.30 at start',
    threads: 'load generated on 1 thread',
    runs: [
      { target: 'etcd', scenario: 'put-1', result: result(900, 1), failure: null },
      { target: 'etcd', scenario: 'put-64', result: result(5000, 10), failure: null },
      { target: 'conclave', scenario: 'put-1', result: result(450, 2), failure: null },
      { target: 'conclave', scenario: 'put-64', result: null, failure: 'deadline exceeded' },
    ],
    unavailable: [],
    ...extra,
  };
}

/** Attribute values of every `<tag …>` in `markup`, in document order. */
function attrsOf(markup: string, tag: string): Record<string, string>[] {
  return [...markup.matchAll(new RegExp(`<${tag} ([^>]*?)/?>`, 'g'))].map((m) =>
    Object.fromEntries([...(m[1] ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1] ?? '', a[2] ?? ''])),
  );
}

t.test('markup escapes every name and refuses non-finite numbers', async (t) => {
  t.equal(escapeXml(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
  t.equal(el('text', { x: 1.005, label: '"q"' }, [text('<b>')]).markup, '<text x="1" label="&quot;q&quot;">&lt;b&gt;</text>');
  t.equal(el('rect', { width: 3 }).markup, '<rect width="3"/>');
  t.throws(() => num(Number.NaN), /non-finite/);
  t.throws(() => el('rect', { width: Number.POSITIVE_INFINITY }), /non-finite/);
  t.throws(() => el('bad name'), /bad element name/);
  t.throws(() => el('rect', { 'on click': 'x' }), /bad attribute name/);
});

t.test('scales: nice linear ticks from zero, decade ticks on a log scale', async (t) => {
  t.equal(niceStep(5142, 5), 2000);
  t.equal(niceStep(0.9, 5), 0.2);
  t.throws(() => niceStep(0, 5), /positive/);
  const linear = linearScale(5142, 300, 0);
  t.same(linear.ticks, [0, 2000, 4000, 6000]);
  t.equal(linear.at(0), 300);
  t.equal(linear.at(6000), 0);
  t.equal(linear.at(3000), 150);
  const log = logScale(0.5, 80, 200, 0);
  t.same(log.ticks, [0.1, 1, 10, 100]);
  t.equal(log.at(0.1), 200);
  t.equal(log.at(100), 0);
  t.equal(Math.round(log.at(10)), 67);
  t.same(logScale(1.5, 40, 100, 0).ticks, [1, 2, 5, 10, 20, 50], 'few decades get 2x and 5x ticks; the axis ends at the first 1/2/5 step above max');
  t.equal(logScale(1.5, 40, 100, 0).at(50), 0);
  t.same(logScale(3, 3, 100, 0).ticks, [1, 2, 5], 'one value still spans a range');
  t.throws(() => logScale(0, 1, 0, 1), /0 < min/);
  t.same([tickLabel(1500), tickLabel(20000), tickLabel(0.2), tickLabel(3_000_000)], ['1.5k', '20k', '0.2', '3M']);
});

t.test('bar chart: bar heights in proportion to values, a missing value says failed', async (t) => {
  const svg = renderBarChart({
    title: 'Throughput',
    yCaption: 'ops/s',
    groups: ['put-1', 'put-64'],
    series: [
      { name: 'etcd', colourIndex: 0, values: [1000, 4000] },
      { name: 'conclave', colourIndex: 1, values: [500, null] },
    ],
  }).markup;
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="320"/);
  // Legend swatches are 10 px squares; bars come group by group: etcd put-1, conclave put-1, etcd put-64.
  const bars = attrsOf(svg, 'rect').filter((a) => a['height'] !== '10');
  t.equal(bars.length, 3, 'one bar per value present');
  const heights = bars.map((a) => Number(a['height']));
  t.equal(Math.round((heights[2] ?? 0) / (heights[0] ?? 1)), 4, 'etcd put-64 bar 4x its put-1 bar');
  t.equal(Math.round(((heights[0] ?? 0) / (heights[1] ?? 1)) * 10) / 10, 2, 'etcd put-1 bar 2x conclave put-1 bar');
  t.not(bars[0]?.['fill'], bars[1]?.['fill'], 'targets differ in colour');
  t.equal(bars[0]?.['fill'], bars[2]?.['fill'], 'a target keeps its colour across groups');
  t.match(svg, />failed</);
  t.match(svg, />4,000</, 'value label on the bar');
  t.throws(() => renderBarChart({ title: 'x', yCaption: 'y', groups: ['a'], series: [{ name: 's', colourIndex: 0, values: [1, 2] }] }), /2 values for 1 groups/);
  t.throws(() => renderBarChart({ title: 'x', yCaption: 'y', groups: ['a'], series: [{ name: 's', colourIndex: 0, values: [-1] }] }), /negative/);
});

t.test('percentile chart: evenly spread nines, slower is higher, max dashed', async (t) => {
  t.equal(nines(90), 1);
  t.equal(Math.round(nines(99.9) * 1000) / 1000, 3);
  t.throws(() => nines(100), /\(0, 100\)/);
  const points = (p50: number) => [
    { percentile: 50, ms: p50 },
    { percentile: 90, ms: p50 * 2 },
    { percentile: 99, ms: p50 * 4 },
    { percentile: 99.9, ms: p50 * 8 },
  ];
  const svg = renderPercentileChart({
    title: 'put-64',
    series: [
      { name: 'etcd', colourIndex: 0, points: points(1), maxMs: 20 },
      { name: 'conclave', colourIndex: 1, points: points(3), maxMs: 30 },
    ],
  }).markup;
  const dots = attrsOf(svg, 'circle');
  t.equal(dots.length, 8, 'one dot per percentile per series');
  const xs = dots.slice(0, 4).map((a) => Number(a['cx']));
  t.ok(xs.every((x, i) => i === 0 || x > (xs[i - 1] ?? 0)), `x grows with the percentile: ${xs}`);
  const gap = (i: number): number => (xs[i + 1] ?? 0) - (xs[i] ?? 0);
  t.ok(Math.abs(gap(1) - gap(2)) < 0.1, 'p90→p99 as wide as p99→p99.9');
  t.ok(Number(dots[4]?.['cy']) < Number(dots[0]?.['cy']), 'the slower series is drawn higher');
  t.equal(attrsOf(svg, 'line').filter((a) => a['stroke-dasharray'] !== undefined).length, 2, 'one dashed max step per series');
  t.match(svg, />p99\.9</);
  t.match(svg, />max</);
  t.throws(
    () => renderPercentileChart({ title: 'x', series: [{ name: 'a', colourIndex: 0, points: [{ percentile: 50, ms: 1 }, { percentile: 99, ms: -1 }], maxMs: 1 }] }),
    /negative/,
  );
});

t.test('plot data from a compare report: failed runs and unmeasured targets become notes', async (t) => {
  const data = plotDataFrom([{ label: 'run', json: compareReport({ members: 3, unavailable: [{ target: 'zk', reason: 'not installed' }] }) }]);
  t.same(data.runs.map((r) => [r.scenario, r.target, r.opsPerSec]), [
    ['put-1', 'etcd ×3', 900],
    ['put-64', 'etcd ×3', 5000],
    ['put-1', 'conclave ×3', 450],
    ['put-64', 'conclave ×3', null],
  ]);
  t.same(data.sources[0]?.notes, ['zk ×3: not measured: not installed', 'conclave ×3 put-64: failed: deadline exceeded']);
  t.equal(data.sources[0]?.machine, compareReport().machine);
  t.same(plotDataFrom([{ label: 'one', json: compareReport() }]).runs[0]?.target, 'etcd', 'one member: plain target names');
});

t.test('plot data from load generator results: the file name is the target', async (t) => {
  const bench = (opsPerSec: number) => ({ workload: 'put', options: { clients: 64 }, loadThreads: 1, aborted: null, ...result(opsPerSec, 2) });
  const data = plotDataFrom([
    { label: 'etcd', json: { command: 'bench --workload put', machine: 'm', ...bench(5000) } },
    { label: 'conclave', json: bench(2500) },
  ]);
  t.same(data.runs.map((r) => [r.scenario, r.target, r.opsPerSec]), [
    ['put c=64', 'etcd', 5000],
    ['put c=64', 'conclave', 2500],
  ]);
  t.equal(data.sources[1]?.command, '(not recorded in the input)');
  t.equal(data.sources[1]?.threads, 'load generated on 1 thread(s)');
});

t.test('malformed input is refused with the file and the field', async (t) => {
  t.throws(() => plotDataFrom([]), /no input/);
  t.throws(() => plotDataFrom([{ label: 'f.json', json: [1] }]), /f\.json: the file should be an object/);
  t.throws(() => plotDataFrom([{ label: 'f', json: { hello: 1 } }]), /neither a bench:compare report/);
  const broken = compareReport();
  broken.runs[0] = { target: 'etcd', scenario: 'put-1', result: { opsPerSec: 'fast', errors: 0, latency: latency(1) } as never, failure: null };
  t.throws(() => plotDataFrom([{ label: 'f', json: broken }]), /f: runs\[0\]\.result\.opsPerSec should be a finite number/);
});

t.test('charts: one throughput chart, one latency chart per scenario with a figure', async (t) => {
  const charts = chartsOf(plotDataFrom([{ label: 'run', json: compareReport() }]));
  t.same(charts.map((c) => c.name), ['throughput', 'latency-put-1', 'latency-put-64']);
  t.equal(attrsOf(charts[2]?.svg.markup ?? '', 'circle').length, 4, 'put-64: only etcd has latencies');
  t.equal(fileSafe('range l/64 (x)'), 'range-l-64-x');
  t.equal(fileSafe('///'), 'chart');
});

t.test('page: self-contained, says how it was run, and a hostile name stays text', async (t) => {
  const report = compareReport();
  report.runs[0] = { ...report.runs[0], target: '<script>alert(1)</script>' } as (typeof report.runs)[number];
  const data = plotDataFrom([{ label: 'run', json: report }]);
  const html = renderPage('Bench <1>', data, chartsOf(data));
  t.match(html, /^<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"\/><title>Bench &lt;1&gt;<\/title>/);
  t.notMatch(html, /<script/i, 'no script, not even from a target name');
  t.notMatch(html, /(src|href)=/, 'nothing loaded from elsewhere');
  t.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  t.match(html, /command: node --import tsx bench\/compare\/main\.ts --scenarios put-1,put-64\nmachine: 2 cores \(Test CPU\)/);
  t.equal((html.match(/<svg /g) ?? []).length, 3, 'every chart inline');
  t.match(html, /<td>put-64<\/td><td>conclave<\/td><td>failed: deadline exceeded<\/td>/);
  t.match(html, /<li>conclave put-64: failed: deadline exceeded<\/li>/);
});

t.test('bench:plots writes the page and the SVG files, and explains bad use', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-plots-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'report.json');
  writeFileSync(input, JSON.stringify(compareReport()));
  let out = '';
  let err = '';
  const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } };
  t.equal(plotsMain(['--html', join(dir, 'page.html'), '--svg-dir', join(dir, 'svg'), input], io), 0, err);
  t.match(readFileSync(join(dir, 'page.html'), 'utf8'), /Conclave benchmark/);
  t.same(readdirSync(join(dir, 'svg')).sort(), ['latency-put-1.svg', 'latency-put-64.svg', 'throughput.svg']);
  t.match(readFileSync(join(dir, 'svg', 'throughput.svg'), 'utf8'), /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg xmlns=/);
  t.match(out, /wrote .*page\.html\nwrote .*throughput\.svg\nwrote .*latency-put-1\.svg/);
  t.equal(plotsMain([input], io), 2, 'no output named');
  t.equal(plotsMain(['--html', join(dir, 'x.html')], io), 2, 'no input named');
  t.equal(plotsMain(['--html', join(dir, 'x.html'), join(dir, 'missing.json')], io), 1);
  t.match(err, /ENOENT/);
  writeFileSync(join(dir, 'bad.json'), '{');
  t.equal(plotsMain(['--html', join(dir, 'x.html'), join(dir, 'bad.json')], io), 1);
  t.equal(plotsMain(['--help'], io), 0);
  t.match(out, /usage: bench:plots/);
});
