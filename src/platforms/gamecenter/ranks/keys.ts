import type { KeySpace } from '../../../store/KeySpace.js';
import type { RankType } from '../client.js';

/** The keys of one rank type; the scripts touch them together, hence one hash tag. */
export interface RankTypeKeys {
  /** hash userId → latest value reported by any room */
  latest: string;
  /** hash userId → `<day>|<value>` of the last value GameCenter stored */
  sent: string;
  /** zset userId → when the user may be sent next (now, tomorrow, or the end of a claim's lease) */
  dirty: string;
  /** hash userId → fence of the claim that is sending the user right now */
  claims: string;
  /** counter giving each claim its fence */
  seq: string;
}

export function rankKeys(ks: KeySpace, type: RankType): RankTypeKeys {
  const k = (name: string) => ks.tagged(`gcrank:${type}`, name);
  return { latest: k('latest'), sent: k('sent'), dirty: k('dirty'), claims: k('claims'), seq: k('seq') };
}
