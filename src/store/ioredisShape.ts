/**
 * Recognises an ioredis client by what it can do, not by `instanceof`: the game may hand the bridge an
 * instance from another copy of ioredis (a second install, another major: `npm i ioredis` gives 6), which
 * is not an instance of the class the bridge imported. Both majors have the methods used here.
 */
import type { Cluster, Redis } from 'ioredis';

/** An ioredis 5 or 6 `Redis` or `Cluster`, typed as the ioredis the bridge was built with. */
export type IoredisInstance = Redis | Cluster;

const METHODS = ['duplicate', 'defineCommand', 'evalsha', 'on', 'quit', 'disconnect'] as const;

export function isIoredisInstance(v: unknown): v is IoredisInstance {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return METHODS.every((m) => typeof o[m] === 'function') && typeof o.status === 'string' && !!o.options && typeof o.options === 'object';
}

/** A Cluster of either major: both mark it `isCluster`; `nodes()` is the Cluster's own method. */
export function isIoredisCluster(v: IoredisInstance): v is Cluster {
  return (v as { isCluster?: unknown }).isCluster === true || typeof (v as { nodes?: unknown }).nodes === 'function';
}
