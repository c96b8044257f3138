// sm2-verify.mjs - checks an SM2 signature with npm sm-crypto (not OpenSSL):
// SM3 with the GM/T 0009 identifier, a DER signature. Used by tests/test_sm2.c
// and tests/test_ofd.c as the independent verifier of SPEC §11.
//
//   node tests/peers/sm2-verify.mjs MESSAGE_FILE SIG_HEX PUB_HEX [USER_ID]
//
// MESSAGE_FILE holds the signed bytes; SIG_HEX is the DER signature in hex;
// PUB_HEX the public key 04||x||y in hex; USER_ID defaults to 1234567812345678.
// Prints "valid" and exits 0, or prints "invalid" and exits 1; 2 on bad usage.
import { readFileSync } from 'node:fs';
import smCrypto from 'sm-crypto';

const [file, sigHex, pubHex, userId = '1234567812345678'] = process.argv.slice(2);
if (!file || !sigHex || !pubHex) {
  console.error('usage: sm2-verify.mjs MESSAGE_FILE SIG_HEX PUB_HEX [USER_ID]');
  process.exit(2);
}
// A byte array: a hex string would be taken as UTF-8 text (FACTS.md).
const msg = Array.from(readFileSync(file));
const ok = smCrypto.sm2.doVerifySignature(msg, sigHex, pubHex, { der: true, hash: true, userId });
console.log(ok ? 'valid' : 'invalid');
process.exit(ok ? 0 : 1);
