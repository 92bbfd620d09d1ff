/**
 * The example game's "database": an in-memory wallet whose credit is idempotent on the order's key,
 * which is what a real game's grant handler must do too (in its own store: a unique index on the key).
 */
export class TrialWallet {
  private readonly balances = new Map<string, number>();
  private readonly applied = new Set<string>();
  private readonly redeemed = new Set<string>();

  credit(userId: string, amount: number, idempotencyKey: string): { items: Array<{ id: string; n: number }> } {
    if (!this.applied.has(idempotencyKey)) {
      this.applied.add(idempotencyKey);
      this.balances.set(userId, (this.balances.get(userId) ?? 0) + amount);
    }
    return { items: [{ id: 'gem', n: amount }] };
  }

  /** Takes back what an order credited (its platform revoked it), once per key. */
  debit(userId: string, amount: number, idempotencyKey: string): void {
    if (this.applied.has(idempotencyKey)) return;
    this.applied.add(idempotencyKey);
    this.balances.set(userId, (this.balances.get(userId) ?? 0) - amount);
  }

  private readonly totals = new Map<string, number>();

  /** A player's points across all matches and joins (what the score rank reports). */
  addPoints(userId: string, points: number): number {
    const v = (this.totals.get(userId) ?? 0) + points;
    this.totals.set(userId, v);
    return v;
  }

  points(userId: string): number {
    return this.totals.get(userId) ?? 0;
  }

  redeemGift(userId: string, codeNo: string): boolean {
    const key = `${userId}:${codeNo}`;
    if (this.redeemed.has(key)) return false;
    this.redeemed.add(key);
    return true;
  }

  private readonly scores = new Map<string, number>();

  /** Match results from settlements, applied once per match and player. */
  recordScore(userId: string, matchId: string, score: number): void {
    const key = `${matchId}:${userId}`;
    if (this.applied.has(key)) return;
    this.applied.add(key);
    this.scores.set(userId, (this.scores.get(userId) ?? 0) + score);
  }

  score(userId: string): number {
    return this.scores.get(userId) ?? 0;
  }

  balance(userId: string): number {
    return this.balances.get(userId) ?? 0;
  }
}
