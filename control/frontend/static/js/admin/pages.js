// Admin: dashboard, users, cache, library scan.
import { h, notice, button, toast } from '../dom.js';
import { api, missing, session } from '../api.js';
import { bytes, percent, when } from '../format.js';
import { adminFrame, table, meter, unavailable } from './common.js';

function stat(label, value, id) {
  return h('div', { class: 'stat' }, h('dt', { text: label }), h('dd', { id, text: String(value) }));
}

export async function dashboard(ctx) {
  const body = h('div', { class: 'dashboard', 'aria-live': 'polite' }, h('p', { class: 'loading', text: 'Loading…' }));
  adminFrame(ctx, 'Dashboard', body);
  async function draw() {
    let d;
    let cache = null;
    try {
      [d, cache] = await Promise.all([api('/api/admin/dashboard'), api('/api/admin/cache').catch(() => null)]);
    } catch (error) {
      body.replaceChildren(notice(`The dashboard could not be loaded: ${error.message}`));
      return;
    }
    const l1 = cache && cache.l1;
    const lookups = l1 ? l1.hits + l1.misses : 0;
    body.replaceChildren(
      h('dl', { class: 'stats' },
        stat('Live streams', d.streams.active_streams, 'live-streams'),
        stat('Watching now', d.streams.active_users, 'watching-users'),
        stat('Views today', d.views.today, 'views-today'),
        stat('Views, 7 days', d.views.last_7_days),
        stat('Users', d.users.total),
        stat('Pending approval', d.users.pending, 'pending-users'),
        stat('Suspended', d.users.suspended),
        stat('New today', d.users.new_today),
        stat('Contents', `${d.contents.available} of ${d.contents.total}`),
        stat('Missing files', d.contents.missing),
        stat('Series', d.contents.series),
        stat('Best hands', d.contents.best_hands),
        stat('Requests/s', d.http.requests_per_second.toFixed(1)),
        stat('Error rate', percent(d.http.error_rate)),
        stat('Redis memory', bytes(d.redis_memory.used_bytes)),
        stat('Cache hit ratio', l1 ? (lookups ? percent(l1.hits / lookups) : '—') : 'n/a', 'hit-ratio'),
        stat('SSD hit ratio (bytes)', d.ssd_cache.hit_ratio_bytes == null ? '—' : percent(d.ssd_cache.hit_ratio_bytes), 'ssd-hit-ratio')),
      h('section', { 'aria-labelledby': 'ssd-title' },
        h('h2', { id: 'ssd-title', text: 'SSD cache' }),
        meter(d.ssd_cache.used_ratio, 'SSD used'),
        h('p', { class: 'muted', text: `${bytes(d.ssd_cache.used_bytes)} of ${bytes(d.ssd_cache.capacity_bytes)} (${percent(d.ssd_cache.used_ratio)}), ${d.ssd_cache.files} files; players got ${bytes(d.ssd_cache.ssd_bytes_sent)} from the SSD and ${bytes(d.ssd_cache.nas_bytes_sent)} from the NAS` }),
        cache && cache.hot.length
          ? table(['On the SSD', 'Size', 'Views, 7 days', 'Last read'], cache.hot.map((x) => h('tr', {},
            h('td', { text: x.title || `Content ${x.content_id}` }), h('td', { text: bytes(x.size_bytes) }),
            h('td', { text: String(x.views_7d) }), h('td', { text: when(x.last_access_at) }))), 'Files on the SSD')
          : h('p', { class: 'muted', text: 'Nothing on the SSD yet.' })),
      h('section', { 'aria-labelledby': 'top-title' },
        h('h2', { id: 'top-title', text: 'Top contents, 7 days' }),
        table(['Title', 'Views, 7 days', 'Today'], d.top_contents.map((c) => h('tr', {},
          h('td', {}, h('a', { href: `#/title/${c.content_id}`, text: c.title || `Content ${c.content_id} (deleted)` })),
          h('td', { text: String(c.views_7d) }), h('td', { text: String(c.views_today) }))), 'Top contents')),
      h('p', { class: 'muted', text: `Updated ${when(d.generated_at)}` }));
  }
  await draw();
  const timer = setInterval(() => { if (!document.hidden) draw(); }, 5000);
  return () => clearInterval(timer);
}

const ROLES = ['user', 'moderator', 'admin'];

export async function users(ctx) {
  const q = h('input', { type: 'search', id: 'uq', name: 'q', value: ctx.query.get('q') || '' });
  const status = h('select', { id: 'us', name: 'status' }, ['', 'active', 'pending', 'suspended'].map((v) =>
    h('option', { value: v, text: v || 'Any', selected: ctx.query.get('status') === v })));
  const form = h('form', { class: 'filters' },
    h('p', { class: 'field' }, h('label', { for: 'uq', text: 'Email or username' }), q),
    h('p', { class: 'field' }, h('label', { for: 'us', text: 'Status' }), status),
    h('button', { type: 'submit' }, 'Filter'));
  const body = h('div', {});
  adminFrame(ctx, 'Users', form, body);
  form.addEventListener('submit', (event) => { event.preventDefault(); draw(); });
  async function change(user, path, method, payload) {
    try {
      await api(path, { method, body: payload });
      toast(`${user.username} updated.`);
    } catch (error) {
      toast(error.code === 'ADMIN_SELF_LOCKOUT' ? 'You cannot demote or suspend yourself.' : error.message);
    }
    draw();
  }
  async function draw() {
    const params = new URLSearchParams({ limit: '100' });
    if (q.value.trim()) params.set('q', q.value.trim());
    if (status.value) params.set('status', status.value);
    let page;
    try {
      page = await api(`/api/admin/users?${params}`);
    } catch (error) {
      body.replaceChildren(notice(error.message));
      return;
    }
    const rows = page.items.map((u) => {
      const role = h('select', { 'aria-label': `Role of ${u.username}`, disabled: u.id === session.user.id },
        ROLES.map((r) => h('option', { value: r, text: r, selected: u.role === r })));
      role.addEventListener('change', () => change(u, `/api/admin/users/${u.id}`, 'PATCH', { role: role.value }));
      const actions = [];
      if (u.status === 'pending') actions.push(button('Approve', () => change(u, `/api/admin/users/${u.id}/approve`, 'POST'), { class: 'primary', 'aria-label': `Approve ${u.username}` }));
      if (u.status === 'active' && u.id !== session.user.id) actions.push(button('Suspend', () => change(u, `/api/admin/users/${u.id}`, 'PATCH', { status: 'suspended' }), { class: 'danger', 'aria-label': `Suspend ${u.username}` }));
      if (u.status === 'suspended') actions.push(button('Reactivate', () => change(u, `/api/admin/users/${u.id}`, 'PATCH', { status: 'active' }), { 'aria-label': `Reactivate ${u.username}` }));
      return h('tr', { 'data-user': u.username }, h('td', { text: u.username }), h('td', { text: u.email }), h('td', {}, role),
        h('td', { text: u.status }), h('td', { text: when(u.last_login_at) }), h('td', {}, actions));
    });
    body.replaceChildren(h('p', { class: 'muted', text: `${page.total} accounts` }),
      table(['Username', 'Email', 'Role', 'Status', 'Last sign-in', ''], rows, 'Accounts'));
  }
  await draw();
}

export async function cache(ctx) {
  const body = h('div', {}, h('p', { class: 'loading', text: 'Loading…' }));
  adminFrame(ctx, 'Hot cache', body);
  async function act(path, method, payload, done) {
    try {
      const job = await api(path, { method, body: payload });
      toast(`${done} (job ${job && job.id ? job.id : 'queued'}).`);
    } catch (error) {
      toast(error.code === 'CACHE_TOO_SMALL' ? 'That file is larger than the cache can hold.' : error.message);
    }
    draw();
  }
  async function draw() {
    let c;
    try {
      c = await api('/api/admin/cache');
    } catch (error) {
      body.replaceChildren(unavailable(error, 'The hot cache page'));
      return;
    }
    const lookups = c.l1.hits + c.l1.misses;
    const id = h('input', { type: 'number', id: 'warm-id', min: 1, required: true });
    const warm = h('form', { class: 'filters' }, h('p', { class: 'field' }, h('label', { for: 'warm-id', text: 'Content id' }), id), h('button', { type: 'submit' }, 'Warm'));
    warm.addEventListener('submit', (event) => { event.preventDefault(); act('/api/admin/cache/warm', 'POST', { content_id: Number(id.value) }, 'Copy to SSD queued'); });
    body.replaceChildren(
      h('section', {}, h('h2', { text: 'SSD' }), meter(c.ssd.capacity_bytes ? c.ssd.used_bytes / c.ssd.capacity_bytes : 0, 'SSD used'),
        h('p', { class: 'muted', text: `${bytes(c.ssd.used_bytes)} of ${bytes(c.ssd.capacity_bytes)}, ${c.ssd.files} files; evicts above ${percent(c.ssd.high_watermark)} down to ${percent(c.ssd.low_watermark)}; SSD hit ratio by bytes ${c.ssd.hit_ratio_bytes == null ? '—' : percent(c.ssd.hit_ratio_bytes)}` })),
      h('section', {}, h('h2', { text: 'L1 cache' }), h('p', { text: `${c.l1.hits} hits, ${c.l1.misses} misses (${lookups ? percent(c.l1.hits / lookups) : '—'} hit ratio), ${c.l1.keys} keys` })),
      h('section', {}, h('h2', { text: 'On the SSD' }), table(['Title', 'Size', 'Views, 7 days', 'Cached', 'Last read', ''], c.hot.map((x) => h('tr', {},
        h('td', { text: x.title || `Content ${x.content_id}` }), h('td', { text: bytes(x.size_bytes) }), h('td', { text: String(x.views_7d) }),
        h('td', { text: when(x.cached_at) }), h('td', { text: when(x.last_access_at) }),
        h('td', {}, button('Evict', () => act(`/api/admin/cache/${x.content_id}`, 'DELETE', undefined, 'Eviction queued'), { class: 'danger', 'aria-label': `Evict ${x.title}` })))))),
      h('section', {}, h('h2', { text: 'Candidates' }), table(['Title', 'Views, 7 days', ''], c.candidates.map((x) => h('tr', {},
        h('td', { text: x.title || `Content ${x.content_id}` }), h('td', { text: String(x.views_7d) }),
        h('td', {}, button('Warm', () => act('/api/admin/cache/warm', 'POST', { content_id: x.content_id }, 'Copy to SSD queued'), { 'aria-label': `Warm ${x.title}` })))))),
      h('section', {}, h('h2', { text: 'Warm a content' }), warm));
  }
  await draw();
}

// The scan's progress: GET /api/admin/library/scan/{id}, or the job (GET /api/admin/jobs/{id})
// where scans run as worker jobs.
async function scanState(id) {
  try {
    return await api(`/api/admin/library/scan/${encodeURIComponent(id)}`);
  } catch (error) {
    if (!missing(error)) throw error;
    return api(`/api/admin/jobs/${encodeURIComponent(id)}`);
  }
}

const DONE = new Set(['succeeded', 'failed', 'dead', 'cancelled']);

export async function library(ctx) {
  const bar = h('progress', { id: 'scan-progress', max: 1, value: 0, 'aria-label': 'Scan progress' });
  const state = h('p', { id: 'scan-state', role: 'status' });
  const report = h('div', {});
  let closed = false;
  const start = button('Scan the library', () => scan(), { class: 'primary', id: 'scan' });
  adminFrame(ctx, 'Library', h('p', { text: 'Import new and changed files from the NAS into the catalog.' }), start, bar, state, report);
  async function follow(id) {
    start.disabled = true;
    for (;;) {
      if (closed) return;
      let job;
      try {
        job = await scanState(id);
      } catch (error) {
        state.textContent = `Progress unavailable: ${error.message}`;
        break;
      }
      const p = job.progress || { done: 0, total: 0 };
      bar.max = Math.max(1, p.total);
      bar.value = p.done;
      state.textContent = `${job.status}: ${p.done} of ${p.total || '?'} files`;
      if (DONE.has(job.status)) {
        const r = job.report || job.result;
        if (r) report.replaceChildren(h('dl', { class: 'stats' }, Object.entries(r).filter(([, v]) => typeof v === 'number').map(([k, v]) => h('div', { class: 'stat' }, h('dt', { text: k }), h('dd', { text: String(v) })))));
        if (job.status !== 'succeeded') state.textContent = `${job.status}: ${job.error_code || job.error || ''}`;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    start.disabled = false;
  }
  async function scan() {
    report.replaceChildren();
    try {
      const job = await api('/api/admin/library/scan', { method: 'POST' });
      await follow(job.id);
    } catch (error) {
      if (error.code === 'LIBRARY_SCAN_RUNNING' && error.details.job_id) await follow(error.details.job_id);
      else state.textContent = `The scan could not start: ${error.message}`;
    }
  }
  return () => { closed = true; };
}
