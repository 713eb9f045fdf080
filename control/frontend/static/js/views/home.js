// Home: the rows of GET /api/home. Skeleton rows of the final size come first, so the page
// does not jump when the rows arrive.
import { h, notice, button } from '../dom.js';
import { api } from '../api.js';
import { card, skeletonCards } from './cards.js';

function row(data, index) {
  const id = `row-${index}`;
  return h('section', { class: 'row', 'aria-labelledby': id, 'data-row': data.id },
    h('h2', { id, text: data.title }),
    h('ul', { class: 'cards' }, data.items.map(card)));
}

export default async function home(ctx) {
  const rows = h('div', { class: 'rows', 'aria-busy': 'true' },
    [0, 1, 2].map((i) => h('section', { class: 'row', 'aria-hidden': 'true' },
      h('h2', { class: 'skeleton-text', text: '\u00a0' }), h('ul', { class: 'cards' }, skeletonCards(6)))));
  ctx.mount(h('h1', { class: 'visually-hidden', text: 'Home' }), rows);
  try {
    const data = await api('/api/home');
    rows.replaceChildren(...data.rows.map(row));
    if (!data.rows.length) rows.append(h('p', { class: 'notice', text: 'The library is empty so far.' }));
  } catch (error) {
    rows.replaceChildren(notice(`The home page could not be loaded: ${error.message}`, button('Try again', () => home(ctx))));
  }
  rows.removeAttribute('aria-busy');
}
