/** Retention windows of a fraction of a day, so a record's TTL and its tombstone's run out within seconds. */
export const DAY = 86_400_000;
export const RECORD_DAYS = 0.00001; // 864 ms
export const DEDUPE_DAYS = 0.00006; // 5,184 ms
export const RECORD_MS = Math.round(RECORD_DAYS * DAY);
export const DEDUPE_MS = Math.round(DEDUPE_DAYS * DAY);
