// A series and its recordings, oldest first.
import { h, notice } from '../dom.js';
import { api } from '../api.js';
import { card, skeletonCards } from './cards.js';

export default async function series(ctx) {
  const id = ctx.params.id;
  const grid = h('ul', { class: 'grid' }, skeletonCards(8));
  const heading = h('h1', { text: '\u00a0' });
  ctx.mount(heading, grid);
  try {
    const [info, page] = await Promise.all([
      api(`/api/series/${id}`),
      api(`/api/contents?series_id=${encodeURIComponent(id)}&sort=oldest&limit=100`),
    ]);
    heading.textContent = info.title;
    grid.replaceChildren(...page.items.map(card));
    if (info.description) heading.after(h('p', { class: 'description', text: info.description }));
  } catch (error) {
    grid.replaceChildren(notice(error.status === 404 ? 'This series does not exist.' : error.message));
  }
}
