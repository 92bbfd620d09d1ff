/**
 * Builds the requests each platform sends, signed as its document says, with switches to break the
 * signature on purpose. Field sets follow the spec examples.
 */
import { randomUUID } from 'node:crypto';
import { hmacSha1Hex, md5Hex } from '../signing.js';
import { TRIAL_VNGATES_SIGN_FIELDS } from './trialDefaults.js';

export interface RechargeInput {
  key: string;
  userId: string;
  amount: number;
  zoneId: string;
  orderNo?: string;
  roleId?: string;
  badSign?: boolean;
}

/**
 * A recharge order as the platform sends it, typed field by field so a test can build keys and signatures
 * from it; the index signature lets a test add or break fields on purpose.
 */
export interface RechargeOrder {
  Amount: number;
  BudanFlag: number;
  cc: string;
  ChargeTime: number;
  cporder_no: string;
  Id: string;
  ItemId: string;
  propId: string;
  order_no: string;
  RoleID: string;
  Time: number;
  UserID: string;
  ZoneID: string;
  currencyType: string;
  cmdId: number;
  /** HTTP only. */
  fanli?: string;
  Sign: string;
  [field: string]: unknown;
}

/** A recharge order (spec 002 §1.3 / §2.3). HTTP signs with `fanli`, the socket without. */
export function rechargeOrder(input: RechargeInput, path: 'http' | 'socket'): RechargeOrder {
  const cporder = input.orderNo ?? `SIM${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const time = Math.floor(Date.now() / 1000);
  // Sign goes last and fanli just before it, as the platform orders them.
  const o = {
    Amount: input.amount,
    BudanFlag: 0,
    cc: md5Hex(cporder).toUpperCase(),
    ChargeTime: time,
    cporder_no: cporder,
    Id: String(Math.floor(Math.random() * 9e6) + 1e6),
    ItemId: '0',
    propId: 'sim.pack',
    order_no: `CH${cporder}`,
    RoleID: input.roleId ?? '0',
    Time: time,
    UserID: input.userId,
    ZoneID: input.zoneId,
    currencyType: '2',
    cmdId: path === 'http' ? 1 : 2,
    ...(path === 'http' ? { fanli: '0' } : {}),
  };
  const signed = `${o.Amount}${o.UserID}${o.ZoneID}${o.cporder_no}${o.order_no}${o.Time}${o.fanli ?? ''}${input.key}`;
  return { ...o, Sign: md5Hex(input.badSign ? signed + 'x' : signed).toUpperCase() };
}

export interface GiftInput {
  giftKey: string;
  userId: string;
  zoneId: string;
  codeNo?: string;
  giftId?: string;
  badSign?: boolean;
}

/** A gift-code redemption as the platform sends it; the index signature lets a test add or break fields. */
export interface GiftRequest {
  userId: string;
  roleId: string;
  codeNo: string;
  giftId: string;
  chargeTime: string;
  lTime: string;
  zoneId: string;
  sign: string;
  [field: string]: unknown;
}

/** A gift-code redemption (spec 002 §4.3), signed md5(userId+zoneId+codeNo+giftId+lTime+gameKey) lower case. */
export function giftRequest(input: GiftInput): GiftRequest {
  const lTime = String(Math.floor(Date.now() / 1000));
  const codeNo = input.codeNo ?? `SIM${randomUUID().slice(0, 8).toUpperCase()}`;
  const giftId = input.giftId ?? 'QJS0697';
  const sign = md5Hex(input.userId + input.zoneId + codeNo + giftId + lTime + input.giftKey + (input.badSign ? 'x' : ''));
  return { userId: input.userId, roleId: '380395594', codeNo, giftId, chargeTime: new Date().toISOString().slice(0, 19).replace('T', ' '), lTime, zoneId: input.zoneId, sign };
}

export interface AddgoldInput {
  secret: string;
  userId: string;
  serverId: string;
  amount: string;
  transactionId?: string;
  status?: number;
  badSign?: boolean;
  /** Ordered fields of the sign template, '{secret}' for the key. */
  signFields?: readonly string[];
}

/** The VNGates /addgold query (spec 003), signed by the configured template. */
export function addgoldQuery(input: AddgoldInput): URLSearchParams {
  const q: Record<string, string> = {
    transaction_id: input.transactionId ?? String(Date.now()) + String(Math.floor(Math.random() * 1000)),
    amount: input.amount,
    user_id: input.userId,
    product_id: 'com.team.demo.goivang1',
    char_id: '43',
    response_time: String(Date.now()),
    server_id: input.serverId,
    status: String(input.status ?? 1),
  };
  const text = (input.signFields ?? TRIAL_VNGATES_SIGN_FIELDS).map((f) => (f === '{secret}' ? input.secret : (q[f] ?? ''))).join('');
  q.sign = md5Hex(input.badSign ? text + 'x' : text);
  return new URLSearchParams(q);
}

export function rolelistQuery(userId: string): URLSearchParams {
  return new URLSearchParams({ user_id: userId, sign: md5Hex(userId) });
}

export interface SudInput {
  appId: string;
  secret: string;
  roomId: string;
  notifyId?: string;
  matchId?: string;
  uids: string[];
  badSign?: boolean;
}

/** A SUD match.settle notification (spec 004) with its signature headers (notes/platforms.md §1.1). */
export function sudNotification(input: SudInput): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    notify_id: input.notifyId ?? `sim-${randomUUID()}`,
    notify_time: String(Date.now()),
    app_id: input.appId,
    notify_event: 'sud.mg.merchant.match.settle',
    data: {
      mg_id: '1557194155570024449',
      room_id: input.roomId,
      game_mode: 1,
      match_id: input.matchId ?? `sim-match-${randomUUID().slice(0, 8)}`,
      battle_start_at: String(Math.floor(Date.now() / 1000) - 272),
      battle_end_at: String(Math.floor(Date.now() / 1000)),
      battle_duration: '272',
      results: input.uids.map((uid, i) => ({ is_ai: 0, uid, score: i === 0 ? 100 : -100, remain_score: 0, commission_score: 0 })),
      report_game_info_key: 'key001',
      report_game_info_extras: 'extras',
    },
  });
  const timestamp = String(Date.now());
  const nonce = randomUUID().replace(/-/g, '').slice(0, 16);
  const signature = hmacSha1Hex(input.secret, `${input.appId}\n${timestamp}\n${nonce}\n${body}\n`);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'Sud-AppId': input.appId,
      'Sud-Timestamp': timestamp,
      'Sud-Nonce': nonce,
      'Sud-Signature': input.badSign ? signature.replace(/^./, (c) => (c === '0' ? '1' : '0')) : signature,
    },
  };
}
