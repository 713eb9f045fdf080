// Admin: background jobs, live. The job stream is read with fetch (EventSource cannot send
// the bearer header) and parsed as server-sent events; after a disconnect it resumes with
// Last-Event-ID, so no change is missed.
import { h, button, toast } from '../dom.js';
import { api, accessHeader, refresh } from '../api.js';
import { when } from '../format.js';
import { adminFrame, table, unavailable } from './common.js';

const RETRYABLE = new Set(['failed', 'dead', 'cancelled']);
const CANCELLABLE = new Set(['queued', 'running']);

// Calls onEvent({id, event, data}) for each event of an SSE body; resolves at its end.
export async function readEvents(response, onEvent) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = { id: null, event: 'message', data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let newline;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (event.data.length) onEvent({ id: event.id, event: event.event, data: event.data.join('\n') });
        event = { id: event.id, event: 'message', data: [] };
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (name === 'data') event.data.push(text);
        else if (name === 'id') event.id = text;
        else if (name === 'event') event.event = text;
      }
    }
  }
}

export function follow(path, onEvent, onState) {
  let lastId = null;
  let stopped = false;
  let controller = null;
  (async () => {
    let delay = 1000;
    while (!stopped) {
      controller = new AbortController();
      try {
        const headers = { Accept: 'text/event-stream', ...accessHeader() };
        if (lastId) headers['Last-Event-ID'] = lastId;
        const response = await fetch(path, { headers, signal: controller.signal });
        if (response.status === 401 && (await refresh())) continue;
        if (!response.ok) { onState('unavailable', response.status); return; }
        onState('live');
        delay = 1000;
        await readEvents(response, (event) => { if (event.id) lastId = event.id; onEvent(event); });
      } catch {
        if (stopped) return;
      }
      onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15000);
    }
  })();
  return () => { stopped = true; if (controller) controller.abort(); };
}

function progressCell(job) {
  const p = job.progress || { done: 0, total: 0 };
  return h('td', {}, h('progress', { max: Math.max(1, p.total), value: p.done, 'aria-label': `${p.done} of ${p.total}` }), ` ${p.done}/${p.total}`);
}

export default async function jobs(ctx) {
  const state = h('p', { class: 'muted', id: 'jobs-live', role: 'status' });
  const body = h('div', {}, h('p', { class: 'loading', text: 'Loading…' }));
  adminFrame(ctx, 'Jobs', state, body);
  const byId = new Map();
  const tbody = h('tbody', {});
  async function act(job, verb) {
    try {
      const updated = await api(`/api/admin/jobs/${job.id}/${verb}`, { method: 'POST' });
      if (updated) upsert(updated);
      toast(`Job ${job.id}: ${verb === 'retry' ? 'queued again' : 'cancel requested'}.`);
    } catch (error) {
      toast(error.message);
    }
  }
  function row(job) {
    const actions = [];
    if (RETRYABLE.has(job.status)) actions.push(button('Retry', () => act(job, 'retry'), { 'aria-label': `Retry job ${job.id}` }));
    if (CANCELLABLE.has(job.status)) actions.push(button('Cancel', () => act(job, 'cancel'), { class: 'danger', 'aria-label': `Cancel job ${job.id}` }));
    return h('tr', { 'data-job': job.id, 'data-status': job.status },
      h('td', { text: String(job.id) }), h('td', { text: job.type }), h('td', { text: job.status }), progressCell(job),
      h('td', { text: `${job.attempts}/${job.max_attempts}` }), h('td', { text: when(job.created_at) }),
      h('td', { text: job.error_code || job.error || '' }), h('td', {}, actions));
  }
  function upsert(job) {
    const fresh = row(job);
    const old = byId.get(String(job.id));
    byId.set(String(job.id), fresh);
    if (old && old.isConnected) old.replaceWith(fresh); else tbody.prepend(fresh);
  }
  let page;
  try {
    page = await api('/api/admin/jobs?limit=50');
  } catch (error) {
    body.replaceChildren(unavailable(error, 'The jobs page'));
    return null;
  }
  for (const job of [...page.items].reverse()) upsert(job);
  body.replaceChildren(h('p', { class: 'muted', text: `${page.total} jobs` }),
    table(['Id', 'Type', 'Status', 'Progress', 'Attempts', 'Created', 'Error', ''], [], 'Jobs'));
  body.querySelector('tbody').replaceWith(tbody);
  return follow('/api/admin/jobs/events', (event) => {
    try {
      const data = JSON.parse(event.data);
      const job = data.job || data;
      if (job && job.id !== undefined) upsert(job);
    } catch { /* a comment or an event of another shape */ }
  }, (s) => { state.textContent = { live: 'Live', reconnecting: 'Reconnecting…', unavailable: 'Live updates are not available.' }[s]; });
}
