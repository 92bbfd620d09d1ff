/**
 * SUD's lines in the journal (a job's timeline on the desk). They expire with the job's record: a
 * journal outliving `recordDays` would describe a match Redis no longer knows, and with `journal.ttlDays`
 * 0 ("as long as the order") nothing else would ever remove it.
 */
import type { SubjectJournal } from '../../ledger/journal.js';

export type SudNote = (jobId: string, event: string, fields?: Record<string, unknown>) => void;

export function sudNotes(journal: SubjectJournal | undefined, recordMs: number): SudNote | undefined {
  if (!journal) return undefined;
  const own = journal.journal.ttlMs;
  const ttlMs = own > 0 ? Math.min(own, recordMs) : recordMs;
  return (jobId, event, fields) => journal.note('sud', jobId, event, fields, ttlMs);
}
