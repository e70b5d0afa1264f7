// What the browser tests and the benchmark share: a tiny static server on localhost and a
// headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core).

import { createServer } from "node:http";
import { readFile, readdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, extname, normalize, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const web = dirname(dirname(fileURLToPath(import.meta.url)));
export const root = dirname(web);

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8", ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm", ".png": "image/png",
};

/**
 * Serves `/page/…` (web/page), `/v/…` (the page again, as a deployment prefix: a last path
 * segment `GR1.…`/`GR2.…` gets index.html), `/pkg/…`, `/tests/…`, `/season/…` (the season
 * example's output folder `season`), `/vectors/all.json` (every docs/vectors file in one array)
 * and `/blank.html`.
 */
export async function serve({ season } = {}) {
  const mounts = { page: join(web, "page"), v: join(web, "page"), pkg: join(web, "pkg"), tests: join(web, "tests") };
  if (season) mounts.season = season;
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://localhost");
      const path = decodeURIComponent(url.pathname);
      if (path === "/blank.html") return send(res, 200, ".html", "<!doctype html><meta charset=utf-8><title>blank</title>");
      if (path === "/vectors/all.json") {
        const dir = join(root, "docs", "vectors");
        const names = (await readdir(dir)).filter((n) => n.endsWith(".json")).sort();
        const all = await Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), "utf8"))));
        return send(res, 200, ".json", JSON.stringify(all));
      }
      const [, mount, ...rest] = path.split("/");
      const base = mounts[mount];
      if (!base) return send(res, 404, ".txt", "not found");
      let rel = normalize(rest.join("/")).replace(/^(\.\.[/\\])+/, "");
      if (rel === "." || rel === "") rel = "index.html";
      if (mount === "v" && /^GR\d\./i.test(rest[rest.length - 1] || "")) rel = "index.html";
      const file = join(base, rel);
      if (!file.startsWith(base)) return send(res, 403, ".txt", "forbidden");
      send(res, 200, extname(file), await readFile(file));
    } catch {
      send(res, 404, ".txt", "not found");
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

function send(res, status, ext, body) {
  res.writeHead(status, { "content-type": TYPES[ext] || "application/octet-stream", "cache-control": "no-store" });
  res.end(body);
}

/** Headless Chromium, in a fresh profile. */
export async function browser() {
  const profile = await mkdtemp(join(tmpdir(), "gradreg-chromium-"));
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
    viewport: { width: 1000, height: 900 },
  });
}
