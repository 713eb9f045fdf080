// Admin: the catalog (all entries, missing ones too), editing an entry and its hands.
import { h, notice, button, toast } from '../dom.js';
import { api } from '../api.js';
import { EVENT_TYPES, duration, clock } from '../format.js';
import { adminFrame, table } from './common.js';

export async function contents(ctx) {
  const offset = Number(ctx.query.get('offset') || 0);
  const body = h('div', {}, h('p', { class: 'loading', text: 'Loading…' }));
  adminFrame(ctx, 'Contents', body);
  try {
    const page = await api(`/api/admin/contents?availability=all&sort=newest&limit=50&offset=${offset}`);
    const rows = page.items.map((c) => h('tr', {},
      h('td', {}, h('a', { href: `#/admin/contents/${c.id}`, text: c.title })),
      h('td', { text: c.year ?? '' }), h('td', { text: c.brand ?? '' }), h('td', { text: EVENT_TYPES[c.event_type] || '' }),
      h('td', { text: duration(c.duration_seconds) }), h('td', { text: c.available ? 'yes' : 'missing' })));
    const pager = h('p', { class: 'actions' },
      offset > 0 ? h('a', { class: 'button', href: `#/admin/contents?offset=${Math.max(0, offset - 50)}` }, 'Previous') : null,
      offset + 50 < page.total ? h('a', { class: 'button', href: `#/admin/contents?offset=${offset + 50}` }, 'Next') : null);
    body.replaceChildren(h('p', { class: 'muted', text: `${page.total} entries` }),
      table(['Title', 'Year', 'Brand', 'Event', 'Duration', 'Available'], rows, 'Catalog'), pager);
  } catch (error) {
    body.replaceChildren(notice(error.message));
  }
}

const TEXT_FIELDS = [['title', 'Title'], ['short_title', 'Short title'], ['brand', 'Brand'], ['quality', 'Quality']];

function input(name, label, value, props = {}) {
  const id = `c-${name}`;
  return h('p', { class: 'field' }, h('label', { for: id, text: label }), h('input', { id, name, value: value ?? '', ...props }));
}

function handRow(hand = {}) {
  const cell = (name, value, props) => h('td', {}, h('input', { name, value: value ?? '', 'aria-label': name.replace('_', ' '), ...props }));
  return h('tr', {},
    cell('hand_index', hand.hand_index, { type: 'number', min: 0, required: true }),
    cell('start_seconds', hand.start_seconds, { type: 'number', min: 0, step: 'any', required: true }),
    cell('end_seconds', hand.end_seconds, { type: 'number', min: 0, step: 'any', required: true }),
    cell('title', hand.title),
    cell('category', hand.category),
    cell('players', (hand.players || []).join(', ')),
    cell('pot_size', hand.pot_size, { type: 'number', min: 0, step: 'any' }),
    h('td', {}, button('Remove', (event) => event.target.closest('tr').remove(), { class: 'danger' })));
}

function readHands(tbody) {
  return [...tbody.querySelectorAll('tr')].map((tr) => {
    const v = (name) => tr.querySelector(`[name="${name}"]`).value.trim();
    const hand = {
      hand_index: Number(v('hand_index')), start_seconds: Number(v('start_seconds')), end_seconds: Number(v('end_seconds')),
      title: v('title'), players: v('players') ? v('players').split(',').map((p) => p.trim()).filter(Boolean) : [],
    };
    if (v('category')) hand.category = v('category');
    if (v('pot_size')) hand.pot_size = Number(v('pot_size'));
    return hand;
  });
}

export async function editContent(ctx) {
  const id = ctx.params.id;
  const body = h('div', {}, h('p', { class: 'loading', text: 'Loading…' }));
  adminFrame(ctx, 'Edit content', body);
  let content;
  let hands;
  try {
    [content, hands] = await Promise.all([api(`/api/contents/${id}`), api(`/api/contents/${id}/hands`)]);
  } catch (error) {
    body.replaceChildren(notice(error.message));
    return;
  }
  const type = h('select', { id: 'c-event_type', name: 'event_type' }, h('option', { value: '', text: '—' }),
    Object.entries(EVENT_TYPES).map(([value, label]) => h('option', { value, text: label, selected: content.event_type === value })));
  const description = h('textarea', { id: 'c-description', name: 'description', rows: 4 });
  description.value = content.description || '';
  const metadata = h('textarea', { id: 'c-metadata', name: 'metadata', rows: 6, spellcheck: 'false' });
  metadata.value = JSON.stringify(content.metadata || {}, null, 2);
  const meta = h('form', { class: 'edit' },
    TEXT_FIELDS.map(([name, label]) => input(name, label, content[name], name === 'title' ? { required: true } : {})),
    input('year', 'Year', content.year, { type: 'number', min: 1970, max: 2100 }),
    input('series_id', 'Series id', content.series_id, { type: 'number', min: 1 }),
    h('p', { class: 'field' }, h('label', { for: 'c-event_type', text: 'Event type' }), type),
    h('p', { class: 'field wide' }, h('label', { for: 'c-description', text: 'Description' }), description),
    h('p', { class: 'field wide' }, h('label', { for: 'c-metadata', text: 'Metadata (JSON)' }), metadata),
    h('button', { type: 'submit', class: 'primary' }, 'Save'));
  meta.addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(meta);
    const patch = { description: description.value };
    for (const [name] of TEXT_FIELDS) patch[name] = String(form.get(name)).trim() || (name === 'title' ? content.title : null);
    for (const name of ['year', 'series_id']) patch[name] = form.get(name) ? Number(form.get(name)) : null;
    patch.event_type = type.value || null;
    try {
      patch.metadata = JSON.parse(metadata.value || '{}');
    } catch {
      toast('Metadata is not valid JSON.');
      return;
    }
    try {
      content = await api(`/api/admin/contents/${id}`, { method: 'PATCH', body: patch });
      toast('Saved.');
    } catch (error) {
      toast(`Not saved: ${error.message}`);
    }
  });

  const tbody = h('tbody', {}, hands.map(handRow));
  const problems = h('ul', { class: 'form-error', role: 'alert' });
  const handsForm = h('form', { class: 'hands-edit' },
    h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['#', 'Start (s)', 'End (s)', 'Title', 'Category', 'Players', 'Pot', ''].map((t) => h('th', { scope: 'col', text: t })))), tbody)),
    problems,
    h('p', { class: 'actions' }, button('Add a hand', () => tbody.append(handRow({ hand_index: tbody.children.length + 1 }))),
      h('button', { type: 'submit', class: 'primary' }, 'Save hands')));
  handsForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    problems.replaceChildren();
    try {
      await api(`/api/admin/contents/${id}/hands`, { method: 'PUT', body: { hands: readHands(tbody) } });
      toast('Hands saved.');
    } catch (error) {
      const list = error.details.problems || error.details.errors || [];
      problems.replaceChildren(h('li', { text: error.message }), list.map((p) => h('li', { text: typeof p === 'string' ? p : Object.values(p).join(': ') })));
    }
  });
  body.replaceChildren(
    h('p', {}, h('a', { href: `#/title/${id}`, text: 'View the title page' }), ` · ${content.file_path} · ${clock(content.duration_seconds || 0)}`),
    meta, h('h2', { text: 'Hands' }), handsForm);
}
