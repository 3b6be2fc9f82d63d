// The node clients' checks (dpop.mjs, client.mjs): each prints one line to stderr, the
// first that fails exits 1, and `done()` prints `OK <n> checks` to stdout, which the Rust
// test reads.

let checks = 0;

export function check(condition, what, detail = '') {
  if (!condition) {
    console.error(`FAILED: ${what} ${detail}`);
    process.exit(1);
  }
  checks += 1;
  console.error(`ok: ${what}`);
}

export function done() {
  process.stdout.write(`OK ${checks} checks\n`);
}
