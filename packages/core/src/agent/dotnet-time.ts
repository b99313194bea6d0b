/** `DateTime.MinValue` as EA reports it: the time of something that never happened (reference §2.1). */
export const DOTNET_MIN_TIME = '0001-01-01T00:00:00';
const DOTNET_MAX_TIME = '9999-12-31T23:59:59.9999999';

/**
 * Formats epoch ms as EA's reported timestamps (reference §2.1): Newtonsoft's default
 * `yyyy-MM-ddTHH:mm:ss.FFFFFFF` in UTC without a zone suffix, where trailing zeros of the fraction (and a bare
 * `.`) are dropped: `2021-06-12T00:27:46.383`, `2021-06-12T00:27:46`. Absent, non-finite or pre-year-1 times
 * give {@link DOTNET_MIN_TIME}; times after year 9999 give `DateTime.MaxValue`.
 */
export function formatDotNetTime(epochMs: number | undefined): string {
  if (epochMs === undefined || !Number.isFinite(epochMs)) return DOTNET_MIN_TIME;
  const date = new Date(Math.trunc(epochMs));
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < 1) return DOTNET_MIN_TIME;
  if (year > 9999) return DOTNET_MAX_TIME;
  const iso = date.toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ for years 0..9999
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  return fraction === '' ? iso.slice(0, 19) : `${iso.slice(0, 19)}.${fraction}`;
}
