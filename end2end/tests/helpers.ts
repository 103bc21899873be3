import { Page, expect } from "@playwright/test";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Messages the SMTP server (aiosmtpd, Mailbox handler) stored for `to`, newest last. */
export function mailsTo(to: string): { subject: string; body: string }[] {
  const dir = process.env.GATEHOUSE_E2E_MAILDIR;
  if (!dir) throw new Error("GATEHOUSE_E2E_MAILDIR is not set");
  const out: { subject: string; body: string; mtime: number }[] = [];
  for (const sub of ["new", "cur"]) {
    const d = path.join(dir, sub);
    if (!fs.existsSync(d)) continue;
    for (const f of fs.readdirSync(d)) {
      const file = path.join(d, f);
      const raw = fs.readFileSync(file, "latin1");
      const [head, ...rest] = raw.split(/\r?\n\r?\n/);
      const headers = head.replace(/\r?\n[ \t]+/g, " ");
      const toHeader = /^To:\s*(.*)$/im.exec(headers)?.[1] ?? "";
      if (!toHeader.includes(to)) continue;
      const cte = /^Content-Transfer-Encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase() ?? "7bit";
      let body = rest.join("\n\n");
      if (cte === "base64") body = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
      else if (cte === "quoted-printable")
        body = Buffer.from(
          body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16))),
          "latin1",
        ).toString("utf8");
      else body = Buffer.from(body, "latin1").toString("utf8");
      out.push({ subject: /^Subject:\s*(.*)$/im.exec(headers)?.[1] ?? "", body, mtime: fs.statSync(file).mtimeMs });
    }
  }
  return out.sort((a, b) => a.mtime - b.mtime);
}

/** Waits for a mail to `to` containing `marker` and returns the link that starts with it. */
export async function linkFromMail(to: string, marker: string): Promise<string> {
  let link: string | undefined;
  await expect
    .poll(
      () => {
        const escaped = marker.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        const re = new RegExp(`https?://\\S*${escaped}\\S*`);
        const m = mailsTo(to).reverse().find((x) => re.test(x.body));
        link = m ? re.exec(m.body)?.[0] : undefined;
        return link;
      },
      { timeout: 20_000 },
    )
    .toBeTruthy();
  return link!;
}

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

function base32Decode(s: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of s.replace(/=+$/, "").toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) for the given step offset from now. */
export function totp(secretBase32: string, stepOffset = 0): string {
  const step = Math.floor(Date.now() / 1000 / 30) + stepOffset;
  const msg = Buffer.alloc(8);
  msg.writeBigInt64BE(BigInt(step));
  const h = crypto.createHmac("sha1", base32Decode(secretBase32)).update(msg).digest();
  const o = h[19] & 0x0f;
  const bin = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(bin % 1_000_000).padStart(6, "0");
}

/** Waits until the page is hydrated (only meaningful with JavaScript). */
export async function hydrated(page: Page) {
  await page.waitForFunction(() => (window as any).__gatehouse_hydrated === true, null, { timeout: 20_000 });
}

/** A synthetic 统一社会信用代码 with valid check characters (never a real one). */
export function syntheticUscc(seed: number): string {
  const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  const orgWeights = [3, 7, 9, 10, 5, 8, 4, 2];
  const usccWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const body = String(10_000_000 + (seed % 89_999_999)).slice(0, 8);
  const sum = [...body].reduce((s, c, i) => s + Number(c) * orgWeights[i], 0);
  const oc = 11 - (sum % 11);
  const orgCheck = oc === 10 ? "X" : oc === 11 ? "0" : String(oc);
  const first17 = "91330106" + body + orgCheck;
  const total = [...first17].reduce((s, c, i) => s + alphabet.indexOf(c) * usccWeights[i], 0);
  return first17 + alphabet[(31 - (total % 31)) % 31];
}

/** A synthetic 居民身份证 number for a birth date (YYYYMMDD) with a valid check digit. */
export function syntheticResidentId(birth: string, seq: number): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const first17 = "330106" + birth + String(seq % 1000).padStart(3, "0");
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return first17 + "10X98765432"[sum % 11];
}

/** A tiny valid PNG (1×1, white). */
export const PNG_1x1 = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC",
  "base64",
);
