/**
 * Whether Redis may evict the bridge's keys. Under memory pressure an eviction policy other than
 * `noeviction` deletes keys Redis picks: a ledger record (a grant lost), a tombstone shard or its layout
 * (a duplicate taken for a new order: a grant doubled). The `volatile-*` policies pick among keys with a
 * TTL, which is every finished record and every shard. Read from `INFO memory`, which managed Redis
 * services answer where they refuse CONFIG; on a Cluster, from every primary.
 */
import type { Cluster, Redis } from 'ioredis';
import { isIoredisCluster } from './ioredisShape.js';

/** What is wrong with such a Redis, in the words the log line and the health detail share. */
export const EVICTION_PROBLEM = 'Redis may evict keys under memory pressure: an evicted order record is a lost grant, an evicted tombstone a doubled one; set maxmemory-policy noeviction';

export interface EvictionRisk {
  /** `maxmemory-policy` as Redis reports it. */
  policy: string;
  /** `maxmemory` in bytes (above 0: Redis evicts once its data reaches it). */
  maxmemory: number;
  /** The node that reported it (`host:port`), on a Cluster. */
  node?: string;
}

/** The risk `INFO memory` text describes: undefined when Redis cannot evict (no maxmemory, or `noeviction`). */
export function evictionRiskOf(info: string): EvictionRisk | undefined {
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  const policy = field('maxmemory_policy');
  const maxmemory = Number(field('maxmemory') ?? '0');
  if (policy === undefined || policy === 'noeviction' || !(maxmemory > 0)) return undefined;
  return { policy, maxmemory };
}

export async function readEvictionRisk(client: Redis | Cluster): Promise<EvictionRisk | undefined> {
  if (!isIoredisCluster(client)) return evictionRiskOf(await client.info('memory'));
  for (const node of client.nodes('master')) {
    const risk = evictionRiskOf(await node.info('memory'));
    if (risk) return { ...risk, node: `${node.options.host ?? '?'}:${node.options.port ?? '?'}` };
  }
  return undefined;
}
