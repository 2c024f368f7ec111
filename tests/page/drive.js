// Drives the demo page in Debian's chromium with a fake microphone playing
// a tone and chromium's fake camera (640×480, 20 fps, a moving pattern):
// for each case, Start, wait for "connected", read the pitch the page
// measures on its playback path, sample the picture sent back, screenshot,
// Stop, and check that the page's WebSocket / RTCPeerConnection closed.
// Prints one JSON line per case.
//   node drive.js URL TONE.wav SCREENSHOT_DIR CASE...
// CASE: webrtc, websocket, websocket-binary (audio); webrtc-video,
// webrtc-audio-video (camera; camera and microphone), with -audio-back
// when the pipeline sends no video back (no waiting for a picture);
// full: against max-sessions=1. URL may be https:// (any certificate is
// accepted).
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

// In the page: samples the picture sent back (the remote <video>) at each
// frame it presents, for @seconds: frames presented per second (the
// callbacks' presentedFrames: a loaded page skips callbacks, not frames),
// frames sampled and the distinct ones among them,
// how much each frame differs from the one before (mean |Δ luma| over
// 160×120), sizes seen, and how far it is from the camera's preview at the
// same moment, as is and mirrored: mean |Δ| (0..255) of the mean luma of a
// 16×2 grid over the top sixth of the picture, where the fake camera draws
// its clock, left of centre: it stays put (its digits change) while the
// pac-man below turns a lot from frame to frame, so a picture sent back as
// it came is closer as is, a mirrored one closer mirrored, whatever the
// encoding loss and the latency (measured on the camera alone: two of its
// frames up to 2 s apart differ by at most 4.2 there, a frame and a
// mirrored one by at least 5.0, 6.9 in the median; over the whole picture
// two frames 250 ms apart differ nearly as much as a frame and a mirrored
// one: 6.2 and 7.7 in the median).
async function measureVideo(seconds) {
  const remote = document.getElementById("remote-video");
  const local = document.getElementById("local-video");
  const W = 160, H = 120, GX = 16, GY = 2, BAND = H / 6;
  const canvas = document.createElement("canvas");
  canvas.width = W;
  canvas.height = H;
  const g = canvas.getContext("2d", { willReadFrequently: true });
  g.imageSmoothingQuality = "high";
  const luma = (video, rows = H) => {
    g.drawImage(video, 0, 0, W, H);
    const px = g.getImageData(0, 0, W, rows).data;
    const y = new Float32Array(W * rows);
    for (let i = 0; i < W * rows; i++)
      y[i] = 0.299 * px[4 * i] + 0.587 * px[4 * i + 1] + 0.114 * px[4 * i + 2];
    return y;
  };
  const grid = (y, mirrored) => {
    const cells = new Float32Array(GX * GY);
    for (let r = 0; r < BAND; r++)
      for (let c = 0; c < W; c++) {
        const x = mirrored ? W - 1 - c : c;
        cells[Math.floor(r * GY / BAND) * GX + Math.floor(x * GX / W)] += y[r * W + c] * GX * GY / (W * BAND);
      }
    return cells;
  };
  const meanAbs = (a, b) => {
    let d = 0;
    for (let i = 0; i < a.length; i++) d += Math.abs(a[i] - b[i]);
    return d / a.length;
  };
  const median = (v) => v.length ? [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] : null;
  return new Promise((resolve) => {
    let frames = 0, first = null, last = null, previous = null, done = false, quality = null;
    let presentedFirst = 0, presentedLast = 0;
    const diffs = [], asIs = [], mirrored = [], mediaTimes = new Set(), sizes = new Set(), work = [];
    const finish = () => {
      if (done) return;
      done = true;
      const seconds = first !== null && last > first ? (last - first) / 1000 : 0;
      resolve({
        frames, seconds,
        fps: seconds ? (presentedLast - presentedFirst) / seconds : 0,
        sampledFps: seconds ? (frames - 1) / seconds : 0, distinct: mediaTimes.size,
        diffMedian: median(diffs), diffMin: diffs.length ? Math.min(...diffs) : null,
        changed: diffs.filter((d) => d > 0.25).length, pairs: diffs.length,
        asIs: median(asIs), mirrored: median(mirrored), compared: asIs.length,
        sizes: [...sizes], workMs: median(work),
        // What the element says it presented and dropped meanwhile.
        presented: quality ? remote.getVideoPlaybackQuality().totalVideoFrames - quality.totalVideoFrames : null,
        dropped: quality ? remote.getVideoPlaybackQuality().droppedVideoFrames - quality.droppedVideoFrames : null,
      });
    };
    const onFrame = (now, meta) => {
      if (done) return;
      const t0 = performance.now();
      if (first === null) {
        first = now;
        presentedFirst = meta.presentedFrames;
        quality = remote.getVideoPlaybackQuality();
      }
      last = now;
      presentedLast = meta.presentedFrames;
      frames++;
      mediaTimes.add(meta.mediaTime);
      sizes.add(`${remote.videoWidth}x${remote.videoHeight}`);
      const y = luma(remote);
      if (previous) diffs.push(meanAbs(y, previous));
      previous = y;
      if (local.videoWidth) {
        const camera = grid(luma(local, BAND), false);
        asIs.push(meanAbs(grid(y, false), camera));
        mirrored.push(meanAbs(grid(y, true), camera));
      }
      work.push(performance.now() - t0);
      if (now - first < seconds * 1000) remote.requestVideoFrameCallback(onFrame);
      else finish();
    };
    remote.requestVideoFrameCallback(onFrame);
    setTimeout(finish, seconds * 1000 + 5000);   // no frames come: say so
  });
}

// In the page: what its RTCPeerConnection sends and receives of video
// (getStats), and the tracks of the stream the remote <video> plays.
async function videoFacts() {
  const facts = { tracksBack: [], camera: null };
  const remote = document.getElementById("remote-video");
  const local = document.getElementById("local-video");
  if (remote.srcObject) facts.tracksBack = remote.srcObject.getTracks().map((t) => t.kind).sort();
  facts.remoteSize = [remote.videoWidth, remote.videoHeight];
  facts.cameraSize = [local.videoWidth, local.videoHeight];
  const pc = window.__peers[window.__peers.length - 1];
  if (!pc) return facts;
  const stats = await pc.getStats();
  stats.forEach((r) => {
    if (r.kind !== "video") return;
    if (r.type === "outbound-rtp")
      facts.sent = { size: [r.frameWidth, r.frameHeight], fps: r.framesPerSecond, frames: r.framesSent,
        limitedBy: r.qualityLimitationReason };
    if (r.type === "inbound-rtp")
      facts.received = { size: [r.frameWidth, r.frameHeight], fps: r.framesPerSecond,
        frames: r.framesDecoded, codec: r.codecId && stats.get(r.codecId) ? stats.get(r.codecId).mimeType : "" };
  });
  return facts;
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
    const webrtc = name.startsWith("webrtc");
    const media = name.includes("-audio-video") ? "Audio + video" : name.includes("-video") ? "Video" : "Audio";
    const hasAudio = media !== "Video", hasVideo = media !== "Audio";
    const videoBack = hasVideo && !name.endsWith("-audio-back");
    await page.getByRole("radio", { name: webrtc ? "WebRTC" : "WebSocket", exact: true }).check();
    if (name === "websocket-binary") await page.getByLabel("binary media").check();
    if (!webrtc) {
      // The video choices are off, and the page says why.
      result.videoChoicesOff = await page.evaluate(() =>
        [...document.querySelectorAll("input[name=media]")].filter((r) => r.value !== "audio").every((r) => r.disabled));
      result.mediaNote = await page.locator("#media-note").isVisible() ?
        await page.locator("#media-note").textContent() : "";
    }
    await page.getByRole("radio", { name: media, exact: true }).check();
    result.videoShown = await page.locator("#local-video").isVisible();
    const t0 = Date.now();
    await page.getByRole("button", { name: "Start" }).click();
    await page.waitForFunction(() => document.getElementById("state").textContent === "connected",
      null, { timeout: 20000 });
    result.connectedMs = Date.now() - t0;
    result.sessionId = await page.locator("#session-id").textContent();

    if (hasVideo) {
      // The picture sent back (or, from an audio-only pipeline, the page's
      // word that none comes).
      await page.waitForFunction((back) => back ? document.getElementById("remote-video").videoWidth > 0 :
        document.getElementById("remote-video-info").textContent.startsWith("nothing yet"),
      videoBack, { timeout: 20000 });
      if (videoBack) result.video = await page.evaluate(measureVideo, 3);
      Object.assign(result, await page.evaluate(videoFacts));
      result.videoInfo = await page.locator("#remote-video-info").textContent();
    }

    // The echo's pitch, as the page measures it (AnalyserNode on playback).
    const pitches = [];
    const deadline = Date.now() + (hasAudio ? 10000 : 0);
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
    await page.screenshot({ path: result.screenshot, fullPage: true });

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
