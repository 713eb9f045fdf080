// "My streams": the caller's live streams, each of which can be ended here. The player
// shows the same list when the edge refuses a stream over the per-user limit.
import { h, notice, button, toast } from '../dom.js';
import { api } from '../api.js';
import { when } from '../format.js';

export async function endStream(sid) {
  await api(`/api/stream/sessions/${encodeURIComponent(sid)}`, { method: 'DELETE' });
}

// The table of live streams; onEnded runs after one was ended (and the list redrawn).
export async function sessionsTable(onEnded, exceptSid = null) {
  const data = await api('/api/stream/sessions');
  const sessions = data.sessions.filter((s) => s.sid !== exceptSid);
  if (!sessions.length) return { count: data.count, limit: data.limit, node: h('p', { class: 'muted', text: 'No live streams.' }) };
  const rows = sessions.map((s) => h('tr', { 'data-sid': s.sid },
    h('td', {}, s.content_id ? h('a', { href: `#/title/${s.content_id}`, text: s.title || `Content ${s.content_id}` }) : (s.title || '—')),
    h('td', { text: when(s.started_at) }),
    h('td', { text: when(s.last_seen_at) }),
    h('td', {}, button('End this stream', async (event) => {
      event.target.disabled = true;
      try {
        await endStream(s.sid);
        toast('Stream ended.');
        await onEnded(s.sid);
      } catch (error) {
        event.target.disabled = false;
        toast(`Could not end the stream: ${error.message}`);
      }
    }, { class: 'danger', 'aria-label': `End the stream of ${s.title || 'this title'}` }))));
  const node = h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
    h('thead', {}, h('tr', {}, ['Title', 'Started', 'Last read', ''].map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, rows)));
  return { count: data.count, limit: data.limit, node };
}

export default async function streams(ctx) {
  const body = h('div', { class: 'streams' });
  const summary = h('p', { class: 'muted' });
  ctx.mount(h('h1', { text: 'My streams' }), summary, body);
  async function draw() {
    try {
      const table = await sessionsTable(draw);
      summary.textContent = `${table.count} of ${table.limit} streams in use.`;
      body.replaceChildren(table.node, button('Refresh', draw));
    } catch (error) {
      body.replaceChildren(notice(`Your streams could not be loaded: ${error.message}`));
    }
  }
  await draw();
}
