#!/usr/bin/env node
/*
 * issue.js - the certificate a typical Node.js team would build, for a
 * side-by-side comparison with jianpei-issuer (bench/compare_node.sh).
 *
 * Reads the same JSON Lines intake (SPEC §5), checks the rules a hurried team
 * would check (ID check character, score, position, city, name present), and
 * for each valid line makes an A4 landscape PDF with pdf-lib: the same texts
 * as data/certificate.tmpl, the photo, a round seal, a QR code from npm
 * `qrcode` (ECC Q, drawn as vector rectangles, one per run of dark modules in
 * a row, over a 4-module quiet zone) carrying the same URL form
 * <PUBLIC_URL>/V/<no>/<base32 token>, and the Chinese face embedded as a
 * subset through @pdf-lib/fontkit. It is then signed with @signpdf
 * (adbe.pkcs7.detached, SHA-256, RSA-2048 P12 through node-forge, which takes
 * RSA keys only). Certificates are written one file per certificate,
 * OUT/<certificate_no>.pdf, or, with --memory, only counted.
 *
 * One process, one certificate after another, as the usual `for … await`
 * loop does. Numbers come from an in-memory counter: unlike jianpei-issuer
 * nothing is stored, there is no database and no fsync, which favours Node.
 *
 * Fonts: AR PL UMing ships as a TrueType collection (uming.ttc) and
 * pdf-lib/fontkit embed a single face only, so face INDEX is cut out of the
 * collection in memory (ttcFace) once at start. Like a typical team, one face
 * is used: characters it lacks (𠮷 U+20BB7) are drawn as .notdef.
 */
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const fontkit = require('@pdf-lib/fontkit');
const { PDFDocument, rgb, degrees } = require('pdf-lib');
const QRCode = require('qrcode');
const { SignPdf } = require('@signpdf/signpdf');
const { P12Signer } = require('@signpdf/signer-p12');
const { pdflibAddPlaceholder } = require('@signpdf/placeholder-pdf-lib');

const USAGE = `usage: node issue.js --input FILE --p12 FILE (--out DIR | --memory)
                     [--p12-pass PASS] [--issue-date YYYY-MM-DD] [--report FILE]
                     [--authority NAME] [--authority-uscc USCC] [--public-url URL]
                     [--font PATH[:INDEX]] [--province PP]

Issues one signed certificate PDF per valid intake line (SPEC §5 JSON Lines).
Photo paths are relative to the input file's directory. Exit status 0 when
every line was issued, 1 when some were rejected, 2 usage error, 3 failure.`;

const MM = 72 / 25.4;                 /* points per millimetre */
const PAGE_W = 297 * MM;              /* A4 landscape */
const PAGE_H = 210 * MM;
const LINE_MAX = 64 * 1024;           /* longer intake lines are rejected */
const PHOTO_MAX = 200 * 1024;         /* SPEC §5 */
const ELICENCE_TYPE = '11100000000013338W999';

const POSITIONS = {
  '01': '施工员（土建施工）', '02': '施工员（装饰装修）', '03': '施工员（设备安装）',
  '04': '施工员（市政工程）', '05': '质量员（土建施工）', '06': '质量员（装饰装修）',
  '07': '质量员（设备安装）', '08': '质量员（市政工程）', '09': '标准员',
  '10': '材料员', '11': '机械员', '12': '劳务员', '13': '资料员',
};
const CITIES = { '01': '广州', '03': '深圳', '06': '佛山', '19': '东莞' };

const RED = rgb(0x9e / 255, 0x1b / 255, 0x1b / 255);
const GOLD = rgb(0xb8 / 255, 0x86 / 255, 0x2b / 255);
const BROWN = rgb(0x6b / 255, 0x4e / 255, 0x2e / 255);
const RULE = rgb(0xc9 / 255, 0xb3 / 255, 0x8a / 255);
const INK = rgb(0, 0, 0);
const GREY = rgb(0x7a / 255, 0x7a / 255, 0x7a / 255);
const SEAL = rgb(0xd0 / 255, 0x20 / 255, 0x2e / 255);

function parseArgs(argv) {
  const o = {
    authority: '广东省住房和城乡建设厅', authorityUscc: '11440000006950290Y',
    publicUrl: 'https://zs.example.gov.cn', province: '44', p12Pass: '',
    font: '/usr/share/fonts/truetype/arphic/uming.ttc:0', memory: false,
  };
  const keys = {
    '--input': 'input', '--out': 'out', '--p12': 'p12', '--p12-pass': 'p12Pass',
    '--issue-date': 'issueDate', '--report': 'report', '--authority': 'authority',
    '--authority-uscc': 'authorityUscc', '--public-url': 'publicUrl', '--font': 'font',
    '--province': 'province',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return { help: true };
    if (a === '--memory') { o.memory = true; continue; }
    if (!(a in keys) || i + 1 >= argv.length) throw new Error(`unknown or incomplete option ${a}`);
    o[keys[a]] = argv[++i];
  }
  if (!o.input || !o.p12 || (!o.out && !o.memory)) throw new Error('--input, --p12 and --out or --memory are required');
  if (o.issueDate === undefined) o.issueDate = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(o.issueDate)) throw new Error('issue date: expected YYYY-MM-DD');
  return o;
}

/* Cuts face `index` out of a TrueType collection into a standalone sfnt. */
function ttcFace(buf, index) {
  if (buf.toString('latin1', 0, 4) !== 'ttcf') return buf;
  const count = buf.readUInt32BE(8);
  if (index >= count) throw new Error(`font: collection has ${count} faces, no face ${index}`);
  const off = buf.readUInt32BE(12 + 4 * index);
  const n = buf.readUInt16BE(off + 4);
  const tables = [];
  for (let t = 0; t < n; t++) {
    const r = off + 12 + 16 * t;
    tables.push({ rec: buf.subarray(r, r + 16), start: buf.readUInt32BE(r + 8), len: buf.readUInt32BE(r + 12) });
  }
  let pos = 12 + 16 * n;
  const parts = [Buffer.from(buf.subarray(off, off + 12))];
  const recs = Buffer.alloc(16 * n);
  const bodies = [];
  tables.forEach((t, i) => {
    t.rec.copy(recs, 16 * i);
    recs.writeUInt32BE(pos, 16 * i + 8);
    const padded = (t.len + 3) & ~3;
    const body = Buffer.alloc(padded);
    buf.copy(body, 0, t.start, t.start + t.len);
    bodies.push(body);
    pos += padded;
  });
  return Buffer.concat(parts.concat([recs], bodies));
}

/* GB 11643 check character of the first 17 digits. */
function idCheck(d17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(d17[i]) * w[i];
  return '10X98765432'[s % 11];
}

/* ISO/IEC 7064 MOD 37,36 check character over [0-9A-Z]*. */
function mod3736(s) {
  const A = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let p = 36;
  for (const c of s) {
    let t = (p + A.indexOf(c)) % 36;
    if (t === 0) t = 36;
    p = (2 * t) % 37;
  }
  return A[(37 - p) % 36];
}

function validate(r) {
  if (typeof r.name !== 'string' || r.name.length === 0) return 'name: missing';
  if (r.gender !== '男' && r.gender !== '女') return 'gender: must be 男 or 女';
  if (r.id_type === '111') {
    if (!/^\d{17}[\dX]$/.test(r.id_number || '')) return 'id_number: 18 characters expected';
    const c = idCheck(r.id_number);
    if (c !== r.id_number[17]) return `id_number: check character should be ${c}`;
  }
  if (!(r.position in POSITIONS)) return 'position: not in the catalogue';
  if (!(r.city in CITIES)) return 'city: not in the city table';
  if (typeof r.score !== 'number' || r.score < 60 || r.score > 100) return 'score: below the pass mark';
  return null;
}

function base32(buf) {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '', bits = 0, v = 0;
  for (const b of buf) {
    v = (v << 8) | b; bits += 8;
    while (bits >= 5) { out += A[(v >>> (bits - 5)) & 31]; bits -= 5; }
  }
  if (bits > 0) out += A[(v << (5 - bits)) & 31];
  return out;
}

function maskName(n) {
  const c = Array.from(n);
  if (c.length <= 1) return '*';
  if (c.length === 2) return c[0] + '*';
  return c[0] + '*'.repeat(c.length - 2) + c[c.length - 1];
}

/* An ES256-signed token of the masked claims, base32 like SPEC §7's (not COSE). */
function qrToken(ctx, no, r) {
  const claims = [no, '001', r.position, ctx.opts.issueDate.replace(/-/g, ''), ctx.opts.province,
    maskName(r.name), r.id_number.slice(0, 6) + '********' + r.id_number.slice(-4)].join('|');
  const payload = Buffer.concat([ctx.kid, Buffer.from(claims, 'utf8')]);
  const sig = crypto.sign('sha256', payload, { key: ctx.tokenKey, dsaEncoding: 'ieee-p1363' });
  return base32(Buffer.concat([payload, sig]));
}

function chinaDate(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

/* Text in a box given in mm from the top-left corner, shrunk to fit down to min. */
function text(page, font, s, x, y, w, h, size, opt = {}) {
  let sz = size;
  const min = opt.min || size;
  while (sz > min && font.widthOfTextAtSize(s, sz) > w * MM) sz -= 0.5;
  const tw = font.widthOfTextAtSize(s, sz);
  let px = x * MM;
  if (opt.align === 'center') px += (w * MM - tw) / 2;
  const py = PAGE_H - (y + h / 2) * MM - sz * 0.35;
  page.drawText(s, { x: px, y: py, size: sz, font, color: opt.color || INK });
}

function rect(page, x, y, w, h, o) {
  page.drawRectangle({ x: x * MM, y: PAGE_H - (y + h) * MM, width: w * MM, height: h * MM, ...o });
}

function line(page, x1, y1, x2, y2, color, width) {
  page.drawLine({ start: { x: x1 * MM, y: PAGE_H - y1 * MM }, end: { x: x2 * MM, y: PAGE_H - y2 * MM }, color, thickness: width });
}

function drawFrame(page, font) {
  rect(page, 0, 0, 297, 210, { color: rgb(1, 0xfd / 255, 0xf5 / 255) });
  rect(page, 7, 7, 283, 196, { borderColor: RED, borderWidth: 3 });
  rect(page, 10.5, 10.5, 276, 189, { borderColor: GOLD, borderWidth: 0.9 });
  rect(page, 12, 12, 273, 186, { borderColor: GOLD, borderWidth: 0.35 });
  for (const [x, y] of [[8, 8], [284, 8], [8, 197], [284, 197]])
    rect(page, x, y, 5, 5, { color: RED, borderColor: GOLD, borderWidth: 0.6 });
  text(page, font, '住房和城乡建设领域施工现场专业人员职业培训合格证', 20, 21, 257, 14, 24, { align: 'center', color: RED });
  line(page, 62, 38, 235, 38, GOLD, 1.2);
  line(page, 62, 39.6, 235, 39.6, GOLD, 0.4);
  text(page, font, '扫码核验证书真伪', 22, 145, 50, 6, 9, { align: 'center', color: BROWN });
  line(page, 20, 164, 277, 164, GOLD, 0.5);
  text(page, font, '电子证照标识', 22, 169, 30, 7, 10, { color: BROWN });
  text(page, font, '本证书为电子证照，经发证机关数字签名，与纸质证书具有同等效力；扫描二维码可在线核验证书状态。',
    22, 179, 253, 7, 9, { color: GREY });
}

function drawFields(page, font, f) {
  const rows = [
    ['姓　　名', 'name', 52, 75, 17, 9], ['身份证号', 'id_number', 64, 160, 14, 14],
    ['岗　　位', 'position', 76, 160, 14, 14], ['证书编号', 'certificate_no', 88, 160, 14, 14],
    ['培训机构', 'institution', 100, 160, 14, 8], ['发证机关', 'authority', 112, 160, 14, 8],
    ['发证日期', 'issue_date', 124, 160, 14, 14],
  ];
  for (const [label, key, y, w, size, min] of rows) {
    text(page, font, label, 85, y, 22, 9, 13, { color: BROWN });
    text(page, font, f[key], 110, y, w, 9, size, { min });
    line(page, 110, y + 9, 110 + w, y + 9, RULE, 0.5);
  }
  text(page, font, '性　　别', 195, 52, 22, 9, 13, { color: BROWN });
  text(page, font, f.gender, 220, 52, 50, 9, 14);
  line(page, 220, 61, 270, 61, RULE, 0.5);
  text(page, font, f.elicence_id, 53, 169, 222, 7, 10, { min: 6 });
}

/* Round seal: ring, star, the authority's name on the upper arc, a label. */
function drawSeal(page, font, authority) {
  const cx = 178 * MM, cy = PAGE_H - 124 * MM, r = 20 * MM;
  page.drawCircle({ x: cx, y: cy, size: r, borderColor: SEAL, borderWidth: 2, opacity: 0, borderOpacity: 0.85 });
  let star = '';
  for (let i = 0; i < 10; i++) {
    const a = Math.PI / 2 + (i * Math.PI) / 5, rr = i % 2 ? 0.38 * 7 * MM : 7 * MM;
    star += `${i ? 'L' : 'M'}${(rr * Math.cos(a)).toFixed(2)},${(-rr * Math.sin(a)).toFixed(2)} `;
  }
  page.drawSvgPath(star + 'Z', { x: cx, y: cy, color: SEAL, opacity: 0.85 });
  const chars = Array.from(authority), span = (230 * Math.PI) / 180, size = 11;
  chars.forEach((c, i) => {
    const a = Math.PI / 2 + span / 2 - (span * (i + 0.5)) / chars.length;
    const px = cx + (r - 4.5 * MM) * Math.cos(a), py = cy + (r - 4.5 * MM) * Math.sin(a);
    const t = a - Math.PI / 2; /* the glyph's top points away from the centre */
    page.drawText(c, {
      x: px - (size / 2) * Math.cos(t) + 0.35 * size * Math.sin(t),
      y: py - (size / 2) * Math.sin(t) - 0.35 * size * Math.cos(t),
      size, font, color: SEAL, opacity: 0.85, rotate: degrees((t * 180) / Math.PI),
    });
  });
  text(page, font, '电子证照专用章', 158, 133, 40, 5, 7, { align: 'center', color: SEAL });
}

/* QR (ECC Q) as vector rectangles, one per run of dark modules, 4-module quiet zone. */
function drawQr(page, url, x, y, sizeMm) {
  const qr = QRCode.create(url, { errorCorrectionLevel: 'Q' });
  const n = qr.modules.size, data = qr.modules.data;
  const m = (sizeMm * MM) / (n + 8);
  const left = x * MM + 4 * m, top = PAGE_H - y * MM - 4 * m;
  rect(page, x, y, sizeMm, sizeMm, { color: rgb(1, 1, 1) });
  for (let row = 0; row < n; row++) {
    let col = 0;
    while (col < n) {
      if (!data[row * n + col]) { col++; continue; }
      const start = col;
      while (col < n && data[row * n + col]) col++;
      page.drawRectangle({ x: left + start * m, y: top - (row + 1) * m, width: (col - start) * m, height: m, color: INK });
    }
  }
}

async function drawPhoto(pdf, page, bytes) {
  const img = bytes[0] === 0x89 ? await pdf.embedPng(bytes) : await pdf.embedJpg(bytes);
  const boxW = 35 * MM, boxH = 45 * MM, s = Math.min(boxW / img.width, boxH / img.height);
  const w = img.width * s, h = img.height * s;
  page.drawImage(img, { x: 30 * MM + (boxW - w) / 2, y: PAGE_H - 52 * MM - boxH + (boxH - h) / 2, width: w, height: h });
  rect(page, 30, 52, 35, 45, { borderColor: rgb(0x8a / 255, 0x7a / 255, 0x60 / 255), borderWidth: 0.6 });
}

async function renderAndSign(ctx, f, photo) {
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(fontkit);
  const font = await pdf.embedFont(ctx.fontBytes, { subset: true });
  const page = pdf.addPage([PAGE_W, PAGE_H]);
  drawFrame(page, font);
  if (photo) await drawPhoto(pdf, page, photo);
  drawQr(page, f.url, 27.5, 104, 40);
  drawFields(page, font, f);
  drawSeal(page, font, ctx.opts.authority);
  pdflibAddPlaceholder({
    pdfDoc: pdf, reason: '电子证照签发', contactInfo: '', name: ctx.opts.authority,
    location: '广东', signingTime: new Date(),
  });
  const bytes = await pdf.save({ useObjectStreams: false });
  /* A P12Signer consumes its P12 buffer on first use: one per certificate. */
  const signer = new P12Signer(ctx.p12, { passphrase: ctx.opts.p12Pass });
  return ctx.signpdf.sign(Buffer.from(bytes), signer);
}

function nextNumber(ctx, r) {
  const year = ctx.opts.issueDate.slice(0, 4);
  const key = `${ctx.opts.province}${r.city}${year}${r.position}`;
  const serial = (ctx.serials.get(key) || 0) + 1;
  ctx.serials.set(key, serial);
  const d17 = key + String(serial).padStart(7, '0');
  return d17 + idCheck(d17);
}

async function issueLine(ctx, r, lineNo) {
  const why = validate(r);
  if (why) { ctx.report.rejected.push({ line: lineNo, reason: why }); return; }
  let photo = null;
  if (r.photo) {
    photo = fs.readFileSync(path.resolve(ctx.inputDir, r.photo));
    if (photo.length > PHOTO_MAX) { ctx.report.rejected.push({ line: lineNo, reason: 'photo: larger than 200 KB' }); return; }
  }
  const no = nextNumber(ctx, r);
  const body = `${ELICENCE_TYPE}.${ctx.opts.authorityUscc}.${no}.001`;
  const f = {
    name: r.name, gender: r.gender, id_number: r.id_number, position: POSITIONS[r.position],
    certificate_no: no, institution: r.institution_name, authority: ctx.opts.authority,
    issue_date: chinaDate(ctx.opts.issueDate),
    elicence_id: `1.2.156.3005.2.${body}.${mod3736(body.replace(/\./g, ''))}`,
  };
  f.url = `${ctx.opts.publicUrl.toUpperCase()}/V/${no}/${qrToken(ctx, no, r)}`;
  const signed = await renderAndSign(ctx, f, photo);
  ctx.bytes += signed.length;
  if (!ctx.opts.memory) fs.writeFileSync(path.join(ctx.opts.out, `${no}.pdf`), signed);
  ctx.report.issued.push({ line: lineNo, certificate_no: no });
}

function makeContext(opts) {
  const [fontPath, idx] = opts.font.split(':');
  const tokenKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const pubDer = crypto.createPublicKey(tokenKey).export({ type: 'spki', format: 'der' });
  return {
    opts, tokenKey,
    kid: crypto.createHash('sha256').update(pubDer).digest().subarray(0, 8),
    fontBytes: ttcFace(fs.readFileSync(fontPath), Number(idx || 0)),
    p12: fs.readFileSync(opts.p12),
    signpdf: new SignPdf(),
    inputDir: path.dirname(path.resolve(opts.input)),
    serials: new Map(), bytes: 0,
    report: { issued: [], already_issued: [], rejected: [] },
  };
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`issue.js: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) { process.stdout.write(USAGE + '\n'); return 0; }
  const t0 = process.hrtime.bigint();
  const ctx = makeContext(opts);
  if (!opts.memory) fs.mkdirSync(opts.out, { recursive: true });
  const lines = fs.readFileSync(opts.input, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    let rec;
    try {
      if (lines[i].length > LINE_MAX) throw new Error('line too long');
      rec = JSON.parse(lines[i]);
    } catch (e) {
      ctx.report.rejected.push({ line: i + 1, reason: `json: ${e.message}` });
      continue;
    }
    await issueLine(ctx, rec, i + 1);
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (opts.report) fs.writeFileSync(opts.report, JSON.stringify(ctx.report));
  const n = ctx.report.issued.length;
  process.stderr.write(`${n} issued, ${ctx.report.rejected.length} rejected in ${secs.toFixed(1)} s, ` +
    `${n ? Math.round(ctx.bytes / n) : 0} bytes per certificate${opts.memory ? ' (kept in memory)' : ''}\n`);
  return ctx.report.rejected.length ? 1 : 0;
}

main().then((rc) => { process.exitCode = rc; }, (e) => {
  process.stderr.write(`issue.js: ${e.stack || e}\n`);
  process.exitCode = 3;
});
