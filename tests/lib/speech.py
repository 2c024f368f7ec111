"""Speech for the turn detection tests: espeak-ng utterances (synthesized on
the spot: nothing downloaded), resampled, set to a level, placed at known
positions between pauses and mixed with noise; where each utterance truly
begins and ends."""
import io
import subprocess
import wave

import numpy as np

TEXTS = [
    "Hello there, this is a test of turn detection.",
    "One two three four five.",
    "Yes.",
    "Could you tell me the weather in Paris tomorrow morning?",
    "Stop.",
    "I would like to book a table for two people at eight.",
]
VOICES = ["en-us", "en", "en-us+f3", "en+m3"]


def lowpass(x, cutoff):
    """@x through a windowed-sinc low-pass at @cutoff (a fraction of the
    sample rate, < 0.5)."""
    taps = 101
    n = np.arange(taps) - (taps - 1) / 2
    h = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(taps)
    return np.convolve(x, h / h.sum(), mode="same")


def resample(x, rate_in, rate_out):
    """Band-limited (low-pass, then linear interpolation: plenty for a
    detector's test signal)."""
    if rate_in == rate_out:
        return x.astype(np.float64)
    x = lowpass(x.astype(np.float64), 0.45 * min(rate_in, rate_out) / rate_in)
    n = int(len(x) * rate_out / rate_in)
    return np.interp(np.arange(n) * rate_in / rate_out, np.arange(len(x)), x)


def level_db(x):
    """RMS in dBFS of the samples above 1 % of the peak (the speech)."""
    peak = np.max(np.abs(x)) if len(x) else 0
    active = x[np.abs(x) > 0.01 * peak] if peak else x
    r = np.sqrt(np.mean(active.astype(np.float64) ** 2)) if len(active) else 0
    return 20 * np.log10(max(r, 1e-9) / 32768)


def synth(text, voice="en-us", rate=48000, level=-20.0):
    """@text spoken by espeak-ng at @rate, its speech at @level dBFS RMS,
    trimmed to its true bounds (first to last sample above 1 % of its
    peak)."""
    out = subprocess.run(["espeak-ng", "-v", voice, "--stdout", text],
                         capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(out)) as w:
        r = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    x = resample(x, r, rate)
    x *= 10 ** ((level - level_db(x)) / 20)
    a, b = bounds(x)
    return x[a:b]


def bounds(x):
    """[first, last + 1) of the samples above 1 % of the peak."""
    idx = np.nonzero(np.abs(x) > 0.01 * np.max(np.abs(x)))[0]
    return int(idx[0]), int(idx[-1]) + 1


def noise(kind, n, rate, level, rng):
    """@n samples of steady noise at @level dBFS RMS: white, pink (1/f),
    brown (1/f²), or hum (50 Hz and harmonics). The coloured ones have
    nothing below 20 Hz (what a microphone and its DC filter pass: most
    of the power of 1/f noise sits below the audio band, where it is a slow
    drift of the level, not a sound)."""
    if kind == "hum":
        t = np.arange(n) / rate
        x = sum(a * np.sin(2 * np.pi * f * t) for f, a in ((50, 1), (150, .5), (250, .3)))
    else:
        w = rng.standard_normal(n)
        if kind == "white":
            x = w
        else:
            spectrum = np.fft.rfft(w)
            f = np.fft.rfftfreq(n, 1.0 / rate)
            f[0] = 1
            spectrum /= np.sqrt(f) if kind == "pink" else f
            spectrum[f < 20] = 0
            x = np.fft.irfft(spectrum, n)
    x = x / np.sqrt(np.mean(x ** 2))
    return x * 32768 * 10 ** (level / 20)


def clicks(n, rate, per_second, level, rng):
    """Clicks: 1-5 ms decaying bursts of noise peaking at @level dBFS,
    @per_second of them at random times."""
    x = np.zeros(n)
    count = int(per_second * n / rate)
    for at in rng.integers(0, max(1, n - rate // 100), count):
        length = int(rng.integers(rate // 1000, rate // 200 + 1))
        burst = rng.standard_normal(length) * np.exp(-np.arange(length) / (length / 4))
        x[at:at + length] += burst / np.max(np.abs(burst)) * 32768 * 10 ** (level / 20)
    return x


def scene(utterances, rate, lead=1.0, gap=1.5, tail=1.5):
    """@utterances (arrays at @rate) one after another, @lead seconds of
    silence first, @gap between them, @tail after: the float signal and
    each utterance's true [start, end) in seconds."""
    parts = [np.zeros(int(lead * rate))]
    truth = []
    t = lead
    for i, u in enumerate(utterances):
        truth.append((t, t + len(u) / rate))
        parts.append(u)
        t += len(u) / rate
        pause = tail if i == len(utterances) - 1 else gap
        parts.append(np.zeros(int(pause * rate)))
        t += int(pause * rate) / rate
    return np.concatenate(parts), truth


def to_s16(x):
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)
