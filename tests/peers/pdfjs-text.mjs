// pdfjs-text.mjs - prints the text layer of a PDF as pdf.js (Firefox's reader,
// npm pdfjs-dist) extracts it: one line per text run that ends a line, pages
// in order. Used by tests/test_text.c as one of three independent readers.
//
//   node tests/peers/pdfjs-text.mjs FILE.pdf
//
// Exit 0 with the text on stdout; 1 with the reason on stderr. pdf.js's own
// warnings (for example about a malformed CMap) go to stderr as well.
import { readFileSync } from 'node:fs';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

async function main(path) {
  const data = new Uint8Array(readFileSync(path));
  const doc = await getDocument({ data, isEvalSupported: false, useSystemFonts: false }).promise;
  let out = '';
  for (let i = 1; i <= doc.numPages; i++) {
    const page = await doc.getPage(i);
    const content = await page.getTextContent();
    for (const item of content.items) {
      out += item.str + (item.hasEOL ? '\n' : '');
    }
    out += '\n';
  }
  await doc.destroy();
  process.stdout.write(out);
}

main(process.argv[2]).catch((e) => {
  process.stderr.write(`pdfjs-text: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});
