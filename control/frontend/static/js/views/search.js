// Search results (GET /api/search): filters, "did you mean", highlights, more results.
import { h, notice, button } from '../dom.js';
import { api, missing } from '../api.js';
import { go } from '../router.js';
import { EVENT_TYPES, duration } from '../format.js';
import { poster } from './cards.js';

const PAGE = 20;
const MARK = /<(em|mark|b|strong)>(.*?)<\/\1>/gis;

// A highlight is text with the matched words marked (<em>…</em> or <mark>…</mark> in the
// server's text, or an object with the text in snippet/text/value); the marks become <mark>
// elements built by hand, the rest stays text.
export function marked(text) {
  const out = [];
  let last = 0;
  for (const match of String(text).matchAll(MARK)) {
    out.push(text.slice(last, match.index), h('mark', { text: match[2] }));
    last = match.index + match[0].length;
  }
  out.push(String(text).slice(last));
  return out;
}

function highlightLines(highlights) {
  if (!highlights) return [];
  const entries = Array.isArray(highlights)
    ? highlights.map((x) => (typeof x === 'string' ? ['', x] : [x.field || '', x.snippet ?? x.text ?? x.value ?? '']))
    : Object.entries(highlights).map(([field, value]) => [field, Array.isArray(value) ? value.join(' … ') : value]);
  return entries.filter(([, text]) => text).slice(0, 3).map(([field, text]) =>
    h('p', { class: 'highlight' }, field ? h('span', { class: 'kind', text: field }) : null, ' ', marked(String(text))));
}

function hit(item) {
  return h('li', { class: 'hit' }, h('a', { href: `#/title/${item.id}`, class: 'hit-link' },
    poster(item),
    h('span', { class: 'hit-body' },
      h('span', { class: 'card-title', text: item.title }),
      h('span', { class: 'card-meta', text: [item.year, item.brand, EVENT_TYPES[item.event_type], duration(item.duration_seconds)].filter(Boolean).join(' · ') }),
      highlightLines(item.highlights))));
}

function filters(query) {
  const q = h('input', { type: 'search', name: 'q', id: 'sq', value: query.get('q') || '', required: true, maxlength: 200 });
  const year = h('input', { type: 'number', name: 'year', id: 'sy', min: 1970, max: 2100, value: query.get('year') || '' });
  const brand = h('input', { name: 'brand', id: 'sb', value: query.get('brand') || '', maxlength: 50 });
  const type = h('select', { name: 'event_type', id: 'st' }, h('option', { value: '', text: 'Any' }),
    Object.entries(EVENT_TYPES).map(([value, label]) => h('option', { value, text: label, selected: query.get('event_type') === value })));
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Search filters' },
    h('p', { class: 'field' }, h('label', { for: 'sq', text: 'Search' }), q),
    h('p', { class: 'field' }, h('label', { for: 'sy', text: 'Year' }), year),
    h('p', { class: 'field' }, h('label', { for: 'sb', text: 'Brand' }), brand),
    h('p', { class: 'field' }, h('label', { for: 'st', text: 'Event type' }), type),
    h('button', { type: 'submit', class: 'primary' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (String(value).trim()) params.set(key, String(value).trim());
    go(`/search?${params}`);
  });
  return form;
}

export default async function search(ctx) {
  const query = ctx.query;
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  ctx.mount(h('h1', { text: 'Search' }), filters(query), results);
  if (!query.get('q')) return;
  const params = new URLSearchParams();
  for (const key of ['q', 'year', 'brand', 'event_type']) if (query.get(key)) params.set(key, query.get(key));
  const list = h('ol', { class: 'hits' });
  let offset = 0;
  let total = 0;
  const more = button('More results', () => load());
  async function load() {
    more.disabled = true;
    let data;
    try {
      data = await api(`/api/search?${params}&limit=${PAGE}&offset=${offset}`);
    } catch (error) {
      results.replaceChildren(notice(missing(error) || error.status === 503
        ? 'Search is not available on this server yet.'
        : `Search failed: ${error.message}`));
      return;
    }
    if (offset === 0) {
      total = data.total;
      const head = [h('p', { class: 'muted', id: 'result-count', text: `${total} result${total === 1 ? '' : 's'} (${data.processing_time_ms} ms)` })];
      if (data.corrected_query) {
        const fixed = new URLSearchParams(params);
        fixed.set('q', data.corrected_query);
        head.unshift(h('p', { class: 'did-you-mean' }, 'Did you mean ', h('a', { href: `#/search?${fixed}` }, h('strong', { text: data.corrected_query })), '?'));
      }
      results.replaceChildren(...head, list);
      if (!data.hits.length) results.append(h('p', { class: 'notice', text: 'Nothing matches. Try fewer words or another spelling.' }));
    }
    list.append(...data.hits.map(hit));
    offset += data.hits.length;
    more.disabled = false;
    if (offset < total && data.hits.length) results.append(more); else more.remove();
  }
  await load();
}
