// A title: description, facts, hands (with players and a jump-to) and skip zones.
import { h, notice } from '../dom.js';
import { api } from '../api.js';
import { clock, duration, EVENT_TYPES } from '../format.js';
import { poster } from './cards.js';

export function handsTable(contentId, hands, onJump) {
  if (!hands.length) return h('p', { class: 'muted', text: 'No hands are marked in this video.' });
  return h('ol', { class: 'hands' }, hands.map((hand) => h('li', { 'data-start': hand.start_seconds },
    h('span', { class: 'hand-time', text: `${clock(hand.start_seconds)}–${clock(hand.end_seconds)}` }),
    h('span', { class: 'hand-title', text: hand.title || `Hand ${hand.hand_index}` }),
    h('span', { class: 'hand-players', text: (hand.players || []).join(' vs ') }),
    hand.pot_size ? h('span', { class: 'hand-pot', text: `pot ${Number(hand.pot_size).toLocaleString()}` }) : null,
    onJump
      ? h('button', { type: 'button', class: 'jump', onclick: () => onJump(hand), 'aria-label': `Jump to ${hand.title || `hand ${hand.hand_index}`} at ${clock(hand.start_seconds)}` }, 'Jump to')
      : h('a', { class: 'jump', href: `#/watch/${contentId}?t=${Math.floor(hand.start_seconds)}`, 'aria-label': `Watch ${hand.title || `hand ${hand.hand_index}`} from ${clock(hand.start_seconds)}` }, 'Jump to'))));
}

function skipZones(zones) {
  if (!zones.length) return null;
  return h('section', { 'aria-labelledby': 'zones-title' },
    h('h2', { id: 'zones-title', text: 'Skip zones' }),
    h('p', { class: 'muted', text: 'Stretches with no hand, which the player offers to skip.' }),
    h('ul', { class: 'zones' }, zones.map((z) => h('li', { text: `${clock(z.start_seconds)}–${clock(z.end_seconds)}` }))));
}

function fact(term, value) {
  return value ? [h('dt', { text: term }), h('dd', { text: value })] : [];
}

// The content, its stream info and the caller's progress (null when not loadable); a load
// failure is thrown as a sentence for a notice.
export async function loadTitle(id, { infoRequired = false } = {}) {
  try {
    return await Promise.all([
      api(`/api/contents/${id}`),
      infoRequired ? api(`/api/stream/${id}/info`) : api(`/api/stream/${id}/info`).catch(() => null),
      api(`/api/stream/${id}/progress`).catch(() => null),
    ]);
  } catch (error) {
    throw new Error(error.status === 404 ? 'This title does not exist.' : `This title could not be loaded: ${error.message}`);
  }
}

export default async function title(ctx) {
  const id = ctx.params.id;
  const page = h('article', { class: 'title-page', 'aria-busy': 'true' }, h('div', { class: 'thumb skeleton' }));
  ctx.mount(page);
  let content;
  let info;
  let progress;
  try {
    [content, info, progress] = await loadTitle(id);
  } catch (error) {
    page.replaceChildren(notice(error.message));
    return;
  }
  const resumeAt = progress && progress.state === 'in_progress' ? progress.position_seconds : 0;
  const actions = h('p', { class: 'actions' });
  if (!content.available) {
    actions.append(h('span', { class: 'notice', text: 'This recording is not available at the moment.' }));
  } else if (resumeAt) {
    actions.append(
      h('a', { class: 'button primary', href: `#/watch/${id}?t=${Math.floor(resumeAt)}`, id: 'play' }, `Resume from ${clock(resumeAt)}`),
      h('a', { class: 'button', href: `#/watch/${id}?t=0` }, 'Play from the start'));
  } else {
    actions.append(h('a', { class: 'button primary', href: `#/watch/${id}?t=0`, id: 'play' }, 'Play'));
  }
  const hands = info ? info.hands : [];
  page.replaceChildren(
    h('div', { class: 'title-head' },
      poster(content),
      h('div', {},
        h('h1', { text: content.title }),
        content.short_title && content.short_title !== content.title ? h('p', { class: 'muted', text: content.short_title }) : null,
        h('dl', { class: 'facts' },
          fact('Duration', duration(content.duration_seconds ?? (info && info.duration_seconds))),
          fact('Quality', content.quality),
          fact('Year', content.year),
          fact('Brand', content.brand),
          fact('Event', EVENT_TYPES[content.event_type])),
        content.series_id ? h('p', {}, h('a', { href: `#/series/${content.series_id}` }, 'More from this series')) : null,
        actions,
        content.description ? h('p', { class: 'description', text: content.description }) : null)),
    h('section', { 'aria-labelledby': 'hands-title' }, h('h2', { id: 'hands-title', text: `Hands (${hands.length})` }), handsTable(id, hands)),
    skipZones(info ? info.skip_zones : []));
  page.removeAttribute('aria-busy');
}
