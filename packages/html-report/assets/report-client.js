// The charts of a tsbatch dry-run report, drawn by Chart.js (inlined before this script) from the statistics in
// #report-data. Plain browser JavaScript: no module, no network. Sets window.__tsbatchReport when every chart is drawn.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const stats = data.statistics;
  const COLORS = {
    ingested: '#2e7d32',
    parse: '#c62828',
    ingestion: '#ef6c00',
    nulls: '#78909c',
    invalid: '#c62828',
    inside: '#1565c0',
    outside: '#ef6c00',
    band: 'rgba(46, 125, 50, 0.13)',
    now: '#2e7d32',
    values: '#5e35b1',
  };
  const drawn = [];
  Chart.defaults.animation = false;
  Chart.defaults.responsive = true;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = 'system-ui, sans-serif';

  const number = (n) => n.toLocaleString('en-US');
  const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

  /** Public plugin API: the ingestion window as a band behind the bars, and now as a line. */
  const windowBand = {
    id: 'windowBand',
    beforeDatasetsDraw(chart, _args, options) {
      if (options.from === undefined) return;
      const { ctx, chartArea, scales } = chart;
      const x = scales.x;
      const left = Math.max(x.getPixelForValue(options.from), chartArea.left);
      const right = Math.min(x.getPixelForValue(options.to), chartArea.right);
      ctx.save();
      if (right > left) {
        ctx.fillStyle = COLORS.band;
        ctx.fillRect(left, chartArea.top, right - left, chartArea.bottom - chartArea.top);
      }
      const now = x.getPixelForValue(options.now);
      if (now >= chartArea.left && now <= chartArea.right) {
        ctx.strokeStyle = COLORS.now;
        ctx.setLineDash([4, 3]);
        ctx.beginPath();
        ctx.moveTo(now, chartArea.top);
        ctx.lineTo(now, chartArea.bottom);
        ctx.stroke();
      }
      ctx.restore();
    },
  };

  function draw(canvas, config) {
    const chart = new Chart(canvas, config);
    drawn.push({ id: canvas.id, series: chart.data.datasets.map((d) => d.label) });
    return chart;
  }

  function figure(container, id, title, caption, height) {
    const fig = document.createElement('figure');
    fig.className = 'chart';
    const cap = document.createElement('figcaption');
    const h3 = document.createElement('h3');
    h3.textContent = title;
    const p = document.createElement('p');
    p.textContent = caption;
    cap.append(h3, p);
    const box = document.createElement('div');
    box.className = 'canvas';
    if (height !== undefined) box.style.height = `${height}px`;
    const canvas = document.createElement('canvas');
    canvas.id = id;
    box.append(canvas);
    fig.append(cap, box);
    container.append(fig);
    return canvas;
  }

  /** Bucket start values of a BucketHistogramData. */
  const starts = (h) => h.counts[0].map((_, i) => (h.first + i) * h.width);

  function stackedBars(labels, series, xTitle, yTitle) {
    return {
      type: 'bar',
      data: {
        labels,
        datasets: series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.color })),
      },
      options: {
        scales: {
          x: { stacked: true, title: { display: true, text: xTitle }, ticks: { maxTicksLimit: 12 } },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: yTitle } },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    };
  }

  function lineCharts() {
    const container = document.getElementById('line-charts');
    const failed = (f) => f.lines.counts[0].concat(f.lines.counts[1]).reduce((a, b) => a + b, 0);
    const files = stats.files
      .map((f) => ({ f, failed: failed(f) }))
      .sort((a, b) => b.failed - a.failed)
      .filter((e, i) => i === 0 || e.failed > 0)
      .slice(0, 8);
    files.forEach(({ f, failed: n }, i) => {
      const h = f.lines;
      const labels = starts(h).map((s) =>
        h.width === 1 ? `${Math.max(s, 1)}` : `${Math.max(s, 1)}-${s + h.width - 1}`,
      );
      const caption =
        `${f.file}: ${number(n)} failed rows, by line (buckets of ${number(h.width)} line${h.width === 1 ? '' : 's'}; ` +
        `the file ends at line ${number(f.lastLine)})` +
        (f.fileFailure === null ? '.' : `. The file failed as a whole: ${f.fileFailure}`);
      const canvas = figure(container, `chart-lines-${i}`, 'Failures along the file', caption);
      draw(
        canvas,
        stackedBars(
          labels,
          [
            { label: 'parse failures', data: h.counts[0], color: COLORS.parse },
            { label: 'ingestion failures', data: h.counts[1], color: COLORS.ingestion },
          ],
          'lines',
          'failed rows',
        ),
      );
    });
  }

  function windowChart() {
    const canvas = document.getElementById('chart-window');
    const t = stats.times;
    const w = stats.window;
    if (t === null) {
      canvas.closest('figure').querySelector('p').textContent +=
        ' No row mapped to records: nothing to draw.';
      return;
    }
    const lo = Math.min(t.min, w === null ? t.min : w.from);
    const hi = Math.max(t.max, w === null ? t.max : w.to);
    const bins = 120;
    const binWidth = Math.max((hi - lo) / bins, 1);
    const inside = new Array(bins + 1).fill(0);
    const outside = new Array(bins + 1).fill(0);
    starts(t).forEach((start, i) => {
      const n = t.counts[0][i] + t.counts[1][i];
      if (n === 0) return;
      const middle = start + t.width / 2;
      const bin = Math.min(bins, Math.max(0, Math.floor((middle - lo) / binWidth)));
      if (w === null || (middle >= w.from && middle < w.to)) inside[bin] += n;
      else outside[bin] += n;
    });
    const points = (counts) => counts.map((y, i) => ({ x: lo + (i + 0.5) * binWidth, y }));
    const datasets =
      w === null
        ? [{ label: 'rows', data: points(inside), backgroundColor: COLORS.inside }]
        : [
            { label: 'inside the window', data: points(inside), backgroundColor: COLORS.inside },
            { label: 'outside the window', data: points(outside), backgroundColor: COLORS.outside },
          ];
    const nowMs = w === null ? undefined : w.to - 15 * 60 * 1000;
    if (w !== null) {
      canvas.closest('figure').querySelector('p').textContent +=
        ` Window [${iso(w.from)}, ${iso(w.to)}): ${number(w.before)} rows before it, ` +
        `${number(w.inside)} inside, ${number(w.after)} after.`;
    } else {
      canvas.closest('figure').querySelector('p').textContent += ' No table was given: no window to draw.';
    }
    draw(canvas, {
      type: 'bar',
      data: { datasets },
      plugins: [windowBand],
      options: {
        parsing: true,
        grouped: false,
        barPercentage: 1,
        categoryPercentage: 1,
        scales: {
          x: {
            type: 'linear',
            min: lo - binWidth,
            max: hi + binWidth,
            stacked: true,
            ticks: { maxTicksLimit: 8, callback: (v) => iso(v).slice(0, 16).replace('T', ' ') },
            title: { display: true, text: 'record time (UTC)' },
          },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: 'rows' } },
        },
        plugins: {
          legend: { position: 'bottom' },
          windowBand: w === null ? {} : { from: w.from, to: w.to, now: nowMs },
          tooltip: { callbacks: { title: (items) => iso(items[0].parsed.x) } },
        },
      },
    });
  }

  function timesChart() {
    const canvas = document.getElementById('chart-times');
    const t = stats.times;
    if (t === null) return;
    const labels = starts(t).map((s) => iso(s).replace('T', ' ').replace('Z', ''));
    const width =
      t.width >= 86400000
        ? `${t.width / 86400000} d`
        : t.width >= 3600000
          ? `${t.width / 3600000} h`
          : t.width >= 60000
            ? `${t.width / 60000} min`
            : t.width >= 1000
              ? `${t.width / 1000} s`
              : `${t.width} ms`;
    canvas.closest('figure').querySelector('p').textContent +=
      ` Buckets of ${width}, labelled by their start (UTC).`;
    draw(
      canvas,
      stackedBars(
        labels,
        [
          { label: 'ingested', data: t.counts[0], color: COLORS.ingested },
          { label: 'refused by the table', data: t.counts[1], color: COLORS.ingestion },
        ],
        'record time (UTC)',
        'rows',
      ),
    );
  }

  function columnsChart() {
    const canvas = document.getElementById('chart-columns');
    const cols = stats.columns;
    const invalid = (c) => Object.values(c.invalid).reduce((a, b) => a + b, 0);
    canvas.parentElement.style.height = `${Math.max(160, cols.length * 34 + 70)}px`;
    draw(canvas, {
      type: 'bar',
      data: {
        labels: cols.map((c) => `${c.column} (${c.role})${c.nullsCounted ? '' : ' *'}`),
        datasets: [
          { label: 'nulls', data: cols.map((c) => c.nulls), backgroundColor: COLORS.nulls },
          { label: 'invalid cells', data: cols.map(invalid), backgroundColor: COLORS.invalid },
        ],
      },
      options: {
        indexAxis: 'y',
        scales: {
          x: { stacked: true, beginAtZero: true, title: { display: true, text: 'cells' } },
          y: { stacked: true },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    if (cols.some((c) => !c.nullsCounted)) {
      canvas.closest('figure').querySelector('p').textContent +=
        ' * Nulls of a scalar measure are not counted when a MeasureNameColumn picks the measures of each row.';
    }
  }

  function dimensionCharts() {
    const container = document.getElementById('dimension-charts');
    stats.dimensions.forEach((d, i) => {
      const distinct = `${d.exact ? '' : '≈'}${number(d.distinct)}`;
      const caption =
        `Dimension ${d.name} (column ${d.column}): ${distinct} distinct values, ${number(d.nulls)} null; the ` +
        `${d.top.length} most frequent, in rows that mapped to records` +
        (d.exact ? '.' : ` (counts are lower bounds, under by at most ${number(d.error)}: Misra-Gries).`);
      const canvas = figure(
        container,
        `chart-dimension-${i}`,
        `Top values of ${d.name}`,
        caption,
        Math.max(140, d.top.length * 26 + 60),
      );
      draw(canvas, {
        type: 'bar',
        data: {
          labels: d.top.map((v) => (v.value.length > 40 ? `${v.value.slice(0, 40)}…` : v.value)),
          datasets: [{ label: 'rows', data: d.top.map((v) => v.count), backgroundColor: COLORS.values }],
        },
        options: {
          indexAxis: 'y',
          scales: { x: { beginAtZero: true } },
          plugins: { legend: { display: false } },
        },
      });
    });
  }

  function seriesChart() {
    const canvas = document.getElementById('chart-series');
    const labels = stats.dimensions.map((d) => `${d.name}${d.exact ? '' : ' ≈'}`);
    const values = stats.dimensions.map((d) => d.distinct);
    labels.push(`series${stats.series.exact ? '' : ' ≈'}`);
    values.push(stats.series.count);
    const max = Math.max(1, ...values);
    const min = Math.max(1, Math.min(...values));
    canvas.parentElement.style.height = `${Math.max(140, labels.length * 30 + 60)}px`;
    canvas.closest('figure').querySelector('p').textContent +=
      ` ${stats.series.exact ? '' : '≈'}${number(stats.series.count)} series.`;
    draw(canvas, {
      type: 'bar',
      data: {
        labels,
        datasets: [
          {
            label: 'distinct',
            data: values,
            backgroundColor: labels.map((_, i) => (i === labels.length - 1 ? COLORS.inside : COLORS.values)),
          },
        ],
      },
      options: {
        indexAxis: 'y',
        scales: { x: { type: max / min > 100 ? 'logarithmic' : 'linear', beginAtZero: true } },
        plugins: { legend: { display: false } },
      },
    });
  }

  lineCharts();
  windowChart();
  timesChart();
  columnsChart();
  dimensionCharts();
  seriesChart();
  window.__tsbatchReport = { charts: drawn };
})();
