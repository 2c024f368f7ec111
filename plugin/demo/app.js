// The demo page: microphone and/or camera -> this server (WebRTC with
// FastRTC signalling; or FastRTC's WebSocket dialect, audio only) -> what
// the pipeline sends back, played and shown.
"use strict";

const $ = (id) => document.getElementById(id);
const ui = {
  start: $("start"), stop: $("stop"), binary: $("binary-media"),
  error: $("error"), sessionId: $("session-id"), state: $("state"),
  setup: $("setup-time"), roundTrip: $("round-trip"), messages: $("messages"),
  inputLevel: $("input-level"), inputDb: $("input-db"),
  outputLevel: $("output-level"), outputDb: $("output-db"),
  outputPitch: $("output-pitch"), mediaNote: $("media-note"), mediaChoice: $("media-choice"),
  video: $("video"), localVideo: $("local-video"), remoteVideo: $("remote-video"),
  remoteVideoInfo: $("remote-video-info"),
};

const ERRORS = {
  concurrency_limit_reached: "The server is full: it serves no more sessions right now.",
  unauthorized: "The server refused this client (unauthorized).",
  connection_already_exists: "A session with this id is already live.",
  invalid_session_id: "The server rejected the session id.",
  no_audio: "The offer carried nothing the server can take (it takes Opus audio and VP8 video).",
  invalid_sdp: "The server could not read this browser's offer.",
  remote_description_rejected: "The server could not use this browser's offer.",
  unsupported_media_format: "The server does not take this audio format.",
  connection_closed: "The session was already closed.",
  forbidden_origin: "The server does not serve pages from this origin.",
  address_limit_reached: "This address holds as many sessions as the server allows.",
};

// The server's auth-token, when the page was opened as /?token=…: every
// request the page makes carries it on.
const AUTH_TOKEN = new URLSearchParams(location.search).get("token");
function withToken(path) {
  const url = new URL(path, location.href);
  url.search = "";
  if (AUTH_TOKEN) url.searchParams.set("token", AUTH_TOKEN);
  return url;
}
const MESSAGE_LINES = 200;
const PING_INTERVAL_MS = 1000;
const FRAME_MS = 20;

let session = null;   // the live call, or null

function transport() {
  return document.querySelector("input[name=transport]:checked").value;
}

// "audio", "video" or "audio-video": what the call sends (and gets back).
function media() {
  return document.querySelector("input[name=media]:checked").value;
}

function setState(state) {
  ui.state.textContent = state;
  ui.state.dataset.state = state;
}

function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = !text;
  if (text) log(text, "problem");
}

function errorInWords(code, extra) {
  const words = ERRORS[code] || `The server answered: ${code}.`;
  return extra && extra.limit ? `${words} (limit ${extra.limit})` : words;
}

function log(text, kind) {
  const item = document.createElement("li");
  if (kind) item.className = kind;
  const time = document.createElement("time");
  time.textContent = new Date().toLocaleTimeString([], {hour12: false});
  item.append(time, text);
  ui.messages.append(item);
  while (ui.messages.children.length > MESSAGE_LINES)
    ui.messages.firstElementChild.remove();
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function randomId() {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function ms(value) {
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

// ---- G.711 µ-law ---------------------------------------------------------

function mulawEncode(sample) {   // float in [-1, 1] -> byte
  let s = Math.max(-1, Math.min(1, sample)) * 32767;
  const sign = s < 0 ? 0x80 : 0;
  s = Math.min(Math.abs(s), 32635) + 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

const MULAW_TABLE = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  const u = ~i & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = (((u & 0x0f) << 3) + 0x84) << exponent;
  MULAW_TABLE[i] = ((u & 0x80) ? 0x84 - magnitude : magnitude - 0x84) / 32768;
}

function base64Of(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function bytesOf(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

// ---- the devices: microphone and/or camera -------------------------------

// One stream of what @kinds ("audio", "video", "audio-video") asks for: one
// permission prompt, and what goes out shares one stream id.
function openDevices(kinds) {
  return navigator.mediaDevices.getUserMedia({
    audio: kinds !== "video" && {echoCancellation: false, noiseSuppression: false,
      autoGainControl: false, channelCount: 1},
    // The server sends back at most 640×480 (video-max-width, -height).
    video: kinds !== "audio" && {width: {ideal: 640}, height: {ideal: 480}},
  });
}

function devicesInWords(kinds) {
  return {audio: "microphone", video: "camera", "audio-video": "microphone or camera"}[kinds];
}

// ---- audio: microphone, meters, playback ---------------------------------

async function openAudio(local) {
  const mic = new MediaStream(local.getAudioTracks());
  // 48 kHz, the server's default input rate; a browser that cannot mix
  // rates (Firefox) gets its own, and the WebSocket path resamples.
  let context = new AudioContext({sampleRate: 48000, latencyHint: "interactive"});
  let source;
  try {
    source = context.createMediaStreamSource(mic);
  } catch (e) {
    context.close();
    context = new AudioContext({latencyHint: "interactive"});
    source = context.createMediaStreamSource(mic);
  }
  await context.resume();
  const input = context.createAnalyser();
  input.fftSize = 2048;
  source.connect(input);
  const output = context.createAnalyser();   // everything played passes here
  output.fftSize = 8192;
  output.smoothingTimeConstant = 0.5;
  output.connect(context.destination);
  return {mic, context, source, input, output};
}

function levelDb(analyser) {
  const samples = new Float32Array(analyser.fftSize);
  analyser.getFloatTimeDomainData(samples);
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / samples.length);
  return rms > 0 ? Math.max(-60, 20 * Math.log10(rms)) : -60;
}

// The loudest frequency on an analyser, in Hz (parabolic interpolation
// between bins), or 0 in silence.
function dominantFrequency(analyser) {
  const bins = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(bins);
  let best = 1;
  for (let i = 2; i < bins.length - 1; i++) if (bins[i] > bins[best]) best = i;
  if (bins[best] < -80) return 0;
  const [a, b, c] = [bins[best - 1], bins[best], bins[best + 1]];
  const shift = (a - 2 * b + c) !== 0 ? 0.5 * (a - c) / (a - 2 * b + c) : 0;
  return (best + shift) * analyser.context.sampleRate / analyser.fftSize;
}

function showLevels() {
  if (!session || !session.audio) return;
  const {input, output} = session.audio;
  const inDb = levelDb(input), outDb = levelDb(output);
  ui.inputLevel.value = inDb;
  ui.inputDb.textContent = inDb <= -60 ? "silent" : `${Math.round(inDb)} dB`;
  ui.outputLevel.value = outDb;
  ui.outputDb.textContent = outDb <= -60 ? "silent" : `${Math.round(outDb)} dB`;
  const pitch = outDb > -50 ? dominantFrequency(output) : 0;
  ui.outputPitch.textContent = pitch ? `${Math.round(pitch)} Hz` : "—";
  session.lastPitch = pitch;
}

// Plays µ-law (or S16LE) chunks in order, each scheduled right after the last.
class Player {
  constructor(audio) {
    this.audio = audio;
    this.next = 0;
  }
  play(samples, rate) {
    const context = this.audio.context;
    const buffer = context.createBuffer(1, samples.length, rate);
    buffer.copyToChannel(samples, 0);
    const node = context.createBufferSource();
    node.buffer = buffer;
    node.connect(this.audio.output);
    const now = context.currentTime;
    if (this.next < now + 0.02) this.next = now + 0.06;   // (re)start with a cushion
    node.start(this.next);
    this.next += buffer.duration;
  }
}

// ---- video: the camera's preview, the picture sent back -------------------

function showVideo(s) {
  ui.localVideo.srcObject = new MediaStream(s.local.getVideoTracks());
  ui.remoteVideo.srcObject = null;
  ui.remoteVideoInfo.textContent = "waiting…";
}

// The picture sent back: played (muted: its sound, if any, plays through
// WebAudio), its size and frame rate shown once a second.
function playRemoteVideo(s, stream) {
  s.videoBack = true;
  clearInterval(s.videoTimer);
  const video = ui.remoteVideo;
  video.srcObject = stream;
  video.play().catch(() => {});
  // Frames presented, as the frame callbacks count them (a busy page skips
  // callbacks, not frames).
  let presented = null, counted = null, since = performance.now();
  if (video.requestVideoFrameCallback) {
    const onFrame = (now, frame) => {
      if (s.finished) return;
      presented = frame.presentedFrames;
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }
  let waits = 0;
  s.videoTimer = setInterval(() => {
    const now = performance.now();
    const fps = counted === null ? null : (presented - counted) * 1000 / (now - since);
    counted = presented;
    since = now;
    if (!video.videoWidth) {
      if (s.connected && ++waits === 3)
        ui.remoteVideoInfo.textContent = "nothing yet: this pipeline may send no video";
      return;
    }
    ui.remoteVideoInfo.textContent = `${video.videoWidth}×${video.videoHeight}` +
      (fps === null ? "" : `, ${Math.round(fps)} fps`);
  }, 1000);
}

function stopVideo(s) {
  clearInterval(s.videoTimer);
  ui.localVideo.srcObject = null;
  ui.remoteVideo.srcObject = null;
  ui.remoteVideoInfo.textContent = "—";
}

// ---- WebSocket (FastRTC dialect, binary media extension optional) -------

async function startWebSocket(s) {
  const binary = ui.binary.checked;
  const url = withToken("/websocket/offer");
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  s.ws = ws;
  s.inputRate = 48000;    // the server's websocket-input-rate default
  s.outputRate = 24000;   // its websocket-output-rate default
  s.binaryOn = false;
  const player = new Player(s.audio);
  let opened = false;

  const ping = () => {
    if (ws.readyState !== WebSocket.OPEN) return;
    s.pingSent = performance.now();
    ws.send(JSON.stringify({event: "ping"}));
  };
  // The session is up once the server answers after `start` (a refused
  // start is answered with an error and a close instead).
  ws.onopen = () => {
    opened = true;
    ws.send(JSON.stringify({event: "start", websocket_id: s.id}));
    if (binary) ws.send(JSON.stringify({event: "binary_media", encoding: "mulaw"}));
    ping();
    s.pinger = setInterval(ping, PING_INTERVAL_MS);
  };
  ws.onmessage = (event) => {
    if (typeof event.data !== "string") {
      const bytes = new Uint8Array(event.data);
      const samples = new Float32Array(bytes.length);
      for (let i = 0; i < bytes.length; i++) samples[i] = MULAW_TABLE[bytes[i]];
      player.play(samples, s.outputRate);
      return;
    }
    let message;
    try { message = JSON.parse(event.data); } catch (e) {
      log(`unreadable message: ${event.data.slice(0, 80)}`, "problem");
      return;
    }
    if (message.event === "media" && message.media) {
      const bytes = bytesOf(message.media.payload);
      const samples = new Float32Array(bytes.length);
      for (let i = 0; i < bytes.length; i++) samples[i] = MULAW_TABLE[bytes[i]];
      player.play(samples, s.outputRate);
    } else if (message.event === "pong") {
      if (s.pingSent) ui.roundTrip.textContent = ms(performance.now() - s.pingSent);
      // The server answers in order: a pong before any binary_media answer
      // means it does not know the extension.
      if (binary && !s.binaryOn && !s.connected)
        log("The server does not take binary media: sending JSON media.");
      connected(s);
    } else if (message.event === "binary_media") {
      s.inputRate = message.input_rate || s.inputRate;
      s.outputRate = message.output_rate || s.outputRate;
      s.binaryOn = true;
      log(`binary media on: ${message.encoding}, ${s.inputRate} Hz in, ${s.outputRate} Hz out`);
      connected(s);
    } else if (message.status === "failed") {
      const code = message.meta && message.meta.error;
      showError(errorInWords(code, message.meta));
    } else {
      log(`server: ${event.data}`, "from-server");
    }
  };
  ws.onerror = () => {
    if (!opened) showError("Connection failed: the server did not accept the WebSocket.");
  };
  ws.onclose = (event) => {
    if (session !== s) return;
    if (!s.stopping && opened && event.code !== 1000 && ui.error.hidden)
      showError(`The server closed the connection (code ${event.code}${event.reason ? ": " + event.reason : ""}).`);
    log(`connection closed (code ${event.code})`);
    finish(s, s.stopping || event.code === 1000 ? "closed" : "failed");
  };

  // Microphone -> 20 ms frames of µ-law at the server's input rate.
  await s.audio.context.audioWorklet.addModule(withToken("/demo/capture-worklet.js").href);
  const capture = new AudioWorkletNode(s.audio.context, "capture");
  const sink = s.audio.context.createGain();
  sink.gain.value = 0;
  s.audio.source.connect(capture);
  capture.connect(sink).connect(s.audio.context.destination);
  s.capture = capture;
  let pending = [];
  let position = 0;   // fractional read position for resampling
  let previous = 0;   // the last sample of the block before
  const contextRate = s.audio.context.sampleRate;
  capture.port.onmessage = ({data}) => {
    if (ws.readyState !== WebSocket.OPEN || !s.connected) return;
    // Resample (linear) from the context's rate to the server's input rate;
    // block[0] is the previous block's last sample.
    const step = contextRate / s.inputRate;
    const block = new Float32Array(data.length + 1);
    block[0] = previous;
    block.set(data, 1);
    previous = data[data.length - 1];
    for (; position < data.length; position += step) {
      const i = Math.floor(position), f = position - i;
      pending.push(block[i] * (1 - f) + block[i + 1] * f);
    }
    position -= data.length;
    const frame = Math.round(s.inputRate * FRAME_MS / 1000);
    while (pending.length >= frame) {
      const bytes = new Uint8Array(frame);
      for (let i = 0; i < frame; i++) bytes[i] = mulawEncode(pending[i]);
      pending = pending.slice(frame);
      if (s.binaryOn) ws.send(bytes);
      else ws.send(JSON.stringify({event: "media", media: {payload: base64Of(bytes)}}));
    }
  };
}

function stopWebSocket(s) {
  clearInterval(s.pinger);
  if (s.capture) s.capture.port.onmessage = null;
  if (s.ws.readyState === WebSocket.OPEN) {
    s.ws.send(JSON.stringify({event: "stop"}));
    s.ws.close(1000, "stop");
  } else if (s.ws.readyState === WebSocket.CONNECTING) {
    s.ws.close();
  }
}

// ---- WebRTC (FastRTC signalling) -----------------------------------------

async function startWebRtc(s) {
  const pc = new RTCPeerConnection();
  s.pc = pc;
  const channel = pc.createDataChannel("text");
  channel.onopen = () => { channel.send("handshake"); log("data channel open, sent handshake"); };
  channel.onmessage = (event) => log(`data channel: ${event.data}`, "from-server");
  s.local.getTracks().forEach((track) => pc.addTrack(track, s.local));
  // Audio and video sent back come in one stream (one msid): one event each.
  pc.ontrack = (event) => {
    const stream = event.streams[0] || new MediaStream([event.track]);
    if (event.track.kind === "video") {
      playRemoteVideo(s, stream);
      return;
    }
    if (!s.audio) return;
    // Chromium feeds a remote track to WebAudio only while a media element
    // plays it too; the element stays muted, WebAudio plays it.
    s.sinkElement = new Audio();
    s.sinkElement.muted = true;
    s.sinkElement.srcObject = stream;
    s.sinkElement.play().catch(() => {});
    s.remote = s.audio.context.createMediaStreamSource(stream);
    s.remote.connect(s.audio.output);
  };
  pc.onconnectionstatechange = () => {
    if (s.finished) return;
    const state = pc.connectionState;
    if (state === "connected") connected(s);
    else if (state === "failed") {
      showError("Connection failed: no network path to the server's WebRTC peer.");
      finish(s, "failed");
    } else if (state === "disconnected") setState("disconnected");
    else if (state === "closed") finish(s, "closed");
  };

  await pc.setLocalDescription(await pc.createOffer());
  // The server does not trickle, and this page does not either: the offer
  // carries every candidate.
  await new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    const done = () => { if (pc.iceGatheringState === "complete") resolve(); };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, 3000);
  });
  if (s.finished) return;
  const headers = {"Content-Type": "application/json"};
  if (AUTH_TOKEN) headers.Authorization = `Bearer ${AUTH_TOKEN}`;
  const reply = await fetch("/webrtc/offer", {method: "POST", headers,
    body: JSON.stringify({sdp: pc.localDescription.sdp, type: "offer", webrtc_id: s.id})});
  if (reply.status === 401 || reply.status === 403)
    throw new Error(errorInWords("unauthorized"));
  let answer;
  try { answer = await reply.json(); } catch (e) {
    throw new Error(`The server's answer was not JSON (HTTP ${reply.status}).`);
  }
  if (answer.status === "failed")
    throw new Error(errorInWords(answer.meta && answer.meta.error, answer.meta));
  if (!reply.ok || answer.type !== "answer")
    throw new Error(`The server refused the offer (HTTP ${reply.status}).`);
  if (s.finished) return;
  await pc.setRemoteDescription(answer);
  // Its tracks were announced while the answer was applied.
  if (s.video && !s.videoBack) ui.remoteVideoInfo.textContent = "none: the server sends no video back";

  s.statsTimer = setInterval(async () => {
    if (pc.connectionState !== "connected") return;
    const stats = await pc.getStats();
    stats.forEach((report) => {
      if (report.type === "candidate-pair" && report.nominated && report.state === "succeeded" &&
          report.currentRoundTripTime !== undefined)
        ui.roundTrip.textContent = ms(report.currentRoundTripTime * 1000);
    });
  }, PING_INTERVAL_MS);
}

function stopWebRtc(s) {
  clearInterval(s.statsTimer);
  if (s.sinkElement) s.sinkElement.srcObject = null;
  s.pc.close();   // closes the data channel: the server ends the session
}

// ---- the call ------------------------------------------------------------

function connected(s) {
  if (s.connected) return;
  s.connected = true;
  ui.setup.textContent = ms(performance.now() - s.startedAt);
  setState("connected");
  const what = s.transport === "websocket" ? (ui.binary.checked ? "binary media" : "audio") :
    s.media.replace("-", " + ");
  log(`connected over ${s.transport} (${what})`);
}

function finish(s, state) {
  if (s.finished) return;
  s.finished = true;
  clearInterval(s.meterTimer);
  if (s.transport === "websocket") stopWebSocket(s);
  else if (s.pc) stopWebRtc(s);
  if (s.local) s.local.getTracks().forEach((track) => track.stop());
  if (s.audio) s.audio.context.close();
  if (s.video) stopVideo(s);
  setState(state);
  ui.inputLevel.value = ui.outputLevel.value = -60;
  ui.inputDb.textContent = ui.outputDb.textContent = ui.outputPitch.textContent = "—";
  setControls(false);
}

function setControls(running) {
  ui.start.disabled = running;
  ui.stop.disabled = !running;
  document.querySelectorAll("input[name=transport]").forEach((r) => { r.disabled = running; });
  const websocket = transport() === "websocket";
  ui.binary.disabled = running || !websocket;
  // The WebSocket dialect carries audio only: its video choices are off.
  if (websocket && media() !== "audio")
    document.querySelector("input[name=media][value=audio]").checked = true;
  document.querySelectorAll("input[name=media]").forEach((r) => {
    r.disabled = running || (websocket && r.value !== "audio");
  });
  ui.mediaNote.hidden = !websocket;
  if (websocket) ui.mediaChoice.setAttribute("aria-describedby", "media-note");
  else ui.mediaChoice.removeAttribute("aria-describedby");
  if (!running) ui.video.hidden = media() === "audio";
}

async function start() {
  showError("");
  const s = {id: randomId(), transport: transport(), media: media(), startedAt: performance.now()};
  s.video = s.media !== "audio";
  session = s;
  setControls(true);
  ui.sessionId.textContent = s.id;
  ui.setup.textContent = ui.roundTrip.textContent = "—";
  setState("connecting");
  try {
    if (!navigator.mediaDevices)
      throw new Error("the browser gives it only to https:// and loopback pages " +
        "(from another machine: ssh -L 8080:127.0.0.1:8080 and open 127.0.0.1)");
    s.local = await openDevices(s.media);
    if (s.media !== "video") s.audio = await openAudio(s.local);
  } catch (e) {
    showError(`No ${devicesInWords(s.media)}: ${e.message || e.name}.`);
    finish(s, "failed");
    return;
  }
  if (s.video) showVideo(s);
  s.meterTimer = setInterval(showLevels, 100);
  try {
    if (s.transport === "websocket") await startWebSocket(s);
    else await startWebRtc(s);
  } catch (e) {
    if (session === s && !s.finished) {
      showError(e.message.startsWith("The ") ? e.message : `Connection failed: ${e.message}`);
      finish(s, "failed");
    }
  }
}

function stop() {
  if (!session || session.finished) return;
  session.stopping = true;
  log("hung up");
  finish(session, "closed");
}

$("controls").addEventListener("submit", (event) => event.preventDefault());
ui.start.addEventListener("click", start);
ui.stop.addEventListener("click", stop);
document.querySelectorAll("input[name=transport], input[name=media]").forEach((radio) =>
  radio.addEventListener("change", () => setControls(false)));
setControls(false);

// For tests and the console: the live call's state.
window.sessionctxDemo = {
  get sessionId() { return session && session.id; },
  get pitch() { return session && !session.finished ? session.lastPitch || 0 : 0; },
  get state() { return ui.state.textContent; },
};
