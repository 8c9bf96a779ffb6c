import { scrub } from '../../log.js';

/**
 * GitHub refuses a commit status whose description is longer than 140 characters
 * ("description is too long (maximum is 140 characters)", HTTP 422); the OpenAPI description does
 * not state the limit, the API enforces it.
 */
export const MAX_DESCRIPTION_LENGTH = 140;
const ELLIPSIS = '…';

/**
 * One line of at most `max` characters: whitespace collapsed, secrets scrubbed, and when too long
 * cut at the last word boundary that fits, followed by "…". Lengths are counted in UTF-16 units,
 * which is never less than GitHub's count of characters.
 */
export function statusDescription(text: string, max = MAX_DESCRIPTION_LENGTH): string {
  const line = scrub(text).replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  const room = max - ELLIPSIS.length;
  let cut = line.slice(0, room + 1);
  const lastSpace = cut.lastIndexOf(' ');
  // Cut at a word when one ends in the last half; a single long token (a path, a URL) is cut hard.
  cut = lastSpace >= room / 2 ? cut.slice(0, lastSpace) : cut.slice(0, room);
  cut = cut.replace(/[\s,;:.(–-]+$/u, '');
  // Never leave half of a surrogate pair at the end.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}${ELLIPSIS}`;
}
