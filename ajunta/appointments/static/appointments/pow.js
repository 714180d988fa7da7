// Proof of work for the booking form under load (ajunta/appointments/pow.py): find a nonce whose
// SHA-256 with the challenge starts with the required zero bits, then submit.
(function () {
  const form = document.querySelector("form[data-pow-bits]");
  if (!form || !window.crypto || !crypto.subtle) return;
  const bits = parseInt(form.dataset.powBits, 10);
  const challenge = form.querySelector("[name=pow_challenge]").value;
  const status = document.getElementById("pow-status");
  function zeroBits(bytes) {
    let n = 0;
    for (const b of bytes) {
      if (b === 0) { n += 8; continue; }
      n += Math.clz32(b) - 24;
      break;
    }
    return n;
  }
  let solved = false;
  form.addEventListener("submit", async function (event) {
    if (solved) return;
    event.preventDefault();
    if (status) status.hidden = false;
    const encoder = new TextEncoder();
    for (let nonce = 0; ; nonce++) {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + nonce)));
      if (zeroBits(digest) >= bits) {
        form.querySelector("[name=pow_nonce]").value = String(nonce);
        break;
      }
    }
    solved = true;
    form.submit();
  });
})();
