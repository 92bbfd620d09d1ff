/**
 * The seams VNGates plugs into: where `/rolelist` reads a user's roles from, and the game's check of a
 * payment's product and amount before it is recorded.
 */

/** One role as `/rolelist` lists it. */
export interface RoleListing {
  roleId: string;
  roleName: string;
  serverId: string;
  serverName: string;
  /** Epoch milliseconds of the role's last login; 0 when never seen. */
  loginTime: number;
}

/** Where the roles of a user come from (the rooms layer's role registry implements it). */
export interface RoleLookup {
  rolesOf(userId: string): Promise<RoleListing[]>;
}

export interface ProductCheck {
  productId: string | undefined;
  amount: number;
  userId: string;
  serverId: string | undefined;
}

/**
 * Checks a paid `/addgold` order against the game's catalogue before it is recorded: `true` accepts,
 * `false` or a reason text (or `{ ok: false, reason }`) refuses it with VNGates's failure answer. Throwing
 * answers "retry later" (HTTP 500) without recording anything.
 */
export type VerifyProduct = (check: ProductCheck) => boolean | string | { ok: boolean; reason?: string } | Promise<boolean | string | { ok: boolean; reason?: string }>;

/** A user as VNGates's `userinfo` describes them. */
export interface VngatesUser {
  userId: string;
  username: string;
  accessToken?: string;
  /** Epoch milliseconds when the access token expires, as VNGates sends it. */
  accessExpires?: number;
  refreshToken?: string;
  refreshExpires?: number;
  /** The whole answer as received, unknown fields included. */
  raw: Record<string, unknown>;
}
