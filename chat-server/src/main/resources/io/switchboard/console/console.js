// The operator console (docs/operations.md, "The console"): polls /actuator/console every second,
// draws the cluster, its last 15 minutes and its events, and drains, cancels and rebalances with a
// confirmation. Text from the server is only ever set with textContent.
'use strict';
(() => {
  const HISTORY_MS = 15 * 60 * 1000;
  const POLL_MS = 1000;
  const $ = (id) => document.getElementById(id);
  // from the origin, never the page's own address: one that carried credentials (user:pass@host)
  // would make fetch refuse the request
  const ENDPOINT = `${location.origin}/actuator/console`;
  /** node id -> samples {t, c, d, p, o, state, r, drain}, oldest first */
  const samples = new Map();
  let since;
  const charts = {};

  function show(text, refused = false) {
    $('message').textContent = text;
    $('message').className = refused ? 'refused' : '';
  }

  async function poll() {
    try {
      const response = await fetch(since === undefined ? ENDPOINT : `${ENDPOINT}?since=${since}`,
        { headers: { Accept: 'application/json' }, cache: 'no-store' });
      if (response.status === 401) {
        show('This node wants the management password: reload the page and sign in.', true);
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      render(await response.json());
    } catch (error) {
      show(`Cannot reach this node now (${error.message}); retrying.`, true);
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  function render(view) {
    $('seen-by').textContent = `The cluster as ${view.self} sees it`;
    for (const [node, list] of Object.entries(view.samples)) {
      const known = samples.get(node) ?? [];
      const last = known.length ? known[known.length - 1].t : 0;
      for (const sample of list) if (sample.t > last) known.push(sample);
      samples.set(node, known);
      if (known.length) since = Math.max(since ?? 0, known[known.length - 1].t);
    }
    for (const [node, list] of samples) {
      const keep = list.filter((sample) => sample.t >= view.now - HISTORY_MS);
      if (keep.length) samples.set(node, keep); else samples.delete(node);
    }
    renderNodes(view);
    renderRebalance(view.rebalance);
    renderEvents(view.events);
    renderCharts(view.now);
  }

  const LABELS = ['Node', 'State', 'Version', 'Address', 'Connections', 'Rooms', 'Uptime', 'Drain', 'Actions'];

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    td.dataset.label = LABELS[row.children.length]; // the column's name, shown beside it on a phone
    if (className) td.className = className;
    row.append(td);
    return td;
  }

  function duration(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  }

  function drainText(drain, now) {
    if (!drain) return '';
    const moved = drain.moved ?? 0;
    const total = moved + (drain.sessionsLeft ?? 0);
    const left = drain.expectedEnd ? Math.max(0, Date.parse(drain.expectedEnd) - now) : null;
    return `${drain.state}: ${moved} / ${total} moved${left !== null && drain.state === 'draining' ? `, ${duration(left)} left` : ''}`;
  }

  function renderNodes(view) {
    const body = $('nodes').tBodies[0];
    const rows = view.nodes.map(({ node, sample: latest }) => {
      const known = samples.get(node.id);
      const sample = latest ?? (known && known.length ? known[known.length - 1] : null); // none new this second
      const row = document.createElement('tr');
      row.dataset.node = node.id;
      const state = sample?.state ?? node.state;
      cell(row, node.id + (node.id === view.self ? ' (this node)' : ''));
      cell(row, state, `state-${state}`).dataset.state = state;
      cell(row, node.version ?? '');
      cell(row, node.address ?? '');
      cell(row, String(sample?.c ?? node.connections), 'num').dataset.connections = String(sample?.c ?? node.connections);
      cell(row, sample ? String(sample.r) : '', 'num');
      cell(row, node.startedAt ? duration(view.now - Date.parse(node.startedAt)) : '');
      cell(row, drainText(sample?.drain, view.now));
      const actions = cell(row, '');
      if (state === 'ready') {
        actions.append(button('Drain', 'danger', () => drain(node.id)));
      } else {
        actions.append(button('Cancel drain', '', () => cancel(node.id)));
      }
      return row;
    });
    body.replaceChildren(...rows);
  }

  function button(text, className, action) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    if (className) b.className = className;
    b.addEventListener('click', action);
    return b;
  }

  function renderRebalance(status) {
    let text = 'No rebalance has run.';
    if (status && status.id) {
      text = status.state === 'running'
        ? `Rebalance running on ${status.startedBy} since ${new Date(status.startedAt).toLocaleTimeString()}, round ${status.rounds}`
        : `Last rebalance (run by ${status.startedBy}): ${status.state}${status.reason ? ` (${status.reason})` : ''}`;
    }
    $('rebalance-status').textContent = text;
  }

  function renderEvents(events) {
    const items = [...events].reverse().map((event) => {
      const li = document.createElement('li');
      const time = document.createElement('time');
      time.dateTime = new Date(event.at).toISOString();
      time.textContent = new Date(event.at).toLocaleTimeString();
      const kind = document.createElement('span');
      kind.className = 'kind';
      kind.textContent = event.kind;
      const rest = document.createElement('span');
      rest.textContent = `${event.node}${event.detail ? ` (${event.detail})` : ''}`;
      li.dataset.kind = event.kind;
      li.dataset.node = event.node;
      li.append(time, kind, rest);
      return li;
    });
    $('events').replaceChildren(...items);
  }

  /** One x axis (seconds) for every node; per node its value at each second, or null. */
  function aligned(valueOf) {
    const nodes = [...samples.keys()].sort();
    const seconds = new Set();
    const perNode = nodes.map((node) => {
      const values = new Map();
      const list = samples.get(node);
      for (let i = 0; i < list.length; i += 1) {
        const value = valueOf(list[i], i > 0 ? list[i - 1] : null);
        if (value === null) continue;
        const second = Math.floor(list[i].t / 1000);
        seconds.add(second);
        values.set(second, value);
      }
      return values;
    });
    const xs = [...seconds].sort((a, b) => a - b);
    return { nodes, data: [xs, ...perNode.map((values) => xs.map((x) => values.get(x) ?? null))] };
  }

  const rate = (field) => (sample, before) => (before && sample.t > before.t
    ? Math.max(0, ((sample[field] - before[field]) * 1000) / (sample.t - before.t)) : null);

  function draw(id, nodes, data) {
    const element = $(id);
    const key = nodes.join(',');
    if (!charts[id] || charts[id].key !== key) {
      charts[id]?.plot.destroy();
      const palette = ['#1a73e8', '#d93025', '#188038', '#f29900', '#a142f4', '#12b5cb', '#e52592', '#5f6368'];
      const series = [{}, ...nodes.map((node, i) => ({ label: node, stroke: palette[i % palette.length], width: 2, spanGaps: true }))];
      const width = Math.max(240, element.clientWidth || 480);
      charts[id] = { key, plot: new uPlot({ width, height: 200, series, scales: { x: { time: true } } }, data, element) };
    } else {
      charts[id].plot.setData(data);
    }
    // what each series shows last: for a reader of the page's state (and its tests)
    const latest = {};
    nodes.forEach((node, i) => {
      const values = data[i + 1];
      for (let j = values.length - 1; j >= 0; j -= 1) if (values[j] !== null) { latest[node] = values[j]; break; }
    });
    element.dataset.latest = JSON.stringify(latest);
    element.dataset.since = String(data[0][0] ?? '');
  }

  function renderCharts() {
    if (typeof uPlot === 'undefined') return;
    const connections = aligned((sample) => sample.c);
    draw('chart-connections', connections.nodes, connections.data);
    const deliveries = aligned(rate('d'));
    draw('chart-deliveries', deliveries.nodes, deliveries.data);
    const messages = aligned(rate('p'));
    draw('chart-messages', messages.nodes, messages.data);
    const reconnects = aligned(rate('o'));
    const total = reconnects.data[0].map((_, i) => reconnects.data.slice(1)
      .reduce((sum, values) => sum + (values[i] ?? 0), 0));
    draw('chart-reconnects', ['all nodes'], [reconnects.data[0], total]);
  }

  async function act(body, done) {
    try {
      const response = await fetch(ENDPOINT, {
        method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body),
      });
      const answer = await response.json().catch(() => ({}));
      if (response.ok) {
        show(done);
      } else if (response.status === 409) {
        show(`Refused: ${answer.error ?? 'the cluster does not allow it now'}`, true);
      } else if (response.status === 401) {
        show('Refused: the management password is wrong or missing.', true);
      } else {
        show(`Refused (HTTP ${response.status}): ${answer.error ?? ''}`, true);
      }
    } catch (error) {
      show(`Cannot reach this node now: ${error.message}`, true);
    }
  }

  function drain(node) {
    const window = prompt(`Drain ${node}? Its connections move to the other nodes, spread over this window:`, '10s');
    if (window === null) return;
    act({ action: 'drain', node, window }, `Drain of ${node} started.`);
  }

  function cancel(node) {
    if (!confirm(`Cancel the drain of ${node}? It takes new connections again.`)) return;
    act({ action: 'cancel', node }, `Drain of ${node} cancelled.`);
  }

  // charts follow the page's width (a phone turned, a window resized)
  window.addEventListener('resize', () => {
    for (const [id, chart] of Object.entries(charts)) {
      chart.plot.setSize({ width: Math.max(240, $(id).clientWidth), height: 200 });
    }
  });

  $('rebalance').addEventListener('click', () => {
    if (!confirm('Rebalance the cluster? Nodes above their share move the surplus to the others.')) return;
    act({ action: 'rebalance' }, 'Rebalance started.');
  });

  poll();
})();
