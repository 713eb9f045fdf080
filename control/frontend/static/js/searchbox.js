// The search field in the header: suggestions as you type (GET /api/search/suggest), an
// ARIA combobox driven by the arrow keys, Enter and Escape. Where the server has no search
// yet, suggestions stay off and the results page says so.
import { h } from './dom.js';
import { api, missing } from './api.js';
import { go } from './router.js';

const KINDS = { title: 'Title', player: 'Player', event: 'Event', series: 'Series' };
let available = true;

export function mountSearchBox(slot) {
  const list = h('ul', { id: 'suggestions', role: 'listbox', class: 'suggestions', hidden: true, 'aria-label': 'Suggestions' });
  const input = h('input', {
    type: 'search', name: 'q', id: 'search-q', placeholder: 'Search titles, players, events', autocomplete: 'off',
    role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': 'suggestions', maxlength: 200,
  });
  const form = h('form', { role: 'search', class: 'searchbox' },
    h('label', { for: 'search-q', class: 'visually-hidden', text: 'Search' }), input, list);
  let items = [];
  let active = -1;
  let timer = 0;
  let inflight = null;

  const close = () => { list.hidden = true; input.setAttribute('aria-expanded', 'false'); input.removeAttribute('aria-activedescendant'); active = -1; };
  const choose = (s) => {
    close();
    if (s.kind === 'title' && s.content_id) go(`/title/${s.content_id}`);
    else { input.value = s.text; go(`/search?q=${encodeURIComponent(s.text)}`); }
  };
  const highlight = (index) => {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === index)));
    if (index >= 0) input.setAttribute('aria-activedescendant', `sugg-${index}`);
  };

  async function suggest() {
    const q = input.value.trim();
    if (!q || !available) { close(); return; }
    if (inflight) inflight.abort();
    inflight = new AbortController();
    try {
      const data = await api(`/api/search/suggest?q=${encodeURIComponent(q)}&limit=8`, { signal: inflight.signal });
      items = data.suggestions || [];
    } catch (error) {
      if (missing(error)) available = false;
      items = [];
    }
    list.replaceChildren(...items.map((s, i) => h('li', {
      id: `sugg-${i}`, role: 'option', 'aria-selected': 'false',
      onmousedown: (event) => { event.preventDefault(); choose(s); },
    }, h('span', { text: s.text }), h('span', { class: 'kind', text: KINDS[s.kind] || s.kind }))));
    list.hidden = items.length === 0;
    input.setAttribute('aria-expanded', String(items.length > 0));
    active = -1;
  }

  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(suggest, 120); });
  input.addEventListener('blur', () => setTimeout(close, 100));
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' && items.length) { event.preventDefault(); highlight((active + 1) % items.length); }
    else if (event.key === 'ArrowUp' && items.length) { event.preventDefault(); highlight((active - 1 + items.length) % items.length); }
    else if (event.key === 'Escape') close();
    else if (event.key === 'Enter' && active >= 0 && !list.hidden) { event.preventDefault(); choose(items[active]); }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    close();
    const q = input.value.trim();
    if (q) go(`/search?q=${encodeURIComponent(q)}`);
  });
  slot.replaceChildren(form);
}
