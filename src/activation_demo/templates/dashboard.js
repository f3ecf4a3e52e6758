// The activation dashboard's charts: reads the JSON built by activation_demo/dashboard.py
// (#dashboard-data) and draws every chart with Plotly.react, again on each control change.
// The funnel is computed here for the chosen cohort grain, windows N, M and segment, from
// first-visit users counted per (cohort day, attribute value, d1, d2). For tests, the page
// sets window.dashboardReady once every chart is drawn, window.dashboardCharts (chart id ->
// traces and data points drawn) and window.dashboard (state, funnel computation, redraw).
(function () {
  'use strict';

  const DATA = JSON.parse(document.getElementById('dashboard-data').textContent);
  const DAY_MS = 86400000;
  const COLORS = {
    users: '#9aa3b2', key1: '#3b6fd8', step: '#e59b2e', core: '#16a085',
    new: '#2ca02c', retained: '#3b6fd8', reactivated: '#9467bd', churned: '#d62728',
    dau: '#3b6fd8', wau: '#16a085', mau: '#e59b2e',
  };
  const SERIES = ['#3b6fd8', '#16a085', '#e59b2e', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
  const OPEN_FILL = 'rgba(229, 155, 46, 0.10)';
  // no mode bar: it would cover the legends (and shows for good on touch screens); charts
  // still zoom on drag, reset on double-click and toggle series on legend clicks
  const CONFIG = { displaylogo: false, responsive: true, displayModeBar: false };
  const BASE_LAYOUT = {
    margin: { l: 58, r: 16, t: 10, b: 44 },
    font: { family: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif', size: 12, color: '#1f2430' },
    paper_bgcolor: '#fff', plot_bgcolor: '#fff',
    legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', bgcolor: 'rgba(0,0,0,0)' },
    xaxis: { gridcolor: '#eef0f4', linecolor: '#c9ced8', automargin: true },
    yaxis: { gridcolor: '#eef0f4', zerolinecolor: '#9aa3b2', automargin: true, rangemode: 'tozero' },
    hoverlabel: { namelength: -1 },
  };

  const charts = {};
  window.dashboardCharts = charts;
  window.dashboardReady = false;

  // ---- helpers -------------------------------------------------------------------------
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  // a new object: ``extra`` deep-merged over a copy of ``base`` (Plotly mutates the layouts
  // it is given, so no chart may share an object with another)
  function merge(base, extra) {
    const out = JSON.parse(JSON.stringify(base));
    for (const [key, value] of Object.entries(extra || {})) {
      out[key] = isObject(value) && isObject(out[key]) ? merge(out[key], value) : value;
    }
    return out;
  }
  const sum = (values) => values.reduce((a, b) => a + b, 0);
  const ratio = (a, b) => (b ? a / b : null);
  const dayNumber = (iso) => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / DAY_MS;
  const isoDate = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);
  const fmtInt = (v) => (v === null || v === undefined ? '–' : v.toLocaleString('en-US'));
  const fmtPct = (v) => (v === null || v === undefined ? '–' : (100 * v).toFixed(1) + '%');
  const setText = (selector, text) => document.querySelectorAll(selector).forEach((el) => { el.textContent = text; });

  function periodStart(day, grain) {
    if (grain === 'week') {
      const weekday = new Date(day * DAY_MS).getUTCDay();  // 0 = Sunday
      return day - (DATA.week_start === 'sunday' ? weekday : (weekday + 6) % 7);
    }
    if (grain === 'month') {
      const date = new Date(day * DAY_MS);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / DAY_MS;
    }
    return day;
  }

  function countPoints(traces) {
    let points = 0;
    for (const trace of traces) {
      if (trace.z) {
        for (const row of trace.z) points += row.filter((v) => v !== null && v !== undefined).length;
      } else {
        const values = trace.type === 'bar' && trace.orientation === 'h' ? trace.x : (trace.y || trace.x || []);
        points += values.filter((v) => v !== null && v !== undefined).length;
      }
    }
    return points;
  }

  function card(id) { return document.getElementById(id).parentElement; }

  function draw(id, traces, layout) {
    card(id).classList.remove('empty');
    charts[id] = { traces: traces.length, points: countPoints(traces) };
    return Plotly.react(id, traces, merge(BASE_LAYOUT, layout), CONFIG);
  }

  function showNote(id, text) {
    const element = card(id);
    element.classList.add('empty');
    element.querySelector('.note').textContent = text;
    Plotly.purge(id);
    charts[id] = { traces: 0, points: 0, note: text };
    return Promise.resolve();
  }

  // shaded x ranges (dates or numbers), with a label on the first one
  function shade(ranges, label) {
    const shapes = ranges.map(([x0, x1]) => ({
      type: 'rect', xref: 'x', yref: 'paper', x0, x1, y0: 0, y1: 1,
      fillcolor: OPEN_FILL, line: { width: 0 }, layer: 'below',
    }));
    const annotations = ranges.length && label ? [{
      xref: 'x', yref: 'paper', x: ranges[ranges.length - 1][1], y: 1, xanchor: 'right', yanchor: 'top',
      text: label, showarrow: false, font: { size: 11, color: '#a86a10' },
    }] : [];
    return { shapes, annotations };
  }

  // half a period either side of a period start, as a date string (for shading bars)
  function periodEdge(iso, grain, side) {
    const day = dayNumber(iso);
    const length = grain === 'month' ? 30 : grain === 'week' ? 7 : 1;
    return new Date((day + side * length / 2) * DAY_MS).toISOString().slice(0, 19);
  }

  // A line over the settled points, continued dotted (open markers) over the points still
  // open (``isOpen``: a run at the end, e.g. cohorts whose window has not elapsed).
  function settledAndOpen(name, x, y, isOpen, color, hover, extra) {
    const firstOpen = isOpen.indexOf(true);
    const traces = [Object.assign({
      type: 'scatter', mode: 'lines+markers', name, x, y: y.map((v, i) => (isOpen[i] ? null : v)),
      legendgroup: name, line: { color, width: 2 }, marker: { size: 4 }, hovertemplate: `${hover}<extra>${name}</extra>`,
    }, extra || {})];
    if (firstOpen >= 0) {
      traces.push({
        type: 'scatter', mode: 'lines+markers', name: name + ' (open)', x,
        y: y.map((v, i) => (isOpen[i] || i === firstOpen - 1 ? v : null)), legendgroup: name, showlegend: false,
        line: { color, width: 2, dash: 'dot' }, marker: { size: 6, symbol: 'circle-open' },
        hovertemplate: `${hover} (still open)<extra>${name}</extra>`,
      });
    }
    return traces;
  }

  // ---- funnel data ---------------------------------------------------------------------
  const unpacked = new Map();

  // (cohort day number, value index, d1, d2, users) of a packed table (see pack_rows)
  function unpackRows(table, maxDays) {
    if (unpacked.has(table)) return unpacked.get(table);
    const deltas = table.rows.key_deltas, n = deltas.length, base = maxDays + 1, values = table.values.length;
    const rows = {
      cohort: new Int32Array(n), value: new Int32Array(n), d1: new Int32Array(n),
      d2: new Int32Array(n), users: Int32Array.from(table.rows.users),
    };
    let key = 0;
    for (let i = 0; i < n; i++) {
      key += deltas[i];
      let rest = key;
      rows.d2[i] = rest % base; rest = Math.floor(rest / base);
      rows.d1[i] = rest % base; rest = Math.floor(rest / base);
      rows.value[i] = rest % values;
      rows.cohort[i] = Math.floor(rest / values);
    }
    unpacked.set(table, rows);
    return rows;
  }

  // Funnel counts per cohort period for windows n, m: users, key event 1 within n days, and
  // key event 1 within n AND key event 2 within m days (core), for the segment (a value
  // index of the table, or -1 for all users) and per value; is_complete per period.
  function computeFunnel(funnel, attributeIndex, grain, n, m, segment) {
    const table = funnel.attributes[attributeIndex];
    const rows = unpackRows(table, funnel.max_days);
    const firstDay = dayNumber(funnel.first_cohort), latest = dayNumber(funnel.latest_date);
    const periodOf = new Int32Array(funnel.cohort_days), starts = [], lastDay = [];
    for (let c = 0; c < funnel.cohort_days; c++) {
      const start = periodStart(firstDay + c, grain);
      if (!starts.length || starts[starts.length - 1] !== start) { starts.push(start); lastDay.push(firstDay + c); }
      lastDay[lastDay.length - 1] = firstDay + c;
      periodOf[c] = starts.length - 1;
    }
    const periods = starts.length, values = table.values.length;
    const cell = () => Array.from({ length: values }, () => new Array(periods).fill(0));
    const byValue = { users: cell(), key1: cell(), core: cell() };
    for (let i = 0; i < rows.users.length; i++) {
      const p = periodOf[rows.cohort[i]], v = rows.value[i], users = rows.users[i];
      byValue.users[v][p] += users;
      const d1 = rows.d1[i], d2 = rows.d2[i];
      if (d1 >= 1 && d1 <= n) {
        byValue.key1[v][p] += users;
        if (d2 >= 1 && d2 <= m) byValue.core[v][p] += users;
      }
    }
    const pick = (matrix) => (segment >= 0 ? matrix[segment].slice()
      : matrix[0].map((_, p) => sum(matrix.map((row) => row[p]))));
    const longest = Math.max(n, m);
    return {
      periods: starts.map(isoDate),
      last_days: lastDay.map(isoDate),
      is_complete: lastDay.map((day) => day + longest - 1 <= latest),
      users: pick(byValue.users), key1: pick(byValue.key1), core: pick(byValue.core),
      values: table.values, by_value: byValue,
    };
  }

  // ---- funnel charts -------------------------------------------------------------------
  const state = { funnel: 0, grain: 'week', n: 1, m: 7, attribute: 0, segment: -1, metric: 0, model: null };

  function openRanges(result, grain) {
    const open = result.periods.filter((_, i) => !result.is_complete[i]);
    return open.length ? [[periodEdge(open[0], grain, -1), periodEdge(open[open.length - 1], grain, 1)]] : [];
  }

  function drawFunnel() {
    const funnel = DATA.funnels[state.funnel];
    const [key1, key2] = funnel.key_events;
    const { grain, n, m } = state;
    const r = computeFunnel(funnel, state.attribute, grain, n, m, state.segment);
    const table = funnel.attributes[state.attribute];
    const segmentName = state.segment >= 0 ? `${table.attribute} = ${table.values[state.segment]}` : 'all users';
    setText('.segment-name', segmentName);
    const key1Label = `${key1} ≤ ${n} d`, coreLabel = `+ ${key2} ≤ ${m} d`;
    const openPattern = r.is_complete.map((c) => (c ? '' : '/'));
    const openOpacity = r.is_complete.map((c) => (c ? 1 : 0.55));
    const hoverPeriod = grain === 'day' ? 'cohort %{x|%Y-%m-%d}' : `${grain} of %{x|%Y-%m-%d}`;
    const status = r.is_complete.map((c) => (c ? '' : ' · window open'));
    const bar = (name, y, color) => ({
      type: 'bar', name, x: r.periods, y, customdata: status,
      marker: { color, opacity: openOpacity, pattern: { shape: openPattern, fillmode: 'overlay', size: 6 } },
      hovertemplate: `%{y:,} ${name}%{customdata}<extra></extra>`,
    });
    const ranges = openRanges(r, grain);
    const promises = [];
    promises.push(draw('funnel-counts', [
      bar('first-visit users', r.users, COLORS.users),
      bar(key1Label, r.key1, COLORS.key1),
      bar(key1Label + ' ' + coreLabel, r.core, COLORS.core),
    ], {
      barmode: 'group', bargap: 0.15, hovermode: 'x unified', height: 300,
      xaxis: { hoverformat: grain === 'day' ? '%Y-%m-%d' : `${grain} of %Y-%m-%d` },
      yaxis: { title: { text: 'users' } }, ...shade(ranges, 'window still open'),
    }));

    // rates: a solid line over complete cohorts, dotted over open ones (joined at the edge)
    const isOpen = r.is_complete.map((c) => !c);
    const rateTraces = [
      ['key 1 rate: ' + key1Label, r.key1.map((v, i) => ratio(v, r.users[i])), COLORS.key1],
      [`step rate: ${key2} ≤ ${m} d | ${key1}`, r.core.map((v, i) => ratio(v, r.key1[i])), COLORS.step],
      ['overall (core) rate', r.core.map((v, i) => ratio(v, r.users[i])), COLORS.core],
    ].flatMap(([name, values, color]) => settledAndOpen(name, r.periods, values, isOpen, color, '%{y:.1%}'));
    promises.push(draw('funnel-rates', rateTraces, {
      hovermode: 'x unified', yaxis: { tickformat: '.0%' },
      xaxis: { hoverformat: grain === 'day' ? '%Y-%m-%d' : `${grain} of %Y-%m-%d` },
      ...shade(ranges, 'window still open'),
    }));

    // the complete cohorts together
    const complete = r.is_complete.map((c, i) => (c ? i : -1)).filter((i) => i >= 0);
    const total = (values) => sum(complete.map((i) => values[i]));
    const totals = [total(r.users), total(r.key1), total(r.core)];
    setText('#funnel-overall-caption', complete.length
      ? `${complete.length} complete ${grain} cohorts (${r.periods[complete[0]]} to ${r.periods[complete[complete.length - 1]]}), ${segmentName}.`
      : 'No cohort has a complete window yet: lower N or M.');
    promises.push(complete.length && totals[0] ? draw('funnel-overall', [{
      type: 'funnel', y: ['first visit', `${key1} within ${n} d`, `and ${key2} within ${m} d`], x: totals,
      texttemplate: ['%{value:,} users', '%{value:,} users<br>%{percentInitial:.1%} of first visits',
        '%{value:,} users<br>%{percentInitial:.1%} of first visits<br>%{percentPrevious:.1%} of step 1'],
      marker: { color: [COLORS.users, COLORS.key1, COLORS.core] },
      hovertemplate: '%{y}: %{x:,} users<extra></extra>',
    }], { margin: { l: 150 }, yaxis: { rangemode: 'normal' } })
      : showNote('funnel-overall', 'No complete cohort for these windows.'));

    // breakdown by the attribute's values, complete cohorts only
    const valueUsers = r.by_value.users.map((row) => sum(complete.map((i) => row[i])));
    const valueKey1 = r.by_value.key1.map((row) => sum(complete.map((i) => row[i])));
    const valueCore = r.by_value.core.map((row) => sum(complete.map((i) => row[i])));
    const custom = r.values.map((_, v) => [valueUsers[v], valueKey1[v], valueCore[v]]);
    const hover = '%{y}: %{x:.1%}<br>users %{customdata[0]:,} · ' + key1 + ' %{customdata[1]:,} · core %{customdata[2]:,}<extra>%{fullData.name}</extra>';
    const breakdownBar = (name, values, color) => ({
      type: 'bar', orientation: 'h', name, y: r.values, x: values.map((v, i) => ratio(v, valueUsers[i])),
      customdata: custom, marker: { color }, hovertemplate: hover,
    });
    promises.push(complete.length ? draw('funnel-breakdown', [
      breakdownBar('key 1 rate', valueKey1, COLORS.key1),
      breakdownBar('overall (core) rate', valueCore, COLORS.core),
    ], {
      barmode: 'group', bargap: 0.25, xaxis: { tickformat: '.0%', rangemode: 'tozero' },
      yaxis: { type: 'category', autorange: 'reversed', rangemode: 'normal', gridcolor: 'rgba(0,0,0,0)' },
      shapes: state.segment >= 0 ? [{ type: 'rect', yref: 'y', xref: 'paper', y0: state.segment - 0.5,
        y1: state.segment + 0.5, x0: 0, x1: 1, fillcolor: 'rgba(59,111,216,0.10)', line: { width: 0 }, layer: 'below' }] : [],
    }) : showNote('funnel-breakdown', 'No complete cohort for these windows.'));

    // overall rate over time for the largest values
    const top = r.values.map((_, v) => v).sort((a, b) => valueUsers[b] - valueUsers[a]).slice(0, 8);
    promises.push(draw('funnel-breakdown-trend', top.map((v, k) => ({
      type: 'scatter', mode: 'lines', name: r.values[v], x: r.periods,
      y: r.by_value.core[v].map((c, i) => (r.is_complete[i] ? ratio(c, r.by_value.users[v][i]) : null)),
      line: { color: SERIES[k % SERIES.length], width: v === state.segment ? 3.5 : 1.6 },
      hovertemplate: '%{y:.1%}<extra>' + r.values[v] + '</extra>',
    })), {
      hovermode: 'x unified', yaxis: { tickformat: '.0%' },
      xaxis: { hoverformat: grain === 'day' ? '%Y-%m-%d' : `${grain} of %Y-%m-%d` }, ...shade(ranges, 'window open'),
    }));
    return Promise.all(promises);
  }

  // ---- lifecycle charts ----------------------------------------------------------------
  const TRANSITION_ROWS = ['none', 'new', 'retained', 'reactivated', 'inactive'];
  const TRANSITION_COLUMNS = ['new', 'retained', 'reactivated', 'inactive'];

  function drawLifecycle() {
    const metric = DATA.metrics[state.metric];
    const model = metric.models.find((mo) => mo.grain === state.model) || metric.models[0];
    const s = model.summary, grain = model.grain, x = s.period_start;
    const unit = { day: 'days', week: 'weeks', month: 'months' }[grain];
    setText('#lifecycle-title', `${metric.metric}, by ${grain} (${model.model})`);
    setText('#lc-hint', model.last_period_in_progress
      ? `The last ${grain} (${model.last_period}) is in progress: activity through ${metric.as_of_date} (hatched).` : '');
    const last = x.length - 1;
    const partial = x.map((_, i) => (model.last_period_in_progress && i === last ? '/' : ''));
    const hoverX = grain === 'day' ? '%Y-%m-%d' : `${grain} of %Y-%m-%d`;
    const growthBar = (name, values, color) => ({ type: 'bar', name, x, y: values,
      marker: { color, pattern: { shape: partial, fillmode: 'overlay', size: 6 } },
      hovertemplate: `%{y:,}<extra>${name}</extra>` });
    const promises = [];
    promises.push(draw('lc-growth', [
      growthBar('new', s.new_users, COLORS.new),
      growthBar('retained', s.retained_users, COLORS.retained),
      growthBar('reactivated', s.reactivated_users, COLORS.reactivated),
      growthBar('churned', s.churned_users.map((v) => -v), COLORS.churned),
    ], { barmode: 'relative', bargap: 0.1, hovermode: 'x unified', xaxis: { hoverformat: hoverX },
      yaxis: { title: { text: 'users' }, rangemode: 'normal' } }));
    const isOpen = x.map((_, i) => model.last_period_in_progress && i === last);
    const inProgress = model.last_period_in_progress
      ? shade([[periodEdge(x[last], grain, -1), periodEdge(x[last], grain, 1)]], 'in progress') : {};
    promises.push(draw('lc-active',
      settledAndOpen('active users', x, s.active_users, isOpen, COLORS.retained, '%{y:,}', { fill: 'tozeroy' }),
      { hovermode: 'x unified', xaxis: { hoverformat: hoverX }, showlegend: false, ...inProgress }));
    promises.push(draw('lc-quick-ratio',
      settledAndOpen('quick ratio', x, s.quick_ratio, isOpen, COLORS.step, '%{y:.2f}'),
      { hovermode: 'x unified', showlegend: false, xaxis: { hoverformat: hoverX }, yaxis: { type: 'log' },
        shapes: [{ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: 1, y1: 1, line: { color: '#9aa3b2', dash: 'dash' } },
          ...(inProgress.shapes || [])], annotations: inProgress.annotations || [] }));
    promises.push(draw('lc-rates', [
      ...settledAndOpen('retention rate', x, s.retention_rate, isOpen, COLORS.retained, '%{y:.1%}'),
      ...settledAndOpen('reactivation rate', x, s.reactivation_rate, isOpen, COLORS.reactivated, '%{y:.1%}'),
    ], { hovermode: 'x unified', xaxis: { hoverformat: hoverX }, yaxis: { tickformat: '.0%' }, ...inProgress }));

    // transition matrix: share of the previous state's rows
    const t = model.transitions, counts = {};
    t.previous_state.forEach((p, i) => { counts[p + '>' + t.activation_state[i]] = t.transition_rows[i]; });
    const rows = TRANSITION_ROWS.filter((p) => TRANSITION_COLUMNS.some((c) => counts[p + '>' + c]));
    const rowTotal = (p) => sum(TRANSITION_COLUMNS.map((c) => counts[p + '>' + c] || 0));
    const z = rows.map((p) => TRANSITION_COLUMNS.map((c) => (counts[p + '>' + c] ? counts[p + '>' + c] / rowTotal(p) : null)));
    const text = rows.map((p) => TRANSITION_COLUMNS.map((c) => (counts[p + '>' + c]
      ? `${fmtPct(counts[p + '>' + c] / rowTotal(p))}<br>${fmtInt(counts[p + '>' + c])}` : '')));
    promises.push(draw('lc-transitions', [{
      type: 'heatmap', x: TRANSITION_COLUMNS, y: rows, z, text, texttemplate: '%{text}', zmin: 0, zmax: 1,
      colorscale: 'Blues', reversescale: true, showscale: false, xgap: 2, ygap: 2,
      hovertemplate: 'from %{y} to %{x}: %{z:.1%} of %{y} rows<extra></extra>',
    }], { xaxis: { title: { text: 'state' }, side: 'top', gridcolor: 'rgba(0,0,0,0)' },
      yaxis: { title: { text: 'previous state' }, autorange: 'reversed', rangemode: 'normal', gridcolor: 'rgba(0,0,0,0)' },
      margin: { t: 30 } }));

    // cohort retention triangle: rows = cohorts (first active period), columns = periods since
    const ret = model.retention;
    const width = Math.max(0, ...ret.active_users.map((r) => r.length));
    const zr = ret.active_users.map((r, i) => Array.from({ length: width }, (_, k) => (k < r.length ? r[k] / ret.cohort_users[i] : null)));
    const later = zr.flatMap((r) => r.slice(1)).filter((v) => v !== null);
    promises.push(ret.cohorts.length ? draw('lc-retention', [{
      type: 'heatmap', x: Array.from({ length: width }, (_, k) => k), y: ret.cohorts, z: zr,
      customdata: ret.active_users.map((r, i) => Array.from({ length: width }, (_, k) => [k < r.length ? r[k] : null, ret.cohort_users[i]])),
      texttemplate: width <= 16 && ret.cohorts.length <= 16 ? '%{z:.0%}' : '',
      colorscale: 'YlGnBu', reversescale: true, zmin: 0, zmax: later.length ? Math.max(...later) : 1,
      colorbar: { tickformat: '.0%', thickness: 10 }, xgap: 1, ygap: 1,
      hovertemplate: `cohort %{y}, ${unit} since: %{x}<br>%{z:.1%} = %{customdata[0]:,} of %{customdata[1]:,}<extra></extra>`,
    }], { xaxis: { title: { text: `${unit} since the first active ${grain}` }, gridcolor: 'rgba(0,0,0,0)' },
      yaxis: { type: 'category', autorange: 'reversed', rangemode: 'normal', gridcolor: 'rgba(0,0,0,0)', nticks: 12 } })
      : showNote('lc-retention', 'No cohorts.'));

    const st = model.streaks;
    promises.push(draw('lc-streaks', [
      { type: 'bar', name: 'ended', x: st.streak_length, y: st.ended_streaks, marker: { color: COLORS.retained },
        hovertemplate: `%{y:,} streaks of %{x} ${unit}<extra>ended</extra>` },
      { type: 'bar', name: 'ongoing', x: st.streak_length, y: st.ongoing_streaks, marker: { color: COLORS.new },
        hovertemplate: `%{y:,} streaks of %{x} ${unit} so far<extra>ongoing</extra>` },
    ], { barmode: 'stack', hovermode: 'x unified', xaxis: { title: { text: `streak length (${unit})` } }, yaxis: { title: { text: 'streaks' } } }));
    const g = model.gaps;
    const gapTotal = sum(g.reactivations);
    promises.push(g.inactive_periods.length ? draw('lc-gaps', [{
      type: 'bar', name: 'reactivations', x: g.inactive_periods, y: g.reactivations,
      customdata: g.reactivations.map((v) => v / gapTotal), marker: { color: COLORS.reactivated },
      hovertemplate: `%{y:,} reactivations after %{x} inactive ${unit} (%{customdata:.1%})<extra></extra>`,
    }], { xaxis: { title: { text: `inactive ${unit} before the return` } }, yaxis: { title: { text: 'reactivations' } } })
      : showNote('lc-gaps', 'No reactivations yet.'));

    // DAU / WAU / MAU from the metric's daily model
    const aw = metric.active_windows;
    if (!aw) {
      const note = `No daily activation model for ${metric.metric}: add fact_${metric.metric}_activation_daily to see DAU / WAU / MAU.`;
      promises.push(showNote('lc-dau', note), showNote('lc-stickiness', note));
    } else {
      const days = aw.day;
      const partialWindow = (w) => (days.length ? [[periodEdge(days[0], 'day', -1), periodEdge(days[Math.min(w - 1, days.length) - 1], 'day', 1)]] : []);
      const line = (name, y, color, format) => ({ type: 'scatter', mode: 'lines', name, x: days, y,
        line: { color, width: 2 }, hovertemplate: `%{y:${format}}<extra>${name}</extra>` });
      promises.push(draw('lc-dau', [
        line('DAU', aw.daily_active_users, COLORS.dau, ','),
        line('WAU', aw.weekly_active_users, COLORS.wau, ','),
        line('MAU', aw.monthly_active_users, COLORS.mau, ','),
      ], { hovermode: 'x unified', xaxis: { hoverformat: '%Y-%m-%d' }, ...shade(partialWindow(30), 'MAU window not full') }));
      promises.push(draw('lc-stickiness', [
        line('DAU / MAU', aw.daily_active_users.map((v, i) => ratio(v, aw.monthly_active_users[i])), COLORS.mau, '.1%'),
        line('DAU / WAU', aw.daily_active_users.map((v, i) => ratio(v, aw.weekly_active_users[i])), COLORS.wau, '.1%'),
      ], { hovermode: 'x unified', xaxis: { hoverformat: '%Y-%m-%d' }, yaxis: { tickformat: '.0%' },
        ...shade(partialWindow(30), 'MAU window not full') }));
    }
    return Promise.all(promises);
  }

  // ---- controls ------------------------------------------------------------------------
  function option(select, value, text) {
    const element = document.createElement('option');
    element.value = value;
    element.textContent = text;
    select.appendChild(element);
  }

  function fillSegments() {
    const funnel = DATA.funnels[state.funnel];
    const table = funnel.attributes[state.attribute];
    const select = document.getElementById('segment');
    select.replaceChildren();
    option(select, -1, 'all users');
    table.values.forEach((value, i) => option(select, i, `${value} (${fmtInt(table.value_users[i])})`));
    state.segment = -1;
    setText('.breakdown-name', table.attribute || 'all users');
  }

  function setupFunnel() {
    const funnel = DATA.funnels[state.funnel];
    setText('.key1-name', funnel.key_events[0]);
    setText('.key2-name', funnel.key_events[1]);
    for (const id of ['window-n', 'window-m']) document.getElementById(id).max = funnel.max_days;
    const breakdown = document.getElementById('breakdown');
    breakdown.replaceChildren();
    funnel.attributes.forEach((table, i) => option(breakdown, i, table.attribute || 'none'));
    state.attribute = 0;
    fillSegments();
  }

  function fillGrains() {
    const metric = DATA.metrics[state.metric];
    const select = document.getElementById('lc-grain');
    select.replaceChildren();
    metric.models.forEach((model) => option(select, model.grain, `${model.grain} (${model.model})`));
    const preferred = metric.models.find((model) => model.grain === 'week') || metric.models[0];
    state.model = preferred.grain;
    select.value = state.model;
  }

  function clampWindow(id) {
    const element = document.getElementById(id);
    const max = DATA.funnels[state.funnel].max_days;
    const value = Math.min(max, Math.max(1, Math.round(+element.value || 1)));
    element.value = value;
    return value;
  }

  function on(id, handler) {
    const element = document.getElementById(id);
    if (element) element.addEventListener('change', () => { handler(element); });
  }

  function bind() {
    on('funnel-model', (el) => { state.funnel = +el.value; setupFunnel(); drawFunnel(); });
    on('cohort-grain', (el) => { state.grain = el.value; drawFunnel(); });
    on('window-n', () => { state.n = clampWindow('window-n'); drawFunnel(); });
    on('window-m', () => { state.m = clampWindow('window-m'); drawFunnel(); });
    on('breakdown', (el) => { state.attribute = +el.value; fillSegments(); drawFunnel(); });
    on('segment', (el) => { state.segment = +el.value; drawFunnel(); });
    on('lc-metric', (el) => { state.metric = +el.value; fillGrains(); drawLifecycle(); });
    on('lc-grain', (el) => { state.model = el.value; drawLifecycle(); });
    for (const id of ['window-n', 'window-m']) {
      const element = document.getElementById(id);
      if (element) element.addEventListener('input', () => element.dispatchEvent(new Event('change')));
    }
  }

  // ---- start ---------------------------------------------------------------------------
  function redraw() {
    return Promise.all([DATA.funnels.length ? drawFunnel() : null, DATA.metrics.length ? drawLifecycle() : null]);
  }

  window.dashboard = { data: DATA, state, computeFunnel, redraw };
  if (DATA.funnels.length) {
    const funnel = DATA.funnels[0];
    state.grain = document.getElementById('cohort-grain').value;
    state.n = clampWindow('window-n');
    state.m = clampWindow('window-m');
    const preferred = funnel.attributes.findIndex((t) => t.attribute === 'country');
    setupFunnel();
    if (preferred > 0) {
      document.getElementById('breakdown').value = preferred;
      state.attribute = preferred;
      fillSegments();
    }
  }
  if (DATA.metrics.length) fillGrains();
  bind();
  redraw().then(() => { window.dashboardReady = true; }, (error) => { console.error(error); });
})();
