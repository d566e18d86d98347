// After django-otp-webauthn's script registers a passkey, show the security page
// again (its list now holds the new key). A static file, as the CSP demands.
document.addEventListener("otp_webauthn.register_complete", () => {
  const box = document.getElementById("passkey-add");
  window.location.assign(box ? box.dataset.then : window.location.pathname);
});
