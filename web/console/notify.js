// A short chime and a desktop notification for a new offer or message. The browser asks for
// permission once (the answer is the browser's to remember); the chime needs no file.

const ASKED = "atende.console.notify-asked";
/** @type {AudioContext | undefined} */
let audio;

export function askPermissionOnce() {
  if (!("Notification" in window) || Notification.permission !== "default" || localStorage.getItem(ASKED)) return;
  localStorage.setItem(ASKED, "1");
  Notification.requestPermission().catch(() => {});
}

function chime() {
  try {
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.35);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.35);
  } catch { /* no sound device: the list still shows it */ }
}

/** @param {string} title @param {string} body */
export function notify(title, body) {
  chime();
  if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
    new Notification(title, { body: body.slice(0, 140), tag: "atende" });
  }
}
