// Calendar days as the platform reads them: `YYYY-MM-DD` strings, checked and shifted in UTC-free
// integer arithmetic so the machine's time zone can never move a day.

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface Day {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number; // 1..31
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The day a `YYYY-MM-DD` string names, or undefined when it is not one (wrong shape or no such day). */
export function parseIsoDay(text: string): Day | undefined {
  const match = ISO_DAY.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

export function formatDay({ year, month, day }: Day): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Adds whole days through the proleptic Gregorian day count, so month and year ends carry over. */
export function addDays(start: Day, days: number): Day {
  const ms = Date.UTC(start.year, start.month - 1, start.day) + days * 86_400_000;
  const date = new Date(ms);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** Adds months keeping the day of the month, clamped to the last day of a shorter month (Jan 31 + 1m = Feb 28/29). */
export function addMonths(start: Day, months: number): Day {
  const index = start.year * 12 + (start.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { year, month, day: Math.min(start.day, daysInMonth(year, month)) };
}

export type ExpirationUnit = 'd' | 'w' | 'm' | 'y';

export function normaliseUnit(unit: string): ExpirationUnit | undefined {
  const lower = unit.trim().toLowerCase();
  return lower === 'd' || lower === 'w' || lower === 'm' || lower === 'y' ? lower : undefined;
}

/** valid_from + a package's expiration, the create's default valid_until. */
export function addExpiration(start: Day, amount: number, unit: ExpirationUnit): Day {
  switch (unit) {
    case 'd':
      return addDays(start, amount);
    case 'w':
      return addDays(start, amount * 7);
    case 'm':
      return addMonths(start, amount);
    case 'y':
      return addMonths(start, amount * 12);
  }
}
