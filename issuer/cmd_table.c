/*
 * cmd_table.c - every command of jianpei-issuer as a row (cmds.h): name,
 * summary for jianpei-issuer --help, --help text, options and run function.
 * The run functions are in cmd_home.c, cmd_certs.c, cmd_ops.c, cmd_report.c,
 * cmd_timestamp.c and cmd_tsa.c.
 */
#include "cmds.h"
#include "config.h"
#include "issuer.h"

#include <stddef.h>

/* --------------------------------------------------------------- help */

static const char init_help[] =
    "usage: jianpei-issuer init [--home DIR] --authority NAME --authority-uscc USCC\n"
    "                           --public-url URL [--province PP] [--passphrase-file FILE]\n"
    "                           [--templates DIR] [--elicence-type CODE]\n"
    "                           [--tsa-url URL] [--crl-days N]\n"
    "                           [--pkcs11 URI [--pkcs11-module SO] [--pin-file FILE]]\n"
    "\n"
    "Creates a new home: configuration, certificate template, a provincial root\n"
    "certificate and a document-signing certificate (ECDSA P-256), the SM2 root and\n"
    "signing certificate of the OFD seal (SPEC §11; files, also with --pkcs11), the\n"
    "LMDB store and the signed trust list. Refuses an existing non-empty home and\n"
    "changes nothing.\n"
    "\n"
    "  --province PP          GB/T 2260 province code (default 44, 广东省)\n"
    "  --authority NAME       issuing authority, e.g. 广东省住房和城乡建设厅\n"
    "  --authority-uscc USCC  the authority's 统一社会信用代码 (GB 32100 checked)\n"
    "  --public-url URL       base of QR-code URLs, e.g. https://zs.example.gov.cn\n"
    "  --passphrase-file FILE encrypt private keys with the first line of FILE\n"
    "                         (default: $JIANPEI_KEY_PASSPHRASE, else unencrypted)\n"
    "  --elicence-type CODE   e-licence type code, 21 characters "
    "(default " ISSUER_DEFAULT_ELICENCE_TYPE ")\n"
    "  --tsa-url URL          RFC 3161 time-stamp authority for every PDF signature\n"
    "                         (e.g. the home's own: jianpei-issuer tsa --listen)\n"
    "  --crl-days N           nextUpdate of the root's CRL, 1-366 days (default 7)\n"
    "  --pkcs11 URI           keep the root and signing keys in a PKCS#11 token, e.g.\n"
    "                         'pkcs11:token=jianpei' (default $JIANPEI_PKCS11_URI unless a\n"
    "                         passphrase is given): made in the token, never exported\n"
    "  --pkcs11-module SO     the token's PKCS#11 module (default $JIANPEI_PKCS11_MODULE,\n"
    "                         else " CMD_P11_MODULE ")\n"
    "  --pin-file FILE        the token's user PIN: the first line of FILE\n"
    "                         (default $JIANPEI_PKCS11_PIN; never on the command line)\n"
    "  --templates DIR        catalogue, city table and template source\n";

static const char keys_help[] =
    "usage: jianpei-issuer keys [--home DIR] list\n"
    "       jianpei-issuer keys [--home DIR] rotate [--passphrase-file FILE]\n"
    "       jianpei-issuer keys [--home DIR] revoke KID [--passphrase-file FILE]\n"
    "       jianpei-issuer keys [--home DIR] export-trust [--out FILE] [--passphrase-file FILE]\n"
    "       jianpei-issuer keys [--home DIR] fingerprint\n"
    "       jianpei-issuer keys [--home DIR] crl [--passphrase-file FILE]\n"
    "       jianpei-issuer keys [--home DIR] sm2-init [--passphrase-file FILE]\n"
    "\n"
    "  list          signing keys with key id, validity and state (SM2 keys of the OFD\n"
    "                seal last, marked so)\n"
    "  rotate        make a new signing key, ECDSA and SM2; the old ones are retired\n"
    "                (still verify)\n"
    "  revoke KID    mark a signing key revoked (ECDSA or SM2): QR tokens it signed stop\n"
    "                verifying, OFDs it sealed verify as revoked_key\n"
    "  export-trust  write the trust list signed by the root (default: HOME/" JP_HOME_TRUST_LIST
    ")\n"
    "  fingerprint   the provincial root's SHA-256 fingerprint: 64 lower-case hex digits of\n"
    "                SHA-256 over the root certificate's DER (openssl x509 -fingerprint\n"
    "                -sha256 prints the same bytes upper case with colons); give it to\n"
    "                jianpei-verifier verify-qr --pin\n"
    "  crl           issue the roots' CRLs anew and print both paths: HOME/" JP_HOME_CRL "\n"
    "                (ECDSA root) and HOME/" JP_HOME_SM2_CRL " (SM2 root, when the home has\n"
    "                it); before their nextUpdate, e.g. daily from cron; rotate and revoke\n"
    "                issue them as well\n"
    "  sm2-init      add the SM2 root and signing certificate of the OFD seal (SPEC §11)\n"
    "                to a home made without them (keys/sm2-*.pem, sm2-*.key, encrypted\n"
    "                with the passphrase when one is given), re-export the trust list and\n"
    "                issue HOME/" JP_HOME_SM2_CRL "; refused when they exist\n"
    "  --passphrase-file FILE  the private keys' passphrase: the first line of FILE\n"
    "  --pin-file FILE         the token PIN of a home made with init --pkcs11 (default\n"
    "                          $JIANPEI_PKCS11_PIN)\n"
    "rotate and revoke need the root key (its passphrase when encrypted), re-export\n"
    "HOME/" JP_HOME_TRUST_LIST " and append an audit entry; without the root key\n"
    "nothing changes (a revoke that cannot re-export the trust list included).\n";

static const char issue_help[] =
    "usage: jianpei-issuer issue [--home DIR] --input FILE|- [--report FILE]\n"
    "                            [--notices DIR] [--all-or-nothing] [--threads N] [--actor NAME]\n"
    "                            [--tsa-timeout MS] [--tsa-optional]\n"
    "                            [--passphrase-file FILE | --pin-file FILE]\n"
    "\n"
    "Reads passed candidates as JSON Lines (SPEC §5), checks every rule, and numbers,\n"
    "renders, signs and stores a certificate for each valid line. A rejected line is\n"
    "reported with its number and reason and changes nothing; issuing the same\n"
    "(id_number, position, exam_id) again returns the existing certificate.\n"
    "The issue date is today in China (UTC+8); certificates are never backdated.\n"
    "A home with SM2 keys also stores a sealed OFD of each certificate (SPEC §11;\n"
    "jianpei-issuer ofd NO --out FILE); one without says so and makes PDFs only.\n"
    "\n"
    "  --input FILE|-      intake file, or - for standard input; photo paths are\n"
    "                      relative to the file's directory (to . for stdin)\n"
    "  --report FILE       write the JSON summary of the run (mode 0600; a symlink\n"
    "                      there is replaced, never followed); it holds each new\n"
    "                      certificate's claim code (领取码)\n"
    "  --notices DIR       append each new certificate's number, masked name and\n"
    "                      claim code to DIR/<institution_code>/<exam_id>.csv, the\n"
    "                      institutions' notices (folders 0700, files 0600)\n"
    "  --all-or-nothing    refuse the whole input when any line is rejected\n"
    "  --threads N         render and sign on N threads, 1-16 (default: one per core)\n"
    "  --actor NAME        who issues, for the audit log (default: $USER)\n"
    "  --tsa-timeout MS    time allowed for each query to the TSA of config.json's\n"
    "                      tsa_url (default: its tsa_timeout_ms, else 5000); a TSA\n"
    "                      that is down, slow or refuses fails the run (exit 3,\n"
    "                      the failing batch not stored)\n"
    "  --tsa-optional      when the TSA fails, sign without a time-stamp (PAdES B-B)\n"
    "                      and list the certificate for `timestamp --pending`\n"
    "  --passphrase-file FILE, --pin-file FILE\n"
    "                      the keys' passphrase, or the token PIN of a home made with\n"
    "                      init --pkcs11 (default: $JIANPEI_KEY_PASSPHRASE, $JIANPEI_PKCS11_PIN)\n"
    "\n"
    "exit status: 0 all lines issued or already issued, 1 some lines rejected,\n"
    "2 usage error, 3 failure (batches committed before it stay committed, unless\n"
    "--all-or-nothing)\n";

static const char tsa_help[] =
    "usage: jianpei-issuer tsa [--home DIR] --listen HOST:PORT [--passphrase-file FILE]\n"
    "\n"
    "Serves the province's own RFC 3161 time-stamp authority: POST an\n"
    "application/timestamp-query to http://HOST:PORT/ and get an\n"
    "application/timestamp-reply signed by HOME/keys/tsa.key (made at init, issued\n"
    "by the provincial root, extendedKeyUsage critical timeStamping). Prints\n"
    "\"listening on HOST:PORT\" once ready (port 0 picks a free one); SIGTERM or\n"
    "SIGINT stops it. Give its URL to init --tsa-url.\n"
    "\n"
    "  --listen HOST:PORT      numeric address and port, e.g. 127.0.0.1:3161\n"
    "  --passphrase-file FILE  the private keys' passphrase: the first line of FILE\n";

static const char timestamp_help[] =
    "usage: jianpei-issuer timestamp [--home DIR] --pending [--list] [--tsa-timeout MS]\n"
    "                                [--passphrase-file FILE | --pin-file FILE]\n"
    "\n"
    "Adds a document time-stamp (PAdES /DocTimeStamp, /SubFilter /ETSI.RFC3161,\n"
    "an incremental update) from config.json's tsa_url to the file of every\n"
    "certificate issued without a time-stamp by `issue --tsa-optional`, and\n"
    "empties that pending list. The token covers the whole signed file, its\n"
    "signature included; the file version and its QR code stay the same.\n"
    "Running it again with nothing pending does nothing. Progress goes to stderr:\n"
    "a bar on a terminal, else a line per 32 certificates committed.\n"
    "\n"
    "  --pending           time-stamp the pending list (required)\n"
    "  --list              only print how many certificates are pending\n"
    "  --tsa-timeout MS    time allowed for each TSA query (default: config.json's\n"
    "                      tsa_timeout_ms, else 5000)\n"
    "  --passphrase-file FILE, --pin-file FILE\n"
    "                      the keys' passphrase, or the token PIN (as for issue)\n"
    "\n"
    "exit status: 0 done, 2 usage error, 3 failure (the transactions of 32\n"
    "certificates committed before it stay done; the rest stay pending)\n";

static const char show_help[] =
    "usage: jianpei-issuer show [--home DIR] CERTIFICATE_NO [--json]\n"
    "\n"
    "Prints one certificate's record, holder data included (this is the issuing\n"
    "department's own view; the public one is the verifier's).\n";

static const char pdf_help[] =
    "usage: jianpei-issuer pdf [--home DIR] CERTIFICATE_NO --out FILE\n"
    "\n"
    "Writes the stored signed PDF of a certificate to FILE (mode 0600: it holds the\n"
    "holder's personal data; a symlink at FILE is replaced, never followed).\n";

static const char ofd_help[] =
    "usage: jianpei-issuer ofd [--home DIR] CERTIFICATE_NO --out FILE [--force]\n"
    "\n"
    "Writes the stored sealed OFD of a certificate's current version (SPEC §11,\n"
    "docs/ofd.md) to FILE, mode 0600: it holds the holder's personal data. An\n"
    "existing FILE is refused unless --force (then it is replaced, never followed).\n"
    "Certificates issued while the home had no SM2 keys have no OFD.\n";

static const char find_help[] = "usage: jianpei-issuer find [--home DIR] --id-number ID\n"
                                "\n"
                                "Lists the certificate numbers and statuses of one holder.\n";

/* The five status changes share it. */
static const char status_help[] =
    "usage: jianpei-issuer revoke|suspend|reinstate|cancel|lapse [--home DIR]\n"
    "                      CERTIFICATE_NO --reason CODE [--note TEXT] [--actor NAME]\n"
    "       jianpei-issuer revoke|suspend --institution CODE --issued-from DATE\n"
    "                      --issued-to DATE --reason CODE|TEXT [--dry-run] ...\n"
    "                      (a cascade: see `jianpei-issuer suspend --institution X --help`)\n"
    "\n"
    "Changes a certificate's status and appends it to the audit log (SPEC §9).\n"
    "revoke: 撤销; suspend: 暂扣; reinstate: back to valid; cancel: 注销;\n"
    "lapse: 失效 (continuing education not kept up). revoked and cancelled are final.\n"
    "CODE is one of " ISSUER_REASON_CODES ";\n"
    "it is published in the status-changes feed. --note (at most 200 bytes) stays in\n"
    "the issuer's audit log and is never served by the verifier.\n";

/* revoke|suspend --institution CODE ...: a cascade. */
static const char cascade_help[] =
    "usage: jianpei-issuer suspend|revoke [--home DIR] --institution CODE\n"
    "                      --issued-from DATE --issued-to DATE --reason CODE|TEXT\n"
    "                      [--note TEXT] [--dry-run] [--actor NAME]\n"
    "\n"
    "A cascade: suspends (暂扣) or revokes (撤销) every certificate the institution\n"
    "issued from DATE to DATE (YYYY-MM-DD, both included), all in one transaction,\n"
    "each with its audit entry and status-feed entry like a single change, and prints\n"
    "how many. Certificates already so are counted and left; a suspend leaves revoked,\n"
    "cancelled and lapsed ones, a revoke leaves revoked and cancelled ones.\n"
    "\n"
    "  --institution CODE  the training institution's code, as on the certificates\n"
    "  --reason CODE|TEXT  a code (" ISSUER_REASON_CODES "),\n"
    "                      or free text that becomes the internal note under\n"
    "                      institution_struck_off\n"
    "  --note TEXT         internal note for the audit log (never published)\n"
    "  --dry-run           list the certificate numbers that would change, change nothing\n"
    "  --actor NAME        who, for the audit log (default: $USER)\n"
    "\n"
    "exit status: 0 done, 2 usage error (a bad date, an institution without certificates,\n"
    "...: the message names the option), 3 failure (nothing changed)\n";

static const char reissue_help[] =
    "usage: jianpei-issuer reissue [--home DIR] CERTIFICATE_NO [--passphrase-file FILE]\n"
    "                              [--pin-file FILE]\n"
    "\n"
    "Issues a new file for a valid certificate: same number, e-licence identifier\n"
    "version + 1, freshly rendered and signed with the current key.\n";

static const char correct_help[] =
    "usage: jianpei-issuer correct [--home DIR] CERTIFICATE_NO --reason TEXT\n"
    "                              [--name NAME] [--gender 男|女] [--photo FILE]\n"
    "                              [--new-claim-code] [--actor NAME] [--passphrase-file FILE]\n"
    "       jianpei-issuer correct [--home DIR] CERTIFICATE_NO --history\n"
    "\n"
    "Corrects a valid certificate's holder data (信息变更): a new version of the same\n"
    "certificate (same number, e-licence version + 1), rendered and signed again with\n"
    "the current key. Every intake rule (SPEC §5) is applied to the corrected record;\n"
    "a rejected value changes nothing and exits 2 naming the option. The old file stays\n"
    "known: scanned or checked, it shows as an earlier version, not as a forgery.\n"
    "\n"
    "  --name NAME       the corrected name (1-64 letters, · and spaces)\n"
    "  --gender 男|女    the corrected gender (must agree with a citizen ID number)\n"
    "  --photo FILE      a new JPEG or PNG photo, at most 200 KB\n"
    "  --reason TEXT     why (at most 200 bytes); kept with the old and new values in the\n"
    "                    issuer's corrections record, never in the status feed or a log\n"
    "  --new-claim-code  also give a new claim code (领取码), printed alone on the last\n"
    "                    line; without it the holder's code stays as it is\n"
    "  --history         print the recorded corrections (old and new values) as JSON Lines\n"
    "  --actor NAME      who, for the audit log (default: $USER)\n";

static const char apply_help[] =
    "usage: jianpei-issuer apply-status [--home DIR] --input FILE|- [--actor NAME]\n"
    "\n"
    "Applies status changes written by `jianpei-training ce lapses` (or any other\n"
    "source): JSON Lines {\"certificate_no\":\"...\",\"action\":\"lapse\",\"reason\":\"...\"}\n"
    "with action revoke, suspend, reinstate, cancel or lapse, reason a code (" ISSUER_REASON_CODES
    ")\n"
    "and an optional internal \"note\"; a reason that is not a code becomes the note, under\n"
    "ce_shortfall for a lapse and other otherwise. Each line is its own\n"
    "transaction; a certificate already in the target status is left as it is.\n"
    "exit status: 0 all applied or already so, 1 some lines rejected, 3 failure\n";

/* claim-code and its two subcommands share it. */
static const char claim_help[] =
    "usage: jianpei-issuer claim-code reset NO [--home DIR] [--actor NAME]\n"
    "       jianpei-issuer claim-code backfill --out FILE [--home DIR] [--actor NAME]\n"
    "\n"
    "Claim codes (领取码) let a holder fetch their own certificate (SPEC §10).\n"
    "  reset NO         give certificate NO a new code, printed alone on the last\n"
    "                   line of standard output; the old code stops working\n"
    "  backfill         give a code to every certificate that has none (stores made\n"
    "                   before claim codes): the codes go to FILE (mode 0600, CSV:\n"
    "                   certificate_no,institution_code,exam_id,name_masked,claim_code)\n"
    "                   before they are stored; hand each institution its lines\n"
    "  --actor NAME     who does it, for the audit log (default: $USER)\n";

static const char stats_help[] =
    "usage: jianpei-issuer stats [--home DIR] [--json]\n"
    "\n"
    "Counts certificates by status, PDF bytes, audit entries.\n"
    "  --json   one JSON object instead: also by month of issue, city and position\n"
    "           code, and audit entries by action (counts only, no personal data)\n";

static const char report_help[] =
    "usage: jianpei-issuer report [--home DIR] --html FILE [--as-of DATE] [--months N]\n"
    "\n"
    "Writes the operator's dashboard: one self-contained HTML page in Simplified\n"
    "Chinese with bar charts (inline SVG, no script, nothing fetched) and the same\n"
    "figures in tables: certificates issued by month, by city, by position and by\n"
    "status, status changes and new versions by kind (from the audit log), and the\n"
    "valid certificates whose continuing-education anniversary falls in the next 90\n"
    "days (those lapse unless their hours are recorded). The whole store is read in\n"
    "one read transaction; the file is written to a temporary name and renamed, so\n"
    "FILE is never half written.\n"
    "\n"
    "The page holds counts only, no personal data (no name, ID number, institution\n"
    "or claim code), so FILE is written mode 0644: it may be shared or published.\n"
    "\n"
    "  --html FILE    where to write the page\n"
    "  --as-of DATE   YYYY-MM-DD: the last month shown and the start of the 90-day\n"
    "                 window (default: today in China); counts are the store's now\n"
    "  --months N     months in the monthly chart, 1-120 (default 12); certificates\n"
    "                 issued before them are one bar, 更早\n"
    "\n"
    "exit status: 0 written, 2 usage error, 3 failure (FILE left as it was)\n";

static const char audit_help[] =
    "usage: jianpei-issuer audit [--home DIR] verify\n"
    "\n"
    "Recomputes the hash chain of the audit log from the first entry and names the\n"
    "first broken entry, if any. Exit 0 when intact, 3 when broken.\n";

static const char check_help[] =
    "usage: jianpei-issuer check [--home DIR]\n"
    "\n"
    "Walks the whole store: every record decodes, every certificate has its PDF,\n"
    "indexes point at existing certificates, serial counters are ahead of every\n"
    "issued number, the audit chain verifies, the store file is mode 0600.\n"
    "Exit 0 when clean, 3 otherwise.\n";

static const char backup_help[] =
    "usage: jianpei-issuer backup [--home DIR] DIR\n"
    "\n"
    "Hot, compacting copy of the store into DIR (new or empty), consistent as of\n"
    "one instant while issuing goes on; DIR is made 0700 and its data.mdb 0600\n"
    "(every holder's data is in it). Keys are not copied: back them up apart\n"
    "(see docs/operations.md).\n";

static const char digest_backfill_help[] =
    "usage: jianpei-issuer digest-backfill [--home DIR]\n"
    "\n"
    "One-off, for a store made before the file-check index (SPEC §10): records\n"
    "the SHA-256 of every certificate's current PDF and of its signature, so\n"
    "that the verifier's file check knows them. Files replaced before the index\n"
    "existed cannot be recorded. Safe to run again. Restart the verifier after\n"
    "the first run on an old store.\n";

static const char institution_backfill_help[] =
    "usage: jianpei-issuer institution-backfill [--home DIR]\n"
    "\n"
    "One-off, for a store made before the institution index (SPEC §10): indexes\n"
    "every certificate under its training institution's code and exam id, so\n"
    "that the verifier's institution endpoints list it. Certificates issued or\n"
    "reissued since the index existed are indexed already. Safe to run again.\n"
    "Restart the verifier after the first run on an old store.\n";

/* ------------------------------------------------------------ options */

static const struct cmd_opt init_opts[] = {{"province", CMD_VALUE},
                                           {"authority", CMD_VALUE},
                                           {"authority-uscc", CMD_VALUE},
                                           {"public-url", CMD_VALUE},
                                           {"passphrase-file", CMD_VALUE},
                                           {"templates", CMD_VALUE},
                                           {"elicence-type", CMD_VALUE},
                                           {"tsa-url", CMD_VALUE},
                                           {"crl-days", CMD_VALUE},
                                           {"pkcs11", CMD_VALUE},
                                           {"pkcs11-module", CMD_VALUE},
                                           {"pin-file", CMD_VALUE},
                                           {NULL}};

static const struct cmd_opt issue_opts[] = {{"input", CMD_REQUIRED},
                                            {"report", CMD_VALUE},
                                            {"notices", CMD_VALUE},
                                            {"all-or-nothing", CMD_FLAG},
                                            {"threads", CMD_VALUE},
                                            {"actor", CMD_VALUE},
                                            {"passphrase-file", CMD_VALUE},
                                            {"pin-file", CMD_ALIAS},
                                            {"tsa-timeout", CMD_VALUE},
                                            {"tsa-optional", CMD_FLAG},
                                            {NULL}};

static const struct cmd_opt tsa_opts[] = {
    {"listen", CMD_REQUIRED}, {"passphrase-file", CMD_VALUE}, {NULL}};

static const struct cmd_opt timestamp_opts[] = {
    {"pending", CMD_FLAG},          {"list", CMD_FLAG},      {"tsa-timeout", CMD_VALUE},
    {"passphrase-file", CMD_VALUE}, {"pin-file", CMD_ALIAS}, {NULL}};

static const struct cmd_opt show_opts[] = {{"json", CMD_FLAG}, {NULL}};

static const struct cmd_opt pdf_opts[] = {{"out", CMD_REQUIRED}, {NULL}};

static const struct cmd_opt ofd_opts[] = {{"out", CMD_REQUIRED}, {"force", CMD_FLAG}, {NULL}};

static const struct cmd_opt find_opts[] = {{"id-number", CMD_REQUIRED}, {NULL}};

/* The five status changes share them. */
static const struct cmd_opt status_opts[] = {
    {"reason", CMD_REQUIRED}, {"note", CMD_VALUE}, {"actor", CMD_VALUE}, {NULL}};

static const struct cmd_opt cascade_opts[] = {
    {"institution", CMD_REQUIRED}, {"issued-from", CMD_REQUIRED},
    {"issued-to", CMD_REQUIRED},   {"reason", CMD_REQUIRED},
    {"note", CMD_VALUE},           {"actor", CMD_VALUE},
    {"dry-run", CMD_FLAG},         {NULL}};

static const struct cmd_opt reissue_opts[] = {
    {"passphrase-file", CMD_VALUE}, {"pin-file", CMD_ALIAS}, {NULL}};

static const struct cmd_opt correct_opts[] = {
    {"name", CMD_VALUE},   {"gender", CMD_VALUE},          {"photo", CMD_VALUE},
    {"reason", CMD_VALUE}, {"new-claim-code", CMD_FLAG},   {"history", CMD_FLAG},
    {"actor", CMD_VALUE},  {"passphrase-file", CMD_VALUE}, {NULL}};

static const struct cmd_opt apply_status_opts[] = {
    {"input", CMD_REQUIRED}, {"actor", CMD_VALUE}, {NULL}};

static const struct cmd_opt stats_opts[] = {{"json", CMD_FLAG}, {NULL}};

static const struct cmd_opt report_opts[] = {
    {"html", CMD_REQUIRED}, {"as-of", CMD_VALUE}, {"months", CMD_VALUE}, {NULL}};

static const struct cmd_opt claim_reset_opts[] = {{"actor", CMD_VALUE}, {NULL}};

static const struct cmd_opt claim_backfill_opts[] = {
    {"out", CMD_REQUIRED}, {"actor", CMD_VALUE}, {NULL}};

/* --------------------------------------------------------------- rows */

/* revoke|suspend --institution CODE ...: the status rows' cascade. */
static const struct cmd_spec cascade_spec = {
    .name = "suspend|revoke",
    .help = cascade_help,
    .opts = cascade_opts,
    .form = CMD_OWN_ARGV,
    .run = cmd_cascade,
};

const struct cmd_spec cmd_table[] = {
    {"init", "create a home: configuration, keys, store, trust list", init_help, init_opts,
     CMD_OWN_ARGV, NULL, cmd_init},
    {"keys", "list, rotate, revoke signing keys; export the trust list", keys_help, NULL,
     CMD_OWN_ARGV, NULL, cmd_keys},
    {"issue", "issue certificates from a JSON Lines intake file", issue_help, issue_opts,
     CMD_NO_ARG, NULL, cmd_issue},
    {"tsa", "serve the home's own RFC 3161 time-stamp authority", tsa_help, tsa_opts, CMD_NO_ARG,
     NULL, cmd_tsa},
    {"timestamp", "add the time-stamps owed (issue --tsa-optional)", timestamp_help, timestamp_opts,
     CMD_NO_ARG, NULL, cmd_timestamp},
    {"show", "show one certificate's record", show_help, show_opts, CMD_ONE_ARG, NULL, cmd_show},
    {"pdf", "write a certificate's signed PDF to a file", pdf_help, pdf_opts, CMD_ONE_ARG, NULL,
     cmd_file_out},
    {"ofd", "write a certificate's sealed OFD to a file", ofd_help, ofd_opts, CMD_ONE_ARG, NULL,
     cmd_file_out},
    {"find", "list a holder's certificates by ID number", find_help, find_opts, CMD_NO_ARG, NULL,
     cmd_find},
    {"revoke", "revoke a certificate (撤销)", status_help, status_opts, CMD_ONE_ARG, &cascade_spec,
     cmd_status},
    {"suspend", "suspend a certificate (暂扣)", status_help, status_opts, CMD_ONE_ARG,
     &cascade_spec, cmd_status},
    {"reinstate", "reinstate a suspended or lapsed certificate", status_help, status_opts,
     CMD_ONE_ARG, &cascade_spec, cmd_status},
    {"cancel", "cancel a certificate (注销)", status_help, status_opts, CMD_ONE_ARG, &cascade_spec,
     cmd_status},
    {"lapse", "mark a certificate lapsed (失效)", status_help, status_opts, CMD_ONE_ARG,
     &cascade_spec, cmd_status},
    {"reissue", "issue a new file for a certificate (version + 1)", reissue_help, reissue_opts,
     CMD_ONE_ARG, NULL, cmd_reissue},
    {"correct", "correct a holder's name, gender or photo (new version)", correct_help,
     correct_opts, CMD_ONE_ARG, NULL, cmd_correct},
    {"apply-status", "apply status changes from a JSON Lines file", apply_help, apply_status_opts,
     CMD_NO_ARG, NULL, cmd_apply_status},
    {"claim-code", "reset a claim code (领取码); backfill codes", claim_help, NULL, CMD_OWN_ARGV,
     NULL, cmd_claim_code},
    {"stats", "counts by status, sizes", stats_help, stats_opts, CMD_NO_ARG, NULL, cmd_stats},
    {"report", "the operator's dashboard as one HTML page (--html FILE)", report_help, report_opts,
     CMD_NO_ARG, NULL, cmd_report},
    {"audit", "verify the hash-chained audit log", audit_help, NULL, CMD_ONE_ARG, NULL, cmd_audit},
    {"check", "check the whole store's integrity", check_help, NULL, CMD_NO_ARG, NULL, cmd_check},
    {"backup", "hot compacting copy of the store", backup_help, NULL, CMD_ONE_ARG, NULL,
     cmd_backup},
    {"digest-backfill", "one-off: index existing PDFs for the file check", digest_backfill_help,
     NULL, CMD_NO_ARG, NULL, cmd_backfill},
    {"institution-backfill", "one-off: index existing certificates by institution",
     institution_backfill_help, NULL, CMD_NO_ARG, NULL, cmd_backfill},
};

const size_t cmd_table_len = sizeof cmd_table / sizeof cmd_table[0];

const struct cmd_spec cmd_claim_table[] = {
    {"reset", NULL, claim_help, claim_reset_opts, CMD_ONE_ARG, NULL, cmd_claim_reset},
    {"backfill", NULL, claim_help, claim_backfill_opts, CMD_NO_ARG, NULL, cmd_claim_backfill},
};

const size_t cmd_claim_table_len = sizeof cmd_claim_table / sizeof cmd_claim_table[0];
