// The activation dashboard's charts. Reads the JSON that activation_demo/dashboard.py embeds
// (#dashboard-data) and draws each chart with Plotly.react, again on every control change.
// The funnel is computed here, for the chosen cohort grain, windows N and M and segment,
// from first-visit users counted per (cohort day, attribute value, d1, d2).
// For tests: window.dashboardReady turns true once every chart is drawn;
// window.dashboardCharts maps each chart id to the traces and data points it was given;
// window.dashboard exposes the data, the state, computeFunnel and redraw.
(function () {
  'use strict';

  const DATA = JSON.parse(document.getElementById('dashboard-data').textContent);
  const DAY_MS = 86400000;
  const COLORS = {
    users: '#9aa3b2', key1: '#3b6fd8', step: '#e59b2e', core: '#16a085',
    new: '#2ca02c', retained: '#3b6fd8', reactivated: '#9467bd', churned: '#d62728',
    dau: '#3b6fd8', wau: '#16a085', mau: '#e59b2e', reference: '#9aa3b2',
  };
  const SERIES = ['#3b6fd8', '#16a085', '#e59b2e', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
  const OPEN_FILL = 'rgba(229, 155, 46, 0.10)';
  const NO_GRID = 'rgba(0,0,0,0)';
  // No mode bar: it would cover the legends (and stays on for good on touch screens). Charts
  // still zoom on drag, reset on double-click and hide a series on a legend click.
  const CONFIG = { displaylogo: false, responsive: true, displayModeBar: false };
  const BASE_LAYOUT = {
    margin: { l: 58, r: 16, t: 10, b: 44 },
    font: { family: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif', size: 12, color: '#1f2430' },
    paper_bgcolor: '#fff',
    plot_bgcolor: '#fff',
    legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', bgcolor: 'rgba(0,0,0,0)' },
    xaxis: { gridcolor: '#eef0f4', linecolor: '#c9ced8', automargin: true },
    yaxis: { gridcolor: '#eef0f4', zerolinecolor: '#9aa3b2', automargin: true, rangemode: 'tozero' },
    hoverlabel: { namelength: -1 },
  };
  const UNITS = { day: 'days', week: 'weeks', month: 'months' };
  const TRANSITION_ROWS = ['none', 'new', 'retained', 'reactivated', 'inactive'];
  const TRANSITION_COLUMNS = ['new', 'retained', 'reactivated', 'inactive'];

  const charts = {};
  window.dashboardCharts = charts;
  window.dashboardReady = false;

  // ---- helpers -------------------------------------------------------------------------
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const sum = (values) => values.reduce((a, b) => a + b, 0);
  const ratio = (a, b) => (b ? a / b : null);
  const present = (v) => v !== null && v !== undefined;
  const fmtInt = (v) => (present(v) ? v.toLocaleString('en-US') : '–');
  const fmtPct = (v) => (present(v) ? (100 * v).toFixed(1) + '%' : '–');
  const dayNumber = (iso) => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / DAY_MS;
  const isoDate = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);
  const hoverDate = (grain) => (grain === 'day' ? '%Y-%m-%d' : `${grain} of %Y-%m-%d`);
  const setText = (selector, text) => document.querySelectorAll(selector).forEach((el) => { el.textContent = text; });

  // ``extra`` deep-merged over a copy of ``base``: Plotly mutates the layouts it is given, so
  // no chart may share an object with another
  function merge(base, extra) {
    const out = JSON.parse(JSON.stringify(base));
    for (const [key, value] of Object.entries(extra || {})) {
      out[key] = isObject(value) && isObject(out[key]) ? merge(out[key], value) : value;
    }
    return out;
  }

  // the day number of the start of the period (day, week, month) holding ``day``; weeks
  // start on the week start the activation models record (ISO weeks when none does)
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

  // half a period before (side -1) or after (+1) a period start: the edge of its bar
  function periodEdge(iso, grain, side) {
    const length = grain === 'month' ? 30 : grain === 'week' ? 7 : 1;
    return new Date((dayNumber(iso) + side * length / 2) * DAY_MS).toISOString().slice(0, 19);
  }

  function countPoints(traces) {
    let points = 0;
    for (const trace of traces) {
      if (trace.z) {
        for (const row of trace.z) points += row.filter(present).length;
      } else {
        const values = trace.orientation === 'h' ? trace.x : (trace.y || trace.x || []);
        points += values.filter(present).length;
      }
    }
    return points;
  }

  const card = (id) => document.getElementById(id).parentElement;

  function draw(id, traces, layout) {
    card(id).classList.remove('empty');
    charts[id] = { traces: traces.length, points: countPoints(traces) };
    return Plotly.react(id, traces, merge(BASE_LAYOUT, layout), CONFIG);
  }

  function showNote(id, text) {
    card(id).classList.add('empty');
    card(id).querySelector('.note').textContent = text;
    Plotly.purge(id);
    charts[id] = { traces: 0, points: 0, note: text };
    return Promise.resolve();
  }

  // layout shapes and a label shading the x ranges [[x0, x1], ...]
  function shade(ranges, label) {
    return {
      shapes: ranges.map(([x0, x1]) => ({
        type: 'rect', xref: 'x', yref: 'paper', x0, x1, y0: 0, y1: 1,
        fillcolor: OPEN_FILL, line: { width: 0 }, layer: 'below',
      })),
      annotations: ranges.length ? [{
        xref: 'x', yref: 'paper', x: ranges[ranges.length - 1][1], y: 1, xanchor: 'right', yanchor: 'top',
        text: label, showarrow: false, font: { size: 11, color: '#a86a10' },
      }] : [],
    };
  }

  // A line over the settled points, continued dotted with open markers over the points
  // still open (``isOpen``: a run at the end, e.g. cohorts whose window has not elapsed).
  function settledAndOpen(name, x, y, isOpen, color, valueFormat, extra) {
    const firstOpen = isOpen.indexOf(true);
    const traces = [Object.assign({
      type: 'scatter', mode: 'lines+markers', name, x, y: y.map((v, i) => (isOpen[i] ? null : v)),
      legendgroup: name, line: { color, width: 2 }, marker: { size: 4 },
      hovertemplate: `%{y:${valueFormat}}<extra>%{fullData.name}</extra>`,
    }, extra || {})];
    if (firstOpen >= 0) {
      traces.push({
        type: 'scatter', mode: 'lines+markers', name, x, legendgroup: name, showlegend: false,
        y: y.map((v, i) => (isOpen[i] || i === firstOpen - 1 ? v : null)),
        line: { color, width: 2, dash: 'dot' }, marker: { size: 6, symbol: 'circle-open' },
        hovertemplate: `%{y:${valueFormat}} (still open)<extra>%{fullData.name}</extra>`,
      });
    }
    return traces;
  }

  const line = (name, x, y, color, valueFormat) => ({
    type: 'scatter', mode: 'lines', name, x, y, line: { color, width: 2 },
    hovertemplate: `%{y:${valueFormat}}<extra>%{fullData.name}</extra>`,
  });

  // ---- funnel data ---------------------------------------------------------------------
  const unpacked = new Map();

  // (cohort day number, value index, d1, d2, users) columns of a packed table (pack_rows)
  function unpackRows(table, maxDays) {
    if (unpacked.has(table)) return unpacked.get(table);
    const deltas = table.rows.key_deltas, n = deltas.length, base = maxDays + 1, values = table.values.length;
    const rows = {
      cohort: new Int32Array(n), value: new Int32Array(n), d1: new Int32Array(n), d2: new Int32Array(n),
      users: Int32Array.from(table.rows.users),
    };
    let key = 0;
    for (let i = 0; i < n; i++) {
      key += deltas[i];
      let rest = key;
      rows.d2[i] = rest % base;
      rest = Math.floor(rest / base);
      rows.d1[i] = rest % base;
      rest = Math.floor(rest / base);
      rows.value[i] = rest % values;
      rows.cohort[i] = Math.floor(rest / values);
    }
    unpacked.set(table, rows);
    return rows;
  }

  // Cohort periods (start days) of the grain over the funnel's cohort days: each period's
  // start, last cohort day and the period of each cohort day.
  function cohortPeriods(funnel, grain) {
    const firstDay = dayNumber(funnel.first_cohort);
    const periodOf = new Int32Array(funnel.cohort_days), starts = [], lastDays = [];
    for (let c = 0; c < funnel.cohort_days; c++) {
      const start = periodStart(firstDay + c, grain);
      if (starts[starts.length - 1] !== start) starts.push(start);
      lastDays[starts.length - 1] = firstDay + c;
      periodOf[c] = starts.length - 1;
    }
    return { starts, lastDays, periodOf };
  }

  // Per cohort period: first-visit users, users doing key event 1 within n days, users doing
  // it within n days AND key event 2 within m days (core), for the segment (a value index of
  // the attribute's table, or -1 for all users) and per value; is_complete = the window of
  // the period's last cohort day, max(n, m) days, has elapsed by the latest date.
  function computeFunnel(funnel, attributeIndex, grain, n, m, segment) {
    const table = funnel.attributes[attributeIndex];
    const rows = unpackRows(table, funnel.max_days);
    const { starts, lastDays, periodOf } = cohortPeriods(funnel, grain);
    const empty = () => table.values.map(() => new Array(starts.length).fill(0));
    const byValue = { users: empty(), key1: empty(), core: empty() };
    for (let i = 0; i < rows.users.length; i++) {
      const p = periodOf[rows.cohort[i]], v = rows.value[i], users = rows.users[i];
      byValue.users[v][p] += users;
      if (rows.d1[i] >= 1 && rows.d1[i] <= n) {
        byValue.key1[v][p] += users;
        if (rows.d2[i] >= 1 && rows.d2[i] <= m) byValue.core[v][p] += users;
      }
    }
    const pick = (matrix) => (segment >= 0 ? matrix[segment].slice()
      : starts.map((_, p) => sum(matrix.map((row) => row[p]))));
    const latest = dayNumber(funnel.latest_date), longest = Math.max(n, m);
    return {
      periods: starts.map(isoDate),
      is_complete: lastDays.map((day) => day + longest - 1 <= latest),
      users: pick(byValue.users), key1: pick(byValue.key1), core: pick(byValue.core),
      values: table.values, by_value: byValue,
    };
  }

  // ---- funnel charts -------------------------------------------------------------------
  const state = { funnel: 0, grain: 'week', n: 1, m: 7, attribute: 0, segment: -1, metric: 0, model: 0 };

  function drawFunnelCounts(f) {
    const pattern = f.r.is_complete.map((c) => (c ? '' : '/'));
    const opacity = f.r.is_complete.map((c) => (c ? 1 : 0.55));
    const status = f.r.is_complete.map((c) => (c ? '' : ' · window open'));
    const bar = (name, y, color) => ({
      type: 'bar', name, x: f.r.periods, y, customdata: status,
      marker: { color, opacity, pattern: { shape: pattern, fillmode: 'overlay', size: 6 } },
      hovertemplate: '%{y:,}%{customdata}<extra>%{fullData.name}</extra>',
    });
    return draw('funnel-counts', [
      bar('first-visit users', f.r.users, COLORS.users),
      bar(f.key1Label, f.r.key1, COLORS.key1),
      bar(`${f.key1Label} + ${f.key2Label}`, f.r.core, COLORS.core),
    ], {
      barmode: 'group', bargap: 0.15, hovermode: 'x unified', xaxis: { hoverformat: hoverDate(f.grain) },
      yaxis: { title: { text: 'users' } }, ...shade(f.openRanges, 'window still open'),
    });
  }

  function drawFunnelRates(f) {
    const { r } = f;
    const isOpen = r.is_complete.map((c) => !c);
    const traces = [
      [`key 1 rate: ${f.key1Label}`, r.key1.map((v, i) => ratio(v, r.users[i])), COLORS.key1],
      [`step rate: ${f.key2Label} | ${f.key1}`, r.core.map((v, i) => ratio(v, r.key1[i])), COLORS.step],
      ['overall (core) rate', r.core.map((v, i) => ratio(v, r.users[i])), COLORS.core],
    ].flatMap(([name, values, color]) => settledAndOpen(name, r.periods, values, isOpen, color, '.1%'));
    return draw('funnel-rates', traces, {
      hovermode: 'x unified', yaxis: { tickformat: '.0%' }, xaxis: { hoverformat: hoverDate(f.grain) },
      ...shade(f.openRanges, 'window still open'),
    });
  }

  function drawFunnelOverall(f) {
    const { r, complete } = f;
    const total = (values) => sum(complete.map((i) => values[i]));
    const totals = [total(r.users), total(r.key1), total(r.core)];
    setText('#funnel-overall-caption', complete.length
      ? `${complete.length} complete ${f.grain} cohorts (${r.periods[complete[0]]} to `
        + `${r.periods[complete[complete.length - 1]]}), ${f.segmentName}.`
      : 'No cohort has a complete window yet: lower N or M.');
    if (!complete.length || !totals[0]) return showNote('funnel-overall', 'No complete cohort for these windows.');
    return draw('funnel-overall', [{
      type: 'funnel', x: totals, y: ['first visit', `${f.key1} within ${f.n} d`, `and ${f.key2} within ${f.m} d`],
      texttemplate: ['%{value:,} users', '%{value:,} users<br>%{percentInitial:.1%} of first visits',
        '%{value:,} users<br>%{percentInitial:.1%} of first visits<br>%{percentPrevious:.1%} of step 1'],
      marker: { color: [COLORS.users, COLORS.key1, COLORS.core] },
      hovertemplate: '%{y}: %{x:,} users<extra></extra>',
    }], { margin: { l: 150 }, yaxis: { rangemode: 'normal' } });
  }

  // complete cohorts only, per value of the breakdown attribute
  function drawFunnelBreakdown(f) {
    const { r, complete } = f;
    if (!complete.length) return showNote('funnel-breakdown', 'No complete cohort for these windows.');
    const totals = (matrix) => matrix.map((row) => sum(complete.map((i) => row[i])));
    const users = totals(r.by_value.users), key1 = totals(r.by_value.key1), core = totals(r.by_value.core);
    const customdata = r.values.map((_, v) => [users[v], key1[v], core[v]]);
    const bar = (name, values, color) => ({
      type: 'bar', orientation: 'h', name, y: r.values, x: values.map((v, i) => ratio(v, users[i])),
      customdata, marker: { color },
      hovertemplate: `%{y}: %{x:.1%}<br>users %{customdata[0]:,} · ${f.key1} %{customdata[1]:,} · `
        + 'core %{customdata[2]:,}<extra>%{fullData.name}</extra>',
    });
    const highlight = state.segment >= 0 ? [{
      type: 'rect', yref: 'y', xref: 'paper', y0: state.segment - 0.5, y1: state.segment + 0.5, x0: 0, x1: 1,
      fillcolor: 'rgba(59,111,216,0.10)', line: { width: 0 }, layer: 'below',
    }] : [];
    return draw('funnel-breakdown', [
      bar('key 1 rate', key1, COLORS.key1),
      bar('overall (core) rate', core, COLORS.core),
    ], {
      barmode: 'group', bargap: 0.25, shapes: highlight, xaxis: { tickformat: '.0%' },
      yaxis: { type: 'category', autorange: 'reversed', rangemode: 'normal', gridcolor: NO_GRID },
    });
  }

  // the overall rate of the largest values over time, complete cohorts only
  function drawFunnelBreakdownTrend(f) {
    const { r } = f;
    const users = r.by_value.users.map(sum);
    const top = r.values.map((_, v) => v).sort((a, b) => users[b] - users[a]).slice(0, SERIES.length);
    return draw('funnel-breakdown-trend', top.map((v, k) => ({
      type: 'scatter', mode: 'lines', name: r.values[v], x: r.periods,
      y: r.by_value.core[v].map((c, i) => (r.is_complete[i] ? ratio(c, r.by_value.users[v][i]) : null)),
      line: { color: SERIES[k], width: v === state.segment ? 3.5 : 1.6 },
      hovertemplate: '%{y:.1%}<extra>%{fullData.name}</extra>',
    })), {
      hovermode: 'x unified', yaxis: { tickformat: '.0%' }, xaxis: { hoverformat: hoverDate(f.grain) },
      ...shade(f.openRanges, 'window open'),
    });
  }

  function drawFunnel() {
    const funnel = DATA.funnels[state.funnel];
    const { grain, n, m } = state;
    const r = computeFunnel(funnel, state.attribute, grain, n, m, state.segment);
    const table = funnel.attributes[state.attribute];
    const [key1, key2] = funnel.key_events;
    const open = r.periods.filter((_, i) => !r.is_complete[i]);
    const f = {
      r, grain, n, m, key1, key2, key1Label: `${key1} ≤ ${n} d`, key2Label: `${key2} ≤ ${m} d`,
      segmentName: state.segment >= 0 ? `${table.attribute} = ${table.values[state.segment]}` : 'all users',
      complete: r.is_complete.map((c, i) => (c ? i : -1)).filter((i) => i >= 0),
      openRanges: open.length ? [[periodEdge(open[0], grain, -1), periodEdge(open[open.length - 1], grain, 1)]] : [],
    };
    setText('.segment-name', f.segmentName);
    return Promise.all([drawFunnelCounts(f), drawFunnelRates(f), drawFunnelOverall(f), drawFunnelBreakdown(f),
      drawFunnelBreakdownTrend(f)]);
  }

  // ---- lifecycle charts ----------------------------------------------------------------
  function drawGrowth(l) {
    const s = l.model.summary;
    const pattern = l.isOpen.map((open) => (open ? '/' : ''));
    const bar = (name, values, color) => ({
      type: 'bar', name, x: l.x, y: values,
      marker: { color, pattern: { shape: pattern, fillmode: 'overlay', size: 6 } },
      hovertemplate: '%{y:,}<extra>%{fullData.name}</extra>',
    });
    return draw('lc-growth', [
      bar('new', s.new_users, COLORS.new),
      bar('retained', s.retained_users, COLORS.retained),
      bar('reactivated', s.reactivated_users, COLORS.reactivated),
      bar('churned', s.churned_users.map((v) => -v), COLORS.churned),
    ], {
      barmode: 'relative', bargap: 0.1, hovermode: 'x unified', xaxis: { hoverformat: hoverDate(l.grain) },
      yaxis: { title: { text: 'users' }, rangemode: 'normal' },
    });
  }

  function drawActive(l) {
    return draw('lc-active',
      settledAndOpen('active users', l.x, l.model.summary.active_users, l.isOpen, COLORS.retained, ',',
        { fill: 'tozeroy' }),
      { hovermode: 'x unified', showlegend: false, xaxis: { hoverformat: hoverDate(l.grain) }, ...l.inProgress });
  }

  function drawQuickRatio(l) {
    const one = { type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: 1, y1: 1,
      line: { color: COLORS.reference, dash: 'dash' } };
    return draw('lc-quick-ratio',
      settledAndOpen('quick ratio', l.x, l.model.summary.quick_ratio, l.isOpen, COLORS.step, '.2f'), {
        hovermode: 'x unified', showlegend: false, xaxis: { hoverformat: hoverDate(l.grain) },
        yaxis: { type: 'log' }, shapes: [one, ...(l.inProgress.shapes || [])],
        annotations: l.inProgress.annotations || [],
      });
  }

  function drawRates(l) {
    const s = l.model.summary;
    return draw('lc-rates', [
      ...settledAndOpen('retention rate', l.x, s.retention_rate, l.isOpen, COLORS.retained, '.1%'),
      ...settledAndOpen('reactivation rate', l.x, s.reactivation_rate, l.isOpen, COLORS.reactivated, '.1%'),
    ], {
      hovermode: 'x unified', xaxis: { hoverformat: hoverDate(l.grain) }, yaxis: { tickformat: '.0%' },
      ...l.inProgress,
    });
  }

  // share of each previous state's rows going to each state
  function drawTransitions(l) {
    const t = l.model.transitions, counts = {};
    t.previous_state.forEach((p, i) => { counts[`${p}>${t.activation_state[i]}`] = t.transition_rows[i]; });
    const count = (p, c) => counts[`${p}>${c}`] || 0;
    const rows = TRANSITION_ROWS.filter((p) => TRANSITION_COLUMNS.some((c) => count(p, c)));
    const share = (p, c) => (count(p, c) ? count(p, c) / sum(TRANSITION_COLUMNS.map((d) => count(p, d))) : null);
    return draw('lc-transitions', [{
      type: 'heatmap', x: TRANSITION_COLUMNS, y: rows,
      z: rows.map((p) => TRANSITION_COLUMNS.map((c) => share(p, c))),
      text: rows.map((p) => TRANSITION_COLUMNS.map((c) => (
        count(p, c) ? `${fmtPct(share(p, c))}<br>${fmtInt(count(p, c))}` : ''))),
      texttemplate: '%{text}', zmin: 0, zmax: 1, colorscale: 'Blues', reversescale: true, showscale: false,
      xgap: 2, ygap: 2, hovertemplate: 'from %{y} to %{x}: %{z:.1%} of the %{y} rows<extra></extra>',
    }], {
      margin: { t: 30 }, xaxis: { title: { text: 'state' }, side: 'top', gridcolor: NO_GRID },
      yaxis: { title: { text: 'previous state' }, autorange: 'reversed', rangemode: 'normal', gridcolor: NO_GRID },
    });
  }

  // rows = cohorts (first active period), columns = periods since the cohort's start
  function drawRetention(l) {
    const ret = l.model.retention;
    if (!ret.cohorts.length) return showNote('lc-retention', 'No cohorts.');
    const width = Math.max(...ret.active_users.map((r) => r.length));
    const cells = (value) => ret.active_users.map(
      (row, i) => Array.from({ length: width }, (_, k) => (k < row.length ? value(row[k], i) : null)));
    const z = cells((users, i) => users / ret.cohort_users[i]);
    const later = z.flatMap((r) => r.slice(1)).filter(present);
    return draw('lc-retention', [{
      type: 'heatmap', x: Array.from({ length: width }, (_, k) => k), y: ret.cohorts, z,
      customdata: cells((users, i) => [users, ret.cohort_users[i]]),
      texttemplate: width <= 16 && ret.cohorts.length <= 16 ? '%{z:.0%}' : '',
      colorscale: 'YlGnBu', reversescale: true, zmin: 0, zmax: later.length ? Math.max(...later) : 1,
      colorbar: { tickformat: '.0%', thickness: 10 }, xgap: 1, ygap: 1,
      hovertemplate: `cohort %{y}, ${l.unit} since: %{x}<br>%{z:.1%} = %{customdata[0]:,} of %{customdata[1]:,}`
        + '<extra></extra>',
    }], {
      xaxis: { title: { text: `${l.unit} since the first active ${l.grain}` }, gridcolor: NO_GRID },
      yaxis: { type: 'category', autorange: 'reversed', rangemode: 'normal', gridcolor: NO_GRID, nticks: 12 },
    });
  }

  function drawStreaks(l) {
    const st = l.model.streaks;
    const bar = (name, y, color, suffix) => ({
      type: 'bar', name, x: st.streak_length, y, marker: { color },
      hovertemplate: `%{y:,} streaks of %{x} ${l.unit}${suffix}<extra>%{fullData.name}</extra>`,
    });
    return draw('lc-streaks', [
      bar('ended', st.ended_streaks, COLORS.retained, ''),
      bar('ongoing', st.ongoing_streaks, COLORS.new, ' so far'),
    ], {
      barmode: 'stack', hovermode: 'x unified', xaxis: { title: { text: `streak length (${l.unit})` } },
      yaxis: { title: { text: 'streaks' } },
    });
  }

  function drawGaps(l) {
    const g = l.model.gaps;
    if (!g.inactive_periods.length) return showNote('lc-gaps', 'No reactivations yet.');
    const total = sum(g.reactivations);
    return draw('lc-gaps', [{
      type: 'bar', name: 'reactivations', x: g.inactive_periods, y: g.reactivations,
      customdata: g.reactivations.map((v) => v / total), marker: { color: COLORS.reactivated },
      hovertemplate: `%{y:,} reactivations after %{x} inactive ${l.unit} (%{customdata:.1%})<extra></extra>`,
    }], {
      xaxis: { title: { text: `inactive ${l.unit} before the return` } }, yaxis: { title: { text: 'reactivations' } },
    });
  }

  // DAU / WAU / MAU and stickiness, from the metric's daily model
  function drawActiveWindows(metric) {
    const aw = metric.active_windows;
    if (!aw) {
      const note = `No daily activation model for ${metric.metric}: add an activation_states model `
        + 'with grain \'day\' on the same source to see DAU / WAU / MAU.';
      return Promise.all([showNote('lc-dau', note), showNote('lc-stickiness', note)]);
    }
    const days = aw.day, dau = aw.daily_active_users, wau = aw.weekly_active_users, mau = aw.monthly_active_users;
    const notFull = shade(days.length
      ? [[periodEdge(days[0], 'day', -1), periodEdge(days[Math.min(30, days.length) - 1], 'day', 1)]] : [],
    'MAU window not full');
    const layout = { hovermode: 'x unified', xaxis: { hoverformat: '%Y-%m-%d' }, ...notFull };
    return Promise.all([
      draw('lc-dau', [
        line('DAU', days, dau, COLORS.dau, ','), line('WAU', days, wau, COLORS.wau, ','),
        line('MAU', days, mau, COLORS.mau, ','),
      ], layout),
      draw('lc-stickiness', [
        line('DAU / MAU', days, dau.map((v, i) => ratio(v, mau[i])), COLORS.mau, '.1%'),
        line('DAU / WAU', days, dau.map((v, i) => ratio(v, wau[i])), COLORS.wau, '.1%'),
      ], merge(layout, { yaxis: { tickformat: '.0%' } })),
    ]);
  }

  // the open periods are the summary's (is_period_complete false: the last one, unless the
  // model's as_of date ends it)
  function drawLifecycle() {
    const metric = DATA.metrics[state.metric];
    const model = metric.models[state.model] || metric.models[0];
    const x = model.summary.period_start, grain = model.grain;
    const isOpen = model.summary.is_period_complete.map((complete) => !complete);
    const open = x.filter((_, i) => isOpen[i]);
    const l = {
      model, grain, x, unit: UNITS[grain], isOpen,
      inProgress: open.length
        ? shade([[periodEdge(open[0], grain, -1), periodEdge(open[open.length - 1], grain, 1)]], 'in progress') : {},
    };
    setText('#lifecycle-title', `${metric.metric}, by ${grain} (${model.model})`);
    const facts = [metric.activity_through ? `activity through ${metric.activity_through}` : null,
      model.as_of ? `model as of ${model.as_of}` : 'no as_of date set on the model'].filter(Boolean);
    setText('#lc-hint', open.length
      ? `Hatched: the ${grain} of ${open.join(', ')} is not complete (${facts.join('; ')}).`
      : `Every ${grain} is complete${model.as_of ? ` (model as of ${model.as_of})` : ''}.`);
    return Promise.all([drawGrowth(l), drawActive(l), drawQuickRatio(l), drawRates(l), drawTransitions(l),
      drawRetention(l), drawStreaks(l), drawGaps(l), drawActiveWindows(metric)]);
  }

  // ---- controls ------------------------------------------------------------------------
  function option(select, value, text) {
    const element = document.createElement('option');
    element.value = value;
    element.textContent = text;
    select.appendChild(element);
  }

  function fillSegments() {
    const table = DATA.funnels[state.funnel].attributes[state.attribute];
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
    state.attribute = Math.max(0, funnel.attributes.findIndex((table) => table.attribute === 'country'));
    breakdown.value = state.attribute;
    fillSegments();
  }

  function fillGrains() {
    const metric = DATA.metrics[state.metric];
    const select = document.getElementById('lc-grain');
    select.replaceChildren();
    metric.models.forEach((model, i) => option(select, i, `${model.grain} (${model.model})`));
    state.model = Math.max(0, metric.models.findIndex((model) => model.grain === 'week'));
    select.value = state.model;
  }

  // a window input: redrawn as a valid number is typed, set within 1..max_days on change
  function bindWindow(id, key) {
    const element = document.getElementById(id);
    const max = () => DATA.funnels[state.funnel].max_days;
    element.addEventListener('input', () => {
      const value = Number(element.value);
      if (Number.isInteger(value) && value >= 1 && value <= max() && value !== state[key]) {
        state[key] = value;
        drawFunnel();
      }
    });
    element.addEventListener('change', () => {
      element.value = Math.min(max(), Math.max(1, Math.round(Number(element.value)) || 1));
      state[key] = Number(element.value);
      drawFunnel();
    });
    state[key] = Number(element.value);
  }

  function on(id, handler) {
    const element = document.getElementById(id);
    if (element) element.addEventListener('change', () => handler(element));
  }

  function bind() {
    on('funnel-model', (el) => { state.funnel = Number(el.value); setupFunnel(); drawFunnel(); });
    on('cohort-grain', (el) => { state.grain = el.value; drawFunnel(); });
    on('breakdown', (el) => { state.attribute = Number(el.value); fillSegments(); drawFunnel(); });
    on('segment', (el) => { state.segment = Number(el.value); drawFunnel(); });
    on('lc-metric', (el) => { state.metric = Number(el.value); fillGrains(); drawLifecycle(); });
    on('lc-grain', (el) => { state.model = Number(el.value); drawLifecycle(); });
    if (DATA.funnels.length) {
      state.grain = document.getElementById('cohort-grain').value;
      bindWindow('window-n', 'n');
      bindWindow('window-m', 'm');
    }
  }

  // ---- start ---------------------------------------------------------------------------
  function redraw() {
    return Promise.all([DATA.funnels.length ? drawFunnel() : null, DATA.metrics.length ? drawLifecycle() : null]);
  }

  window.dashboard = { data: DATA, state, computeFunnel, redraw };
  if (DATA.funnels.length) setupFunnel();
  if (DATA.metrics.length) fillGrains();
  bind();
  redraw().then(() => { window.dashboardReady = true; }, (error) => { console.error(error); });
})();
