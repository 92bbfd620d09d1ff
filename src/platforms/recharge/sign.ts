/**
 * The recharge platform's MD5 signs. Each is the digest of the signed fields' text concatenated without
 * separators, key last. Received signs are compared in constant time and in either hex case: the document
 * asks for upper case on recharges and lower case on gift codes, and senders are not always consistent.
 */
import { md5Hex, safeEqual } from '../../signing.js';

export interface RechargeSignedFields {
  Amount: string;
  UserID: string;
  ZoneID: string;
  cporder_no: string;
  order_no: string;
  Time: string;
  /** HTTP only; an absent `fanli` is signed as the empty string. */
  fanli: string;
}

export interface GiftSignedFields {
  userId: string;
  zoneId: string;
  codeNo: string;
  giftId: string;
  lTime: string;
}

/** `http`: UPPER(md5(Amount+UserID+ZoneID+cporder_no+order_no+Time+fanli+key)); `socket`: the same without fanli. */
export function rechargeSign(f: RechargeSignedFields, key: string, path: 'http' | 'socket'): string {
  const base = f.Amount + f.UserID + f.ZoneID + f.cporder_no + f.order_no + f.Time;
  return md5Hex(base + (path === 'http' ? f.fanli : '') + key).toUpperCase();
}

/** md5(userId+zoneId+codeNo+giftId+lTime+gameKey), lower case. */
export function giftSign(f: GiftSignedFields, giftKey: string): string {
  return md5Hex(f.userId + f.zoneId + f.codeNo + f.giftId + f.lTime + giftKey);
}

export function verifyRechargeSign(received: string, f: RechargeSignedFields, key: string, path: 'http' | 'socket'): boolean {
  return safeEqual(received, rechargeSign(f, key, path), true);
}

export function verifyGiftSign(received: string, f: GiftSignedFields, giftKey: string): boolean {
  return safeEqual(received, giftSign(f, giftKey), true);
}
