// The player: the edge's progressive MP4 in a <video>. Before the element gets the URL the
// page asks the edge itself (a one-byte range read that also starts the stream), because a
// refused media request tells a page nothing: over the per-user limit it shows the live
// streams with a way to end one and go on. Progress is saved every 10 s, on pause and when
// leaving (keepalive), and the stream is ended when the viewer leaves. A token that can no
// longer restart a lapsed stream (a long pause) is renewed for the same sid.
import { h, notice, button, toast } from '../dom.js';
import { api, beacon } from '../api.js';
import { clock } from '../format.js';
import { handsTable, loadTitle } from './title.js';
import { sessionsTable } from './streams.js';
import { loadStoryboard, cueAt } from './storyboard.js';

const SAVE_EVERY_MS = 10_000;

export async function probe(url) {
  try {
    const response = await fetch(url, { headers: { Range: 'bytes=0-0' }, cache: 'no-store' });
    if (response.ok) {
      await response.arrayBuffer();
      return { ok: true, status: response.status };
    }
    const body = await response.json().catch(() => null);
    const error = (body && body.error) || {};
    return { ok: false, status: response.status, code: error.code || '', details: error.details || {}, retryAfter: Number(response.headers.get('retry-after')) || 0 };
  } catch {
    return { ok: false, status: 0, code: 'NETWORK', details: {} };
  }
}

function timeline(duration, hands, seek) {
  const range = h('input', { type: 'range', id: 'scrub', min: 0, max: Math.max(1, Math.floor(duration)), step: 1, value: 0, 'aria-label': 'Position', 'aria-valuetext': '0:00' });
  const marks = h('div', { class: 'marks', 'aria-hidden': 'true' });
  for (const hand of hands) {
    const mark = h('span', { class: 'mark' });
    mark.style.left = `${(hand.start_seconds / duration) * 100}%`;
    mark.style.width = `${Math.max(0.5, ((hand.end_seconds - hand.start_seconds) / duration) * 100)}%`;
    marks.append(mark);
  }
  const img = h('img', { alt: '' });
  const stamp = h('span', { class: 'sb-time' });
  const preview = h('div', { class: 'sb-preview', hidden: true, 'aria-hidden': 'true' }, h('div', { class: 'sb-frame' }, img), stamp);
  range.addEventListener('input', () => seek(Number(range.value)));
  return { node: h('div', { class: 'timeline' }, marks, range, preview), range, preview, img, stamp };
}

export default async function watch(ctx) {
  const id = ctx.params.id;
  const asked = ctx.query.has('t') ? Math.max(0, Number(ctx.query.get('t')) || 0) : null;
  if (asked !== null) history.replaceState(null, '', `#/watch/${id}`);  // a reload asks again
  const video = h('video', { id: 'video', controls: true, preload: 'auto', playsinline: true });
  const status = h('p', { class: 'player-status', role: 'status' });
  const panel = h('div', { class: 'player-panel', 'aria-live': 'polite' });
  const ask = h('div', { class: 'player-panel' });
  const heading = h('h1', { class: 'player-title', text: '\u00a0' });
  const stage = h('div', { class: 'stage' }, video, ask, panel);
  const side = h('aside', { class: 'player-side', 'aria-label': 'Hands' });
  ctx.mount(h('div', { class: 'player' }, h('div', { class: 'player-main' }, heading, stage, status), side));

  let content;
  let info;
  let progress;
  try {
    [content, info, progress] = await loadTitle(id, { infoRequired: true });
  } catch (error) {
    panel.replaceChildren(notice(error.message));
    return null;
  }
  heading.textContent = content.title;
  video.setAttribute('aria-label', content.title);
  const hands = [...info.hands].sort((a, b) => a.start_seconds - b.start_seconds);
  const zones = info.skip_zones || [];
  const total = () => (Number.isFinite(video.duration) && video.duration) || info.duration_seconds || content.duration_seconds || 0;

  let issued = null;
  let closed = false;
  let started = false;  // playback began: only then is a position worth saving
  let lastSaved = -1;
  let lastTime = 0;
  let recovering = null;
  let recoveries = 0;
  let pendingStart = 0;  // where a refused stream starts once admitted (after ending another)

  // ----- controls beside the video
  const nextHand = button('Next hand', () => jumpToNext(), { id: 'next-hand', 'aria-keyshortcuts': 'N' });
  const skip = button('Skip to the next hand', () => skipZone(), { id: 'skip-zone', hidden: true, class: 'primary' });
  const bar = timeline(total() || 1, hands, (t) => seek(t, false));
  const list = handsTable(id, hands, (hand) => seek(hand.start_seconds, true));
  side.replaceChildren(h('h2', { text: `Hands (${hands.length})` }), h('p', { class: 'actions' }, nextHand, skip), list);
  stage.after(bar.node);

  function seek(t, play) {
    video.currentTime = Math.max(0, Math.min(t, total() || t));
    if (play && video.paused) playNow();
  }
  function jumpToNext() {
    const next = hands.find((hand) => hand.start_seconds > video.currentTime + 0.5);
    if (next) seek(next.start_seconds, true); else toast('No more hands in this video.');
  }
  function skipZone() {
    const zone = zones.find((z) => video.currentTime >= z.start_seconds && video.currentTime < z.end_seconds - 0.5);
    if (zone) seek(zone.end_seconds, true);
  }
  function playNow() {
    return video.play().catch((error) => {
      if (error.name !== 'NotAllowedError' || video.muted) return;
      // The browser allows only silent autoplay here: play muted, offer the sound.
      video.muted = true;
      video.play().catch(() => {});
      panel.replaceChildren(button('Sound is off: unmute', () => { video.muted = false; panel.replaceChildren(); }, { class: 'primary' }));
    });
  }

  // ----- progress
  function save(keepalive = false) {
    const duration = total();
    const position = Math.min(video.currentTime || lastTime, duration);
    if (!started || !duration || !(position >= 0)) return null;
    if (!keepalive && Math.abs(position - lastSaved) < 0.5) return null;
    lastSaved = position;
    const body = { position_seconds: position, duration_seconds: duration, client_ts: Date.now() };
    const path = `/api/stream/${id}/progress`;
    return keepalive ? beacon(path, 'PUT', body) : api(path, { method: 'PUT', body }).catch(() => null);
  }
  const saver = setInterval(() => { if (!video.paused) save(); }, SAVE_EVERY_MS);

  // ----- admission, refusals, renewal
  async function begin() {
    panel.replaceChildren();
    status.textContent = 'Starting…';
    try {
      issued = await api(`/api/stream/${id}/token`, { method: 'POST' });
    } catch (error) {
      panel.replaceChildren(notice(`This video cannot be started: ${error.message}`));
      return false;
    }
    return admit();
  }

  async function admit() {
    const verdict = await probe(issued.url);
    if (closed) return false;
    if (!verdict.ok) { refused(verdict); return false; }
    panel.replaceChildren();
    status.textContent = '';
    if (video.getAttribute('src') !== issued.url) video.src = issued.url;
    return true;
  }

  async function refused(verdict) {
    status.textContent = '';
    if (verdict.status === 429 && verdict.code === 'STREAM_LIMIT_USER') {
      const { current = '?', limit = '?' } = verdict.details;
      const box = h('div', { class: 'notice limit', role: 'alert', id: 'stream-limit' },
        h('h2', { text: 'Too many streams' }),
        h('p', { text: `You are already watching ${current} streams; the limit is ${limit}. End one of them to watch here.` }));
      panel.replaceChildren(box);
      try {
        const table = await sessionsTable(async () => { if (await admit()) playNow(); }, issued.sid);
        box.append(table.node);
      } catch (error) {
        box.append(h('p', { text: `Your streams could not be listed: ${error.message}` }));
      }
    } else if (verdict.status === 503) {
      panel.replaceChildren(notice(`Every stream is busy right now. Try again${verdict.retryAfter ? ` in ${verdict.retryAfter} s` : ''}.`,
        button('Try again', async () => { if (await admit()) playNow(); })));
    } else if (verdict.status === 410 && verdict.code === 'STREAM_ENDED') {
      panel.replaceChildren(notice('This stream was ended (from My streams or another device).',
        button('Watch again', async () => { if (await begin()) { video.currentTime = lastTime; playNow(); } })));
    } else {
      panel.replaceChildren(notice(`This video cannot be played (${verdict.code || verdict.status}).`,
        button('Try again', async () => { if (await begin()) playNow(); })));
    }
  }

  // The element failed or a paused stream is resumed after its token's time: ask the edge
  // why, renew the token when it can no longer restart the lapsed stream, go on where we were.
  function recover() {
    if (recovering || closed || !issued) return recovering;
    recoveries += 1;
    if (recoveries > 3) {
      panel.replaceChildren(notice('This video keeps failing to play. Try again later.'));
      return null;
    }
    setTimeout(() => { recoveries = Math.max(0, recoveries - 1); }, 60_000);
    recovering = (async () => {
      const at = lastTime;
      let verdict = await probe(issued.url);
      if (verdict.status === 410 && verdict.code === 'TOKEN_EXPIRED') {
        try {
          issued = await api(`/api/stream/${issued.sid}/renew`, { method: 'POST' });
        } catch {
          issued = await api(`/api/stream/${id}/token`, { method: 'POST' });
        }
        verdict = await probe(issued.url);
      }
      if (closed) return;
      if (!verdict.ok) { refused(verdict); return; }
      if (video.error || video.getAttribute('src') !== issued.url) {
        video.src = issued.url;
        video.currentTime = at;
        playNow();
      }
    })().catch(() => {}).finally(() => { recovering = null; });
    return recovering;
  }

  // ----- element events
  let pausedAt = 0;
  video.addEventListener('playing', () => { started = true; status.textContent = ''; });
  video.addEventListener('pause', () => { pausedAt = Date.now(); if (!video.ended) save(); });
  video.addEventListener('ended', () => save());
  video.addEventListener('play', () => {
    if (issued && pausedAt && Date.now() > Date.parse(issued.expires_at)) recover();
  });
  video.addEventListener('error', () => recover());
  video.addEventListener('waiting', () => { status.textContent = 'Loading…'; });
  video.addEventListener('timeupdate', () => {
    const t = video.currentTime;
    lastTime = t;
    bar.range.value = String(Math.floor(t));
    bar.range.setAttribute('aria-valuetext', clock(t));
    skip.hidden = !zones.some((z) => t >= z.start_seconds && t < z.end_seconds - 0.5 && z.end_seconds < total());
    [...list.querySelectorAll('li')].forEach((li, i) => {
      const hand = hands[i];
      li.classList.toggle('current', t >= hand.start_seconds && t < hand.end_seconds);
    });
  });
  video.addEventListener('durationchange', () => {
    bar.range.max = String(Math.max(1, Math.floor(total())));
  });

  // ----- keyboard: the player's keys, unless the focus is in a control of its own
  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.target.closest('input, textarea, select, button, a')) return;
    const actions = {
      ' ': () => (video.paused ? playNow() : video.pause()),
      k: () => (video.paused ? playNow() : video.pause()),
      ArrowLeft: () => seek(video.currentTime - 10, false),
      ArrowRight: () => seek(video.currentTime + 10, false),
      j: () => seek(video.currentTime - 10, false),
      l: () => seek(video.currentTime + 10, false),
      n: jumpToNext,
      s: skipZone,
      m: () => { video.muted = !video.muted; },
      f: () => (document.fullscreenElement ? document.exitFullscreen() : video.requestFullscreen()),
    };
    const action = actions[event.key];
    if (action) { event.preventDefault(); action(); }
  }
  document.addEventListener('keydown', onKey);

  // ----- storyboard previews on the timeline
  loadStoryboard(content).then((cues) => {
    if (!cues || closed) return;
    const show = (t, x) => {
      const cue = cueAt(cues, t);
      if (!cue) { bar.preview.hidden = true; return; }
      bar.preview.hidden = false;
      bar.preview.style.left = `${x}px`;
      const frame = bar.preview.firstChild;
      frame.style.width = `${cue.w}px`;
      frame.style.height = `${cue.h}px`;
      if (bar.img.getAttribute('src') !== cue.url) bar.img.src = cue.url;
      bar.img.style.left = `${-cue.x}px`;
      bar.img.style.top = `${-cue.y}px`;
      bar.stamp.textContent = clock(t);
    };
    bar.range.addEventListener('pointermove', (event) => {
      const box = bar.range.getBoundingClientRect();
      const ratio = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      show(ratio * total(), event.clientX - box.left);
    });
    bar.range.addEventListener('pointerleave', () => { bar.preview.hidden = true; });
    bar.node.classList.add('has-storyboard');
  });

  // ----- leaving: save where we are, end the stream, stop the element's requests
  function leave() {
    if (closed) return;
    closed = true;
    clearInterval(saver);
    document.removeEventListener('keydown', onKey);
    removeEventListener('pagehide', leave);
    save(true);
    if (issued) beacon(`/api/stream/sessions/${encodeURIComponent(issued.sid)}`, 'DELETE');
    video.pause();
    video.removeAttribute('src');
    video.load();
  }
  addEventListener('pagehide', leave);

  // ----- start: the stream is admitted while the viewer answers the resume question
  const resumeAt = progress && progress.state === 'in_progress' ? progress.position_seconds : 0;
  const decided = asked !== null || !resumeAt
    ? Promise.resolve(asked ?? 0)
    : new Promise((resolve) => {
      const yes = button(`Resume from ${clock(resumeAt)}`, () => resolve(resumeAt), { class: 'primary', id: 'resume' });
      ask.replaceChildren(h('div', { class: 'prompt', role: 'dialog', 'aria-label': 'Resume' },
        h('p', { text: `Resume from ${clock(resumeAt)}?` }), yes, button('Start over', () => resolve(0), { id: 'start-over' })));
      yes.focus();
    });
  (async () => {
    const [position, admitted] = await Promise.all([decided, begin()]);
    ask.replaceChildren();
    if (closed) return;
    if (position > 0) video.currentTime = position;
    if (admitted) playNow();
    else pendingStart = position;
  })();
  video.addEventListener('loadedmetadata', () => {
    if (pendingStart > 0 && video.currentTime < 1) video.currentTime = pendingStart;
    pendingStart = 0;
  });
  return leave;
}
