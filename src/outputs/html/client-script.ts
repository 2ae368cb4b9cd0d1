/**
 * The small browser script of the report (plain ES2017, no build step): draws each stream's charts
 * with the inlined uPlot from the embedded chart data (chart-data.ts), lazily when a stream's
 * details are opened (so a report with 1000 streams opens fast), and pages the streams table
 * beyond PAGE_ROWS rows.
 * Without JavaScript the page still shows every table and number; only the charts are missing.
 * Must not contain a closing script tag; it runs under a CSP that allows only its own hash.
 */
export const PAGE_ROWS = 50;

export const CLIENT_SCRIPT = `(function () {
'use strict';
var PAGE = ${PAGE_ROWS};
var data = JSON.parse(document.getElementById('voipready-charts').textContent);
var th = data.limits;

function chartWidth(box) {
  var cw = box.clientWidth || 900;
  return cw >= 960 ? Math.floor((cw - 16) / 3) : Math.max(300, cw);
}

// x axis labels in ISO 8601 UTC like every other time in the report (uPlot's default is the
// browser's local time in US style, "1/2 10:00am"): HH:MM:SS (with ms below a 1 s step), and the
// date YYYY-MM-DD above the first label and wherever the day changes
function timeLabels(u, splits) {
  var step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) : 1;
  var lastDay = '';
  return splits.map(function (v) {
    if (v == null) return '';
    var iso = new Date(v * 1000).toISOString();
    var day = iso.slice(0, 10);
    var label = (day !== lastDay ? day + '\\n' : '') + iso.slice(11, step < 1 ? 23 : 19);
    lastDay = day;
    return label;
  });
}

function xAxis() {
  // space: the least pixels between two ticks, so that 12-character labels never touch
  return { values: timeLabels, space: 100, size: 48, label: 'UTC', labelSize: 14, labelGap: 0 };
}

// cursor and legend dates in UTC too
function utcDate(ts) {
  return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');
}

function addChart(box, title, opts, cols) {
  var wrap = document.createElement('div');
  wrap.className = 'chart';
  var t = document.createElement('div');
  t.className = 'chart-title';
  t.textContent = title;
  wrap.appendChild(t);
  box.appendChild(wrap);
  opts.width = chartWidth(box);
  opts.height = 170;
  // labels only: hover values would print as "--" and crowd the chart
  opts.legend = { live: false };
  opts.tzDate = utcDate;
  // kept on the element: the report's tests read the axis formatter from the chart itself
  wrap.uplot = new uPlot(opts, cols, wrap);
}

// one stream's row of the chart data, in data.columns order
function seriesOf(id) {
  var r = Object.prototype.hasOwnProperty.call(data.streams, id) ? data.streams[id] : null;
  return r && { start: r[0], intervalSeconds: r[1], burst: r[2], packets: r[3], lost: r[4], jitterMs: r[5], maxDeltaMs: r[6] };
}

function seriesData(se) {
  var n = Math.min(se.packets.length, se.lost.length, se.jitterMs.length, se.maxDeltaMs.length);
  var d = { x: [], jitter: [], delta: [], lossPct: [], lost: [], jLimit: [], lLimit: [] };
  for (var i = 0; i < n; i++) {
    var expected = se.packets[i] + se.lost[i];
    var empty = expected === 0;
    d.x.push(se.start + i * se.intervalSeconds);
    d.jitter.push(empty ? null : se.jitterMs[i]);
    d.delta.push(empty ? null : se.maxDeltaMs[i]);
    d.lossPct.push(empty ? null : (100 * se.lost[i]) / expected);
    d.lost.push(se.lost[i]);
    d.jLimit.push(th.jitterMs);
    d.lLimit.push(th.lossPercent);
  }
  if (n === 1) {
    // uPlot needs a range on x: close the single bucket at its end
    d.x.push(se.start + se.intervalSeconds);
    ['jitter', 'delta', 'lossPct', 'lost'].forEach(function (k) { d[k].push(null); });
    d.jLimit.push(th.jitterMs);
    d.lLimit.push(th.lossPercent);
  }
  return d;
}

function line(label, stroke, scale, dash) {
  var s = { label: label, stroke: stroke, width: dash ? 1 : 1.5, scale: scale, spanGaps: false };
  if (dash) { s.dash = [6, 4]; s.points = { show: false }; }
  return s;
}

function draw(card) {
  if (card.getAttribute('data-drawn') === '1') return;
  var se = seriesOf(card.getAttribute('data-stream'));
  var box = card.querySelector('.charts');
  if (!box || typeof uPlot === 'undefined') return;
  card.setAttribute('data-drawn', '1');
  box.textContent = '';
  if (!se || se.packets.length === 0) {
    box.textContent = 'No time series for this stream.';
    return;
  }
  var d = seriesData(se);
  var every = se.intervalSeconds;
  var per = every === 1 ? 'second' : every + ' s';
  addChart(box, 'Interarrival jitter (ms), limit ' + th.jitterMs + ' ms', {
    scales: { x: { time: true }, ms: {} },
    series: [{}, line('Jitter ms', '#0969da', 'ms'), line('Limit ms', '#cf222e', 'ms', true)],
    axes: [xAxis(), { scale: 'ms', size: 50 }]
  }, [d.x, d.jitter, d.jLimit]);
  var bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 24] }) : undefined;
  var lost = { label: 'Lost pkts', stroke: '#8250df', fill: 'rgba(130,80,223,0.25)', scale: 'n', paths: bars, points: { show: false } };
  addChart(box, 'Packet loss per ' + per + ' (longest burst ' + se.burst + ' pkts), limit ' + th.lossPercent + ' %', {
    scales: { x: { time: true }, pct: { range: function (u, min, max) { return [0, Math.max(max || 0, th.lossPercent * 1.5)]; } },
      // lost packets from 0 with some headroom; an all-zero series 0..1 (uPlot would make it 0..100)
      n: { range: function (u, min, max) { return max > 0 ? uPlot.rangeNum(0, max, 0.1, true) : [0, 1]; } } },
    series: [{}, line('Loss %', '#bc4c00', 'pct'), line('Limit %', '#cf222e', 'pct', true), lost],
    axes: [xAxis(), { scale: 'pct', size: 50 }, { scale: 'n', side: 1, size: 40, grid: { show: false }, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] }]
  }, [d.x, d.lossPct, d.lLimit, d.lost]);
  addChart(box, 'Max packet delta per ' + per + ' (ms)', {
    scales: { x: { time: true }, ms: {} },
    series: [{}, line('Max delta ms', '#1a7f37', 'ms')],
    axes: [xAxis(), { scale: 'ms', size: 50 }]
  }, [d.x, d.delta]);
}

function openTarget() {
  var id = decodeURIComponent(location.hash.slice(1));
  var el = id ? document.getElementById(id) : null;
  if (el && el.tagName === 'DETAILS') el.open = true;
}

var cards = document.querySelectorAll('details.stream');
for (var i = 0; i < cards.length; i++) {
  (function (card) {
    card.addEventListener('toggle', function () { if (card.open) draw(card); });
    if (card.open) draw(card);
  })(cards[i]);
}
window.addEventListener('hashchange', openTarget);
// a printout should carry every finding, not only the first few of each code
window.addEventListener('beforeprint', function () {
  var folded = document.querySelectorAll('details.more-findings');
  for (var k = 0; k < folded.length; k++) folded[k].open = true;
});
openTarget();

function pager(table) {
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  if (rows.length <= PAGE) return;
  var page = 0, shown = rows;
  var bar = document.createElement('div');
  bar.className = 'pager';
  var filter = document.createElement('input');
  filter.type = 'search';
  filter.placeholder = 'filter (address, SSRC, codec, verdict)';
  var prev = document.createElement('button');
  prev.textContent = '\\u2039 previous';
  var next = document.createElement('button');
  next.textContent = 'next \\u203a';
  var info = document.createElement('span');
  bar.appendChild(filter); bar.appendChild(prev); bar.appendChild(next); bar.appendChild(info);
  table.parentNode.insertBefore(bar, table);
  function render() {
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    page = Math.min(Math.max(page, 0), pages - 1);
    rows.forEach(function (r) { r.classList.add('paged-out'); });
    shown.slice(page * PAGE, page * PAGE + PAGE).forEach(function (r) { r.classList.remove('paged-out'); });
    info.textContent = shown.length === 0 ? 'no match' : 'rows ' + (page * PAGE + 1) + '\\u2013' + Math.min(shown.length, page * PAGE + PAGE) + ' of ' + shown.length;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }
  filter.addEventListener('input', function () {
    var q = filter.value.toLowerCase();
    shown = q ? rows.filter(function (r) { return r.textContent.toLowerCase().indexOf(q) >= 0; }) : rows;
    page = 0;
    render();
  });
  prev.addEventListener('click', function () { page--; render(); });
  next.addEventListener('click', function () { page++; render(); });
  render();
}
var paged = document.querySelectorAll('table[data-paged]');
for (var j = 0; j < paged.length; j++) pager(paged[j]);
})();
`;
