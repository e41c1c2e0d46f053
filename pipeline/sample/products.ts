/**
 * The products tickets are about, and the customers who own them: a product serial (机身条码) on
 * most tickets, the customer's phone on nearly all, and return visits: a repair that comes back to
 * a product serviced a few days or weeks before (返修, counted when within 90 days of the earlier
 * completion), now and then months later (not counted).
 *
 * The book keeps, per day of completion, a bounded handful of recently completed tickets' products
 * to draw return visits from, so that memory stays flat at millions of tickets.
 * Owns serials, phone numbers and their spellings, and the return-visit draw. Imports only siblings.
 */
import { MIN_PER_DAY, padN } from './calendar.ts';
import type { Tech } from './people.ts';
import type { Rng } from './random.ts';

/** serial prefixes by product category; unknown categories get the generic one */
const SERIAL_PREFIX: Record<string, string> = { 空调: 'KT', 冰箱: 'BX', 洗衣机: 'XY', 热水器: 'RS', 电视: 'DS', 厨电: 'CD' };
const SERIAL_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';

/** a product as the tickets about it identify it */
export interface Product {
  /** '' when the ticket does not record it */
  serial: string;
  /** the customer's phone as digits, '' when not given */
  phone: string;
  category: string;
}

/** a completed ticket a later visit can come back to */
export interface ProductVisit {
  product: Product;
  completed: number;
  tech: Tech | null;
  outlet: number;
}

/** a return visit: the earlier ticket, and whether it is within the 90 days that make it a repeat */
export interface ReturnVisit {
  earlier: ProductVisit;
  withinWindow: boolean;
}

/** share of repair tickets that come back to a product already serviced, and of those the late ones */
const RETURN_SHARE = 0.045;
const LATE_RETURN_SHARE = 0.2;
/** completed tickets kept per day to draw return visits from, and how many days back */
const PER_DAY = 64;
const KEEP_DAYS = 160;

export class ProductBook {
  private readonly byDay = new Map<number, ProductVisit[]>();
  private oldestDay = Number.POSITIVE_INFINITY;

  /** a repair ticket created at `created`: the earlier visit it returns to, if it is a return visit */
  returnVisit(rng: Rng, created: number): ReturnVisit | null {
    if (!rng.chance(RETURN_SHARE)) return null;
    const withinWindow = !rng.chance(LATE_RETURN_SHARE);
    // most repeats come within two or three weeks; the late ones between three and five months
    const days = withinWindow ? 1 + Math.floor(88 * rng.next() ** 2) : rng.int(92, 150);
    const bucket = this.byDay.get(Math.floor(created / MIN_PER_DAY) - days);
    if (bucket === undefined || bucket.length === 0) return null;
    // a poor technician's work comes back more often: a careful one's pick is tried again once
    let earlier = bucket[rng.int(0, bucket.length - 1)] as ProductVisit;
    if (!(earlier.tech?.bad ?? false) && rng.chance(0.5)) earlier = bucket[rng.int(0, bucket.length - 1)] as ProductVisit;
    return { earlier, withinWindow };
  }

  /** a completed ticket's product, kept for the return visits of the next months */
  add(rng: Rng, visit: ProductVisit): void {
    if (visit.product.serial === '' && visit.product.phone === '') return;
    const day = Math.floor(visit.completed / MIN_PER_DAY);
    let bucket = this.byDay.get(day);
    if (bucket === undefined) {
      bucket = [];
      this.byDay.set(day, bucket);
      this.oldestDay = Math.min(this.oldestDay, day);
    }
    if (bucket.length < PER_DAY) bucket.push(visit);
    else bucket[rng.int(0, PER_DAY - 1)] = visit;
    this.forgetBefore(day - KEEP_DAYS);
  }

  private forgetBefore(day: number): void {
    while (this.oldestDay < day) {
      this.byDay.delete(this.oldestDay);
      this.oldestDay++;
    }
  }
}

/**
 * A new product: serial recorded on most tickets (nearly every install registers one, a phone
 * consultation seldom has it at hand), the phone on nearly all.
 */
export function newProduct(rng: Rng, category: string, serialShare: number): Product {
  const serial = rng.chance(serialShare) ? drawSerial(rng, category) : '';
  const phone = rng.chance(0.99) ? drawPhone(rng) : '';
  return { serial, phone, category };
}

/** the product of a return visit: same customer and category, and the serial unless this ticket left it out */
export function sameProduct(rng: Rng, earlier: Product): Product {
  const serial = earlier.serial !== '' && rng.chance(0.95) ? earlier.serial : '';
  return { serial, phone: earlier.phone, category: earlier.category };
}

/** KT24A123456789: category, year of make, a letter, nine digits (no run of ten or more, which reads as a phone) */
function drawSerial(rng: Rng, category: string): string {
  const prefix = SERIAL_PREFIX[category] ?? 'JD';
  const year = padN(rng.int(18, 26), 2);
  const letter = SERIAL_LETTERS[rng.int(0, SERIAL_LETTERS.length - 1)] as string;
  return prefix + year + letter + String(rng.int(100_000_000, 999_999_999));
}

function drawPhone(rng: Rng): string {
  return '1' + (rng.next() < 0.5 ? '3' : rng.next() < 0.5 ? '5' : '8') + padN(Math.floor(rng.next() * 1e9), 9);
}

/** a phone as one export row spells it: mostly bare digits, now and then grouped or with the country code */
export function spellPhone(spellingRng: Rng, digits: string): string {
  if (digits === '') return '';
  const r = spellingRng.next();
  const [a, b, c] = [digits.slice(0, 3), digits.slice(3, 7), digits.slice(7)];
  if (r < 0.12) return `${a} ${b} ${c}`;
  if (r < 0.22) return `+86 ${a}-${b}-${c}`;
  return digits;
}
