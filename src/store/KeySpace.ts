/**
 * Key naming. Everything the plugin owns lives under one prefix (default `platform:`) so it never collides
 * with Colyseus's own keys (`roomcaches`, `roomcount`, `$<roomId>` …). Keys that one script touches together
 * carry the same `{tag}` so a Redis Cluster maps them to one slot.
 * @remarks Extension point: `bridge.store.keys` names your own keys under the bridge's prefix.
 */
export class KeySpace {
  constructor(readonly prefix: string = 'platform:') {
    if (/[{}]/.test(prefix)) throw new Error(`key prefix must not contain "{" or "}" (got ${JSON.stringify(prefix)})`);
  }

  /** A key of its own slot: `<prefix>a:b:c`. */
  key(...parts: Array<string | number>): string {
    return this.prefix + parts.join(':');
  }

  /** A key in the slot of `tag`: `<prefix>{tag}:a:b`. */
  tagged(tag: string, ...parts: Array<string | number>): string {
    return `${this.prefix}{${tag}}${parts.length ? ':' + parts.join(':') : ''}`;
  }

  /** A pub/sub channel name (channels are not slotted the same way, but are kept under the prefix). */
  channel(...parts: Array<string | number>): string {
    return this.prefix + 'ch:' + parts.join(':');
  }
}
