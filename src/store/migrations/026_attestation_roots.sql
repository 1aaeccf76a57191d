-- 026: a project's passkey attestation roots (docs/PASSKEYS.md, "Attestation"): a JSON
-- array of PEM certificates, or NULL (attestation checked and recorded, not required).
-- With roots, a passkey registration must carry a packed x5c chain that leads to one.
ALTER TABLE projects ADD COLUMN passkey_attestation_roots TEXT;
