// lego's `exec` DNS provider calls this program (through the run's wrapper script, which names
// the node binary) as `<present|cleanup> <fqdn> <value>` (its default mode), and so do the
// dehydrated and uacme hooks of client-hooks.ts. It
// publishes or removes the dns-01 TXT record (RFC 8555 §8.4) through pebble-challtestsrv's
// management API, whose base URL the run puts in CHALLTESTSRV_URL.
const [action, fqdn, value] = process.argv.slice(2);
const base = process.env.CHALLTESTSRV_URL;
if (!base || !fqdn) {
  process.stderr.write("usage: CHALLTESTSRV_URL=http://127.0.0.1:PORT lego-dns-hook.mjs present|cleanup <fqdn> <value>\n");
  process.exit(2);
}
const routes = { present: ["/set-txt", { host: fqdn, value }], cleanup: ["/clear-txt", { host: fqdn }] };
const route = routes[action];
if (!route) {
  process.stderr.write(`lego-dns-hook.mjs: unknown action ${JSON.stringify(action)} (expected present or cleanup)\n`);
  process.exit(2);
}
const response = await fetch(new URL(route[0], base), { method: "POST", body: JSON.stringify(route[1]) });
if (!response.ok) {
  process.stderr.write(`pebble-challtestsrv answered ${response.status} to ${route[0]} for ${fqdn}\n`);
  process.exit(1);
}
