// Injected into the widget's page before it loads: a microphone that speaks when the test says so,
// and an ear on Hard-E's voice.
//
// Chromium's own fake microphone (--use-file-for-fake-audio-capture) plays its WAV on its own
// clock from the moment capture starts, so on a busy machine the sentence can overlap the
// greeting and be lost, as a person talking over it would be. A person waits for the greeting;
// so does the test: it calls hardETest.speak(...) once it has heard it. The permission check
// stays Chromium's: getUserMedia still asks the real (fake-device) microphone first, so a blocked
// microphone is refused exactly as before.
(() => {
  const devices = navigator.mediaDevices;
  const realGetUserMedia = devices.getUserMedia.bind(devices);
  let context = null;
  let mouth = null;

  function audio() {
    if (!context) {
      context = new AudioContext({ sampleRate: 48000 });
      mouth = context.createMediaStreamDestination();
    }
    return context;
  }

  devices.getUserMedia = async (constraints) => {
    const granted = await realGetUserMedia(constraints); // throws for a blocked microphone
    if (!constraints || !constraints.audio) return granted;
    granted.getAudioTracks().forEach((track) => track.stop());
    audio();
    return new MediaStream([mouth.stream.getAudioTracks()[0].clone(), ...granted.getVideoTracks()]);
  };

  function pcm16ToBuffer(base64, rate) {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const samples = new Int16Array(bytes.buffer);
    const buffer = audio().createBuffer(1, samples.length, rate);
    const channel = buffer.getChannelData(0);
    for (let i = 0; i < samples.length; i++) channel[i] = samples[i] / 32768;
    return buffer;
  }

  let recording = null;

  window.hardETest = {
    // Say mono PCM16 (base64) into the microphone; resolves when the last sample has played.
    speak(base64, rate) {
      const source = audio().createBufferSource();
      source.buffer = pcm16ToBuffer(base64, rate);
      source.connect(mouth);
      const done = new Promise((resolve) => (source.onended = resolve));
      source.start();
      return done;
    },

    // Start recording what the page plays of Hard-E's voice (the remote track).
    listen() {
      const element = document.querySelector(".hde-audio");
      if (!element || !element.srcObject) throw new Error("no remote audio yet");
      const input = audio().createMediaStreamSource(element.srcObject);
      const tap = context.createScriptProcessor(4096, 1, 1);
      const chunks = [];
      tap.onaudioprocess = (event) => chunks.push(new Float32Array(event.inputBuffer.getChannelData(0)));
      input.connect(tap);
      tap.connect(context.destination);
      recording = { input, tap, chunks };
    },

    // Stop once `quietMs` of silence follows speech (or at `limitMs`); PCM16 (base64) and its rate.
    async heard(quietMs, limitMs) {
      const { input, tap, chunks } = recording;
      const rate = context.sampleRate;
      const deadline = Date.now() + limitMs;
      const quietSamples = (quietMs / 1000) * rate;
      const loud = (chunk) => chunk.some((s) => Math.abs(s) > 0.02);
      for (;;) {
        let quiet = 0;
        let spoke = false;
        for (const chunk of chunks) {
          if (loud(chunk)) {
            spoke = true;
            quiet = 0;
          } else {
            quiet += chunk.length;
          }
        }
        if ((spoke && quiet >= quietSamples) || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      input.disconnect();
      tap.disconnect();
      recording = null;
      const total = chunks.reduce((n, chunk) => n + chunk.length, 0);
      const pcm = new Int16Array(total);
      let at = 0;
      for (const chunk of chunks) {
        for (const s of chunk) pcm[at++] = Math.max(-32768, Math.min(32767, Math.round(s * 32767)));
      }
      let binary = "";
      const bytes = new Uint8Array(pcm.buffer);
      for (let i = 0; i < bytes.length; i += 0x8000) {
        binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      }
      return { pcm: btoa(binary), rate };
    },
  };
})();
