// Drives the demo page in Debian's chromium with a fake microphone playing
// a tone: for each case, Start, wait for "connected", read the pitch the
// page measures on its playback path, screenshot, Stop, and check that the
// page's WebSocket / RTCPeerConnection closed. Prints one JSON line per case.
//   node drive.js URL TONE.wav SCREENSHOT_DIR CASE...   (CASE: webrtc,
//   websocket, websocket-binary; full: against max-sessions=1). URL may be
//   https:// (any certificate is accepted).
"use strict";
const path = require("path");
const { chromium } = require("playwright-core");

const [url, wav, shotDir, ...cases] = process.argv.slice(2);

// Keeps every WebSocket and RTCPeerConnection the page makes, to check
// after Stop that they are closed.
function observeConnections() {
  window.__sockets = [];
  window.__peers = [];
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
  const NativePeer = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePeer {
    constructor(...args) { super(...args); window.__peers.push(this); }
  };
}

async function runCase(browser, name) {
  const result = { case: name };
  const context = await browser.newContext({ viewport: { width: 760, height: 720 } });
  const page = await context.newPage();
  const consoleLines = [];
  page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
  await page.addInitScript(observeConnections);
  try {
    await page.goto(url);
    const webrtc = name === "webrtc";
    await page.getByLabel(webrtc ? "WebRTC" : "WebSocket", { exact: true }).check();
    if (name === "websocket-binary") await page.getByLabel("binary media").check();
    const t0 = Date.now();
    await page.getByRole("button", { name: "Start" }).click();
    await page.waitForFunction(() => document.getElementById("state").textContent === "connected",
      null, { timeout: 20000 });
    result.connectedMs = Date.now() - t0;
    result.sessionId = await page.locator("#session-id").textContent();

    // The echo's pitch, as the page measures it (AnalyserNode on playback).
    const pitches = [];
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline && pitches.length < 10) {
      const pitch = await page.evaluate(() => window.sessionctxDemo.pitch);
      if (pitch > 0) pitches.push(pitch);
      await page.waitForTimeout(200);
    }
    pitches.sort((a, b) => a - b);
    result.pitches = pitches.length;
    result.pitch = pitches.length ? pitches[Math.floor(pitches.length / 2)] : 0;
    await page.waitForFunction(() => document.getElementById("round-trip").textContent !== "—",
      null, { timeout: 5000 }).catch(() => {});
    result.setupTime = await page.locator("#setup-time").textContent();
    result.roundTrip = await page.locator("#round-trip").textContent();
    result.pitchShown = await page.locator("#output-pitch").textContent();
    result.screenshot = path.join(shotDir, `page-screenshot-${name}.png`);
    await page.screenshot({ path: result.screenshot });

    await page.getByRole("button", { name: "Stop" }).click();
    await page.waitForFunction(() => document.getElementById("state").textContent === "closed",
      null, { timeout: 5000 });
    result.state = "closed";
    if (webrtc) {
      result.closed = await page.evaluate(() =>
        window.__peers.length > 0 && window.__peers.every((p) => p.connectionState === "closed"));
    } else {
      await page.waitForFunction(() =>
        window.__sockets.length > 0 && window.__sockets.every((s) => s.readyState === 3),
      null, { timeout: 5000 }).catch(() => {});
      result.closed = await page.evaluate(() =>
        window.__sockets.length > 0 && window.__sockets.every((s) => s.readyState === 3));
    }
    result.socketUrls = await page.evaluate(() => window.__sockets.map((s) => s.url));
    result.messages = await page.locator("#messages li").allTextContents();
    result.error = await page.locator("#error").isVisible() ?
      await page.locator("#error").textContent() : "";
  } catch (e) {
    result.failure = String(e.message || e).split("\n")[0];
    result.console = consoleLines;
    await page.screenshot({ path: path.join(shotDir, `page-failure-${name}.png`) }).catch(() => {});
  }
  await context.close();
  return result;
}

// Against a server with max-sessions=1: a second page's Start, over either
// transport, shows the limit in words while the first page's session lives.
async function runFull(browser) {
  const result = { case: "full" };
  const context = await browser.newContext({ viewport: { width: 760, height: 720 } });
  try {
    const first = await context.newPage();
    await first.goto(url);
    await first.getByLabel("WebSocket", { exact: true }).check();
    await first.getByRole("button", { name: "Start" }).click();
    await first.waitForFunction(() => document.getElementById("state").textContent === "connected",
      null, { timeout: 20000 });
    const second = await context.newPage();
    await second.goto(url);
    for (const transport of ["WebSocket", "WebRTC"]) {
      await second.getByLabel(transport, { exact: true }).check();
      await second.getByRole("button", { name: "Start" }).click();
      await second.waitForFunction(() => document.getElementById("state").textContent === "failed",
        null, { timeout: 20000 });
      result[transport] = await second.getByRole("alert").textContent();
      if (transport === "WebSocket") {
        result.screenshot = path.join(shotDir, "page-screenshot-full.png");
        await second.screenshot({ path: result.screenshot });
      }
    }
    await first.getByRole("button", { name: "Stop" }).click();
  } catch (e) {
    result.failure = String(e.message || e).split("\n")[0];
  }
  await context.close();
  return result;
}

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-audio-capture=${wav}`,
      "--allow-loopback-in-peer-connection",
      "--disable-features=WebRtcHideLocalIpsWithMdns",
      "--autoplay-policy=no-user-gesture-required",
      // https:// cases use a self-signed certificate made by the test.
      "--ignore-certificate-errors",
    ],
  });
  try {
    for (const name of cases)
      console.log(JSON.stringify(name === "full" ? await runFull(browser) : await runCase(browser, name)));
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
