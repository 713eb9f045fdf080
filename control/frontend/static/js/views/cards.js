// A content card: poster (a fixed 16:9 box, so nothing moves when images arrive), title,
// a line of facts and, in Continue Watching, how far the viewer got.
import { h } from '../dom.js';
import { duration, clock, percent, EVENT_TYPES } from '../format.js';

export function poster(item, label) {
  const box = h('div', { class: 'thumb' });
  const url = item.thumbnail_url;
  if (url) {
    box.append(h('img', { src: url, alt: label ?? `Poster of ${item.title}`, loading: 'lazy', decoding: 'async' }));
  } else {
    box.append(h('span', { class: 'thumb-text', 'aria-hidden': 'true', text: item.short_title || item.title }));
  }
  return box;
}

export function facts(item) {
  return [item.year, item.brand, EVENT_TYPES[item.event_type], item.quality, duration(item.duration_seconds)]
    .filter(Boolean).join(' · ');
}

export function card(item) {
  const hand = item.hand;
  const href = hand ? `#/watch/${item.id}?t=${Math.floor(hand.start_seconds)}` : `#/title/${item.id}`;
  const title = hand && hand.title ? hand.title : item.title;
  const parts = [poster(item), h('span', { class: 'card-title', text: title })];
  if (hand) {
    parts.push(h('span', { class: 'card-meta', text: `${(hand.players || []).join(' vs ')} · ${clock(hand.start_seconds)}` }));
  } else {
    parts.push(h('span', { class: 'card-meta', text: facts(item) }));
  }
  if (item.progress) {
    const ratio = item.progress.ratio;
    parts.push(h('progress', { class: 'watched', max: 1, value: ratio, 'aria-label': `Watched ${percent(ratio)}` }));
  }
  return h('li', {}, h('a', { class: 'card', href }, parts));
}

export function skeletonCards(count) {
  return Array.from({ length: count }, () => h('li', { 'aria-hidden': 'true' },
    h('div', { class: 'card skeleton' }, h('div', { class: 'thumb' }), h('span', { class: 'card-title', text: '\u00a0' }), h('span', { class: 'card-meta', text: '\u00a0' }))));
}
