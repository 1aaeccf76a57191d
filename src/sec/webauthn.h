/* webauthn.h — the checks of WebAuthn Level 3 (§7.1 registration, §7.2 authentication)
 * that need only bytes: client data, authenticator data, attestation statements
 * (`none`, `packed` self and x5c) and signatures with COSE public keys (ES256, EdDSA,
 * RS256). No store, no HTTP: the ceremonies' state (challenges, credentials, sign
 * counts) is the domain's (auth/passkeys.c). CBOR through sec/cbor.h. */
#ifndef AG_WEBAUTHN_H
#define AG_WEBAUTHN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

#define COSE_ES256 (-7)
#define COSE_EDDSA (-8)
#define COSE_RS256 (-257)

/* authenticator data flags (§6.1) */
#define AD_UP 0x01
#define AD_UV 0x04
#define AD_BE 0x08
#define AD_BS 0x10
#define AD_AT 0x40
#define AD_ED 0x80

#define WA_CRED_ID_MAX 1023
#define WA_AAGUID_LEN 16

enum wa_err {
	WA_OK = 0,
	WA_MALFORMED, /* bytes that do not parse */
	WA_TYPE, /* clientData.type is not the ceremony's */
	WA_CHALLENGE, /* clientData.challenge is not the one we issued */
	WA_ORIGIN, /* clientData.origin is not allowed (or crossOrigin) */
	WA_RP_ID, /* rpIdHash is not SHA-256 of our RP ID */
	WA_UP, /* user presence flag missing */
	WA_UV, /* user verification required but not done */
	WA_ALG, /* key type or algorithm not accepted */
	WA_FORMAT, /* attestation format not supported */
	WA_ATTESTATION, /* attestation statement does not verify */
	WA_SIGNATURE, /* assertion signature does not verify */
	WA_UNTRUSTED, /* roots are required and the attestation does not lead to one */
};
/* (The domain answers these with the error table's AG_WA_* codes, core/err.h.) */

/* A credential public key: its COSE algorithm and the DER SubjectPublicKeyInfo. */
struct cose_key {
	int alg;
	const unsigned char *spki;
	size_t spki_len;
};

/* Import a COSE_Key given as CBOR bytes; *used (may be NULL) gets the bytes it took.
 * EC2 P-256 with ES256, OKP Ed25519 with EdDSA, RSA (2048..8192 bits) with RS256;
 * points must be on the curve. */
enum wa_err cose_key_import(struct arena *a, const unsigned char *cbor, size_t n, size_t *used, struct cose_key *out);

/* Verify sig over msg with an SPKI of the given COSE algorithm (ES256: DER signature). */
bool cose_verify(int alg, const unsigned char *spki, size_t spki_len, const void *msg, size_t n,
                 const unsigned char *sig, size_t siglen);

/* A packed statement's x5c: the attestation certificate first, then its chain (DER). */
#define X5C_MAX 8
struct x5c {
	const unsigned char *der[X5C_MAX];
	size_t len[X5C_MAX];
	int n;
};

/* Whose attestation is trusted: roots_pem NULL (the default) checks and records
 * attestation without requiring any; with a PEM bundle of roots, a registration must
 * carry a packed x5c chain that leads to one of them at now_s (anything else is
 * WA_UNTRUSTED). docs/PASSKEYS.md, "Attestation". */
struct wa_trust {
	const char *roots_pem;
	int64_t now_s;
};
#define X5C_ROOTS_PEM_MAX 65536

/* x5c: §8.2.1 on the attestation certificate (v3; subject C of two letters, O, CN, OU
 * "Authenticator Attestation"; not a CA; the AAGUID extension, when present, not
 * critical and equal to the AAGUID), each further certificate issuing and signing the
 * one before it, sig over msg with the certificate's key, and, when trust names roots,
 * a path to one of them (*trusted). */
enum wa_err x5c_verify(int alg, const struct x5c *chain, const unsigned char aaguid[16], const void *msg, size_t mlen,
                       const unsigned char *sig, size_t siglen, const struct wa_trust *trust, bool *trusted);
/* NULL when pem is one PEM certificate that parses (a project's attestation root), else
 * what is wrong. */
const char *x5c_roots_problem(const char *pem);

struct authdata {
	unsigned char rp_id_hash[32];
	uint8_t flags;
	uint32_t sign_count;
	bool has_cred; /* AT: attested credential data follows */
	unsigned char aaguid[WA_AAGUID_LEN];
	const unsigned char *cred_id;
	size_t cred_id_len;
	struct cose_key key;
};

/* Parse authenticator data (§6.1): every byte accounted for, extensions well-formed. */
enum wa_err authdata_parse(struct arena *a, const unsigned char *p, size_t n, struct authdata *out);

/* Client data (§5.8.1): type, challenge (base64url, compared in constant time), origin
 * (one of origins[]), crossOrigin not true. *origin_out (may be NULL) gets the origin. */
enum wa_err client_data_check(struct arena *a, const char *json, size_t n, const char *type, const char *challenge,
                              const char *const *origins, int norigins, const char **origin_out);

struct registration {
	struct authdata ad;
	const char *fmt; /* "none" | "packed" */
	const char *attestation_type; /* "none" | "self" | "basic" (x5c) */
	bool attestation_trusted; /* x5c leading to one of the trust's roots */
};

/* §7.1 steps on the attestation object: rpIdHash, UP (and UV when required), attested
 * credential data present with an accepted algorithm (algs[], nalgs), the attestation
 * statement over authData || SHA-256(clientDataJSON), and (step 23) its trust: with
 * roots in trust (may be NULL), only an x5c chain leading to one is accepted. */
enum wa_err registration_check(struct arena *a, const unsigned char *att, size_t n, const unsigned char cdh[32],
                               const char *rp_id, bool require_uv, const int *algs, int nalgs,
                               const struct wa_trust *trust, struct registration *out);

/* §7.2 steps on an assertion: authData parses, rpIdHash, UP (UV when required) and the
 * signature over authData || SHA-256(clientDataJSON) with the stored key. Sign count
 * and backup-state rules are the caller's (they need the stored credential). */
enum wa_err assertion_check(struct arena *a, const unsigned char *ad, size_t adn, const unsigned char cdh[32],
                            const unsigned char *sig, size_t siglen, const char *rp_id, bool require_uv,
                            const struct cose_key *key, struct authdata *out);

#endif
