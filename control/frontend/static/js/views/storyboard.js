// Scrubbing previews from a storyboard: a WebVTT file whose cues name regions of a sprite
// image (`sprite.jpg#xywh=x,y,w,h`), as the worker writes them beside a content's poster.

function seconds(stamp) {
  const parts = stamp.trim().split(':').map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

export function parseStoryboard(text, base) {
  const cues = [];
  for (const block of text.replace(/\r/g, '').split(/\n\n+/)) {
    const lines = block.split('\n').filter(Boolean);
    const at = lines.findIndex((line) => line.includes('-->'));
    if (at < 0 || !lines[at + 1]) continue;
    const [from, to] = lines[at].split('-->').map((s) => s.trim().split(/\s+/)[0]);
    const [file, fragment = ''] = lines[at + 1].trim().split('#');
    const box = /xywh=(\d+),(\d+),(\d+),(\d+)/.exec(fragment);
    if (!box) continue;
    const [x, y, w, hgt] = box.slice(1).map(Number);
    cues.push({ start: seconds(from), end: seconds(to), url: new URL(file, base).href, x, y, w, h: hgt });
  }
  return cues.sort((a, b) => a.start - b.start);
}

export function cueAt(cues, t) {
  let lo = 0;
  let hi = cues.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cues[mid].end <= t) lo = mid + 1;
    else if (cues[mid].start > t) hi = mid - 1;
    else return cues[mid];
  }
  return null;
}

function beside(url, name) {
  const u = new URL(url, location.href);
  u.pathname = u.pathname.replace(/[^/]*$/, name);
  return u.href;
}

// The content's storyboard cues, or null when it has none (no thumbnails yet, or no worker).
export async function loadStoryboard(content) {
  const vtt = content.storyboard_vtt_url || content.storyboard_url ||
    (content.thumbnail_url ? beside(content.thumbnail_url, 'storyboard.vtt') : null);
  if (!vtt) return null;
  try {
    const response = await fetch(vtt);
    if (!response.ok) return null;
    const cues = parseStoryboard(await response.text(), vtt);
    return cues.length ? cues : null;
  } catch {
    return null;
  }
}
