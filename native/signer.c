/* minisign-format secret keys and signing (see include/osp/signer.h). */
#include "osp/signer.h"
#include "osp/error.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define SALT_BYTES crypto_pwhash_scryptsalsa208sha256_SALTBYTES
/* Stored in the file, so minisign reads them back; ~0.5 s, 256 MiB. */
#define KDF_OPSLIMIT 33554432ull
#define KDF_MEMLIMIT 268435456ull

struct keynum_sk {
    unsigned char keyid[OSP_SIG_KEYID_BYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    unsigned char chk[crypto_generichash_BYTES];
};

struct seckey {
    unsigned char sig_alg[2];
    unsigned char kdf_alg[2];
    unsigned char chk_alg[2];
    unsigned char salt[SALT_BYTES];
    unsigned char opslimit_le[8];
    unsigned char memlimit_le[8];
    struct keynum_sk k;
};

struct osp_signer {
    struct keynum_sk k;
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
};

static void le64_store(unsigned char out[8], uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t le64_load(const unsigned char in[8])
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | in[i];
    return v;
}

static void compute_chk(const struct keynum_sk *k, unsigned char out[crypto_generichash_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, crypto_generichash_BYTES);
    crypto_generichash_update(&st, (const unsigned char *)"Ed", 2);
    crypto_generichash_update(&st, k->keyid, sizeof k->keyid);
    crypto_generichash_update(&st, k->sk, sizeof k->sk);
    crypto_generichash_final(&st, out, crypto_generichash_BYTES);
}

static struct osp_signer *signer_alloc(void)
{
    if (sodium_init() < 0)
        return NULL;
    struct osp_signer *s = sodium_malloc(sizeof *s);
    if (s)
        memset(s, 0, sizeof *s);
    return s;
}

int osp_signer_generate(struct osp_signer **out)
{
    struct osp_signer *s = signer_alloc();
    *out = NULL;
    if (!s)
        return OSP_E_NO_MEMORY;
    randombytes_buf(s->k.keyid, sizeof s->k.keyid);
    crypto_sign_keypair(s->pk, s->k.sk);
    compute_chk(&s->k, s->k.chk);
    *out = s;
    return 0;
}

int osp_signer_from_seed(const unsigned char seed[32],
                         const unsigned char keyid[OSP_SIG_KEYID_BYTES],
                         struct osp_signer **out)
{
    struct osp_signer *s = signer_alloc();
    *out = NULL;
    if (!s)
        return OSP_E_NO_MEMORY;
    memcpy(s->k.keyid, keyid, OSP_SIG_KEYID_BYTES);
    crypto_sign_seed_keypair(s->pk, s->k.sk, seed);
    compute_chk(&s->k, s->k.chk);
    *out = s;
    return 0;
}

/* Decodes the base64 line of a secret key file into *sk. */
static int decode_seckey(const char *text, size_t len, struct seckey *sk)
{
    if (!text || len > OSP_SIGNER_FILE_MAX)
        return OSP_E_KEY_MALFORMED;
    const char *nl = memchr(text, '\n', len);
    /* text is not NUL-terminated: compare within the first line only. */
    if (!nl || nl - text < 19 || memcmp(text, "untrusted comment: ", 19) != 0)
        return OSP_E_KEY_MALFORMED;
    const char *line = nl + 1;
    size_t rest = len - (size_t)(line - text);
    size_t ll = 0;
    while (ll < rest && line[ll] != '\n' && line[ll] != '\r')
        ll++;
    size_t got = 0;
    const char *end = NULL;
    if (sodium_base642bin((unsigned char *)sk, sizeof *sk, line, ll, NULL, &got, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != sizeof *sk || end != line + ll)
        return OSP_E_KEY_MALFORMED;
    if (memcmp(sk->sig_alg, "Ed", 2) != 0 || memcmp(sk->chk_alg, "B2", 2) != 0)
        return OSP_E_UNSUPPORTED_ALGORITHM;
    if (memcmp(sk->kdf_alg, "Sc", 2) != 0 && memcmp(sk->kdf_alg, "\0\0", 2) != 0)
        return OSP_E_UNSUPPORTED_ALGORITHM;
    return 0;
}

int osp_signer_is_encrypted(const char *text, size_t len)
{
    struct seckey sk;
    memset(&sk, 0, sizeof sk);
    int rc = decode_seckey(text, len, &sk);
    int enc = memcmp(sk.kdf_alg, "Sc", 2) == 0;
    sodium_memzero(&sk, sizeof sk);
    return rc != 0 ? rc : enc;
}

/* XORs the key material with the scrypt stream for password. */
static int apply_kdf(struct seckey *sk, const char *password)
{
    unsigned char *stream = sodium_malloc(sizeof sk->k);
    if (!stream)
        return OSP_E_NO_MEMORY;
    uint64_t ops = le64_load(sk->opslimit_le), mem = le64_load(sk->memlimit_le);
    /* A hostile file could ask for terabytes; refuse absurd parameters. */
    if (ops > (1ull << 32) || mem > (4ull << 30) ||
        crypto_pwhash_scryptsalsa208sha256(stream, sizeof sk->k, password, strlen(password),
                                           sk->salt, ops, (size_t)mem) != 0) {
        sodium_free(stream);
        return OSP_E_KEY_MALFORMED;
    }
    unsigned char *k = (unsigned char *)&sk->k;
    for (size_t i = 0; i < sizeof sk->k; i++)
        k[i] ^= stream[i];
    sodium_free(stream);
    return 0;
}

int osp_signer_load(const char *text, size_t len, const char *password,
                    struct osp_signer **out)
{
    *out = NULL;
    if (sodium_init() < 0)
        return OSP_E_NO_MEMORY;
    struct seckey *sk = sodium_malloc(sizeof *sk);
    if (!sk)
        return OSP_E_NO_MEMORY;
    int rc = decode_seckey(text, len, sk);
    if (rc == 0 && memcmp(sk->kdf_alg, "Sc", 2) == 0) {
        rc = password ? apply_kdf(sk, password) : OSP_E_WRONG_PASSWORD;
        if (rc == 0) {
            unsigned char chk[crypto_generichash_BYTES];
            compute_chk(&sk->k, chk);
            if (sodium_memcmp(chk, sk->k.chk, sizeof chk) != 0)
                rc = OSP_E_WRONG_PASSWORD;
        }
    }
    struct osp_signer *s = rc == 0 ? signer_alloc() : NULL;
    if (rc == 0 && !s)
        rc = OSP_E_NO_MEMORY;
    if (rc == 0) {
        s->k = sk->k;
        crypto_sign_ed25519_sk_to_pk(s->pk, s->k.sk);
        *out = s;
    }
    sodium_free(sk);
    return rc;
}

int osp_signer_save(const struct osp_signer *s, const char *password, char *out, size_t cap)
{
    struct seckey *sk = sodium_malloc(sizeof *sk);
    if (!sk)
        return OSP_E_NO_MEMORY;
    memset(sk, 0, sizeof *sk);
    memcpy(sk->sig_alg, "Ed", 2);
    memcpy(sk->chk_alg, "B2", 2);
    sk->k = s->k;
    int encrypt = password && *password;
    int rc = 0;
    if (encrypt) {
        memcpy(sk->kdf_alg, "Sc", 2);
        randombytes_buf(sk->salt, sizeof sk->salt);
        le64_store(sk->opslimit_le, KDF_OPSLIMIT);
        le64_store(sk->memlimit_le, KDF_MEMLIMIT);
        rc = apply_kdf(sk, password);
    } else {
        /* As minisign -W writes it: no KDF and no checksum. */
        memset(sk->k.chk, 0, sizeof sk->k.chk);
    }
    char b64[sodium_base64_ENCODED_LEN(sizeof(struct seckey), sodium_base64_VARIANT_ORIGINAL)];
    if (rc == 0) {
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)sk, sizeof *sk,
                          sodium_base64_VARIANT_ORIGINAL);
        int n = snprintf(out, cap, "untrusted comment: %s\n%s\n",
                         encrypt ? "minisign encrypted secret key" : "minisign secret key", b64);
        if (n < 0 || (size_t)n >= cap)
            rc = OSP_E_TOO_BIG;
    }
    sodium_memzero(b64, sizeof b64);
    sodium_free(sk);
    return rc;
}

void osp_signer_public(const struct osp_signer *s, struct osp_pubkey *out)
{
    memcpy(out->keyid, s->k.keyid, sizeof out->keyid);
    memcpy(out->pk, s->pk, sizeof out->pk);
}

int osp_signer_sign(const struct osp_signer *s, const void *msg, size_t len,
                    const char *trusted_comment, int legacy, char *out, size_t cap)
{
    if (!s || (!msg && len) || !trusted_comment ||
        strlen(trusted_comment) > OSP_SIG_TRUSTED_COMMENT_MAX ||
        strpbrk(trusted_comment, "\r\n"))
        return OSP_E_INVALID_ARGUMENT;
    unsigned char sigblob[2 + OSP_SIG_KEYID_BYTES + crypto_sign_BYTES];
    unsigned char prehash[crypto_generichash_BYTES_MAX];
    const unsigned char *m = msg;
    unsigned long long mlen = len;
    memcpy(sigblob, legacy ? "Ed" : "ED", 2);
    memcpy(sigblob + 2, s->k.keyid, OSP_SIG_KEYID_BYTES);
    if (!legacy) {
        crypto_generichash(prehash, sizeof prehash, msg, len, NULL, 0);
        m = prehash;
        mlen = sizeof prehash;
    }
    unsigned char *sig = sigblob + 2 + OSP_SIG_KEYID_BYTES;
    crypto_sign_detached(sig, NULL, m, mlen, s->k.sk);

    size_t tl = strlen(trusted_comment);
    unsigned char tcmsg[crypto_sign_BYTES + OSP_SIG_TRUSTED_COMMENT_MAX];
    unsigned char global[crypto_sign_BYTES];
    memcpy(tcmsg, sig, crypto_sign_BYTES);
    memcpy(tcmsg + crypto_sign_BYTES, trusted_comment, tl);
    crypto_sign_detached(global, NULL, tcmsg, crypto_sign_BYTES + tl, s->k.sk);

    char b64sig[sodium_base64_ENCODED_LEN(sizeof sigblob, sodium_base64_VARIANT_ORIGINAL)];
    char b64global[sodium_base64_ENCODED_LEN(sizeof global, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64sig, sizeof b64sig, sigblob, sizeof sigblob,
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(b64global, sizeof b64global, global, sizeof global,
                      sodium_base64_VARIANT_ORIGINAL);
    int n = snprintf(out, cap,
                     "untrusted comment: signature from osp secret key\n%s\n"
                     "trusted comment: %s\n%s\n",
                     b64sig, trusted_comment, b64global);
    return n < 0 || (size_t)n >= cap ? OSP_E_TOO_BIG : 0;
}

void osp_signer_free(struct osp_signer *s)
{
    if (s)
        sodium_free(s); /* sodium_free wipes before releasing */
}
