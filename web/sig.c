/* minisign-format signature parsing and verification (see include/osp/sig.h). */
#include "osp/sig.h"
#include "osp/error.h"

#include <stdio.h>
#include <string.h>

#include <sodium/crypto_generichash_blake2b.h>
#include <sodium/crypto_sign_ed25519.h>
#include <sodium/utils.h>

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "

/* Splits text into up to max lines (without "\n" or "\r\n").  Returns the
 * number of lines, or -1 if a line is empty where content is required.
 * Lines point into text and are not NUL-terminated; lens gives lengths. */
static int split_lines(const char *text, size_t len, const char **lines, size_t *lens, int max)
{
    int n = 0;
    size_t i = 0;
    while (i < len && n < max) {
        size_t start = i;
        while (i < len && text[i] != '\n')
            i++;
        size_t l = i - start;
        if (l > 0 && text[start + l - 1] == '\r')
            l--;
        lines[n] = text + start;
        lens[n] = l;
        n++;
        if (i < len)
            i++; /* skip '\n' */
    }
    /* Anything after the expected lines must be blank. */
    for (; i < len; i++)
        if (text[i] != '\n' && text[i] != '\r' && text[i] != ' ' && text[i] != '\t')
            return -1;
    return n;
}

static int has_prefix(const char *line, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(line, prefix, n) == 0;
}

/* Decodes exactly want bytes of standard base64 from line[0..len). */
static int b64_exact(const char *line, size_t len, unsigned char *out, size_t want)
{
    size_t got = 0;
    const char *end = NULL;
    if (len == 0 || len > 256)
        return -1;
    if (sodium_base642bin(out, want, line, len, NULL, &got, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    return got == want && end == line + len ? 0 : -1;
}

int osp_sig_parse_pubkey(const char *text, size_t len, struct osp_pubkey *out)
{
    unsigned char raw[2 + OSP_SIG_KEYID_BYTES + OSP_SIG_PUBLICKEY_BYTES];
    const char *lines[2];
    size_t lens[2];
    memset(out, 0, sizeof *out);
    if (!text || len > OSP_SIG_PUBKEY_FILE_MAX)
        return OSP_E_KEY_MALFORMED;
    int n = split_lines(text, len, lines, lens, 2);
    if (n < 1)
        return OSP_E_KEY_MALFORMED;
    int k = 0;
    if (has_prefix(lines[0], lens[0], UNTRUSTED_PREFIX)) {
        if (n < 2)
            return OSP_E_KEY_MALFORMED;
        k = 1;
    } else if (n != 1) {
        return OSP_E_KEY_MALFORMED;
    }
    if (b64_exact(lines[k], lens[k], raw, sizeof raw) != 0)
        return OSP_E_KEY_MALFORMED;
    if (memcmp(raw, "Ed", 2) != 0)
        return OSP_E_UNSUPPORTED_ALGORITHM;
    memcpy(out->keyid, raw + 2, OSP_SIG_KEYID_BYTES);
    memcpy(out->pk, raw + 2 + OSP_SIG_KEYID_BYTES, OSP_SIG_PUBLICKEY_BYTES);
    return 0;
}

int osp_sig_parse(const char *text, size_t len, struct osp_sig *out)
{
    unsigned char raw[2 + OSP_SIG_KEYID_BYTES + OSP_SIG_BYTES];
    const char *lines[4];
    size_t lens[4];
    int rc = OSP_E_SIGNATURE_MALFORMED;
    memset(out, 0, sizeof *out);
    if (!text)
        return rc;
    if (len > OSP_SIG_FILE_MAX)
        return OSP_E_TOO_BIG;
    if (split_lines(text, len, lines, lens, 4) != 4)
        return rc;
    if (!has_prefix(lines[0], lens[0], UNTRUSTED_PREFIX) ||
        !has_prefix(lines[2], lens[2], TRUSTED_PREFIX))
        return rc;
    if (b64_exact(lines[1], lens[1], raw, sizeof raw) != 0)
        return rc;
    if (memcmp(raw, "ED", 2) == 0)
        out->prehashed = 1;
    else if (memcmp(raw, "Ed", 2) == 0)
        out->prehashed = 0;
    else
        return OSP_E_UNSUPPORTED_ALGORITHM;
    memcpy(out->keyid, raw + 2, OSP_SIG_KEYID_BYTES);
    memcpy(out->sig, raw + 2 + OSP_SIG_KEYID_BYTES, OSP_SIG_BYTES);

    size_t tl = lens[2] - (sizeof TRUSTED_PREFIX - 1);
    const char *tc = lines[2] + sizeof TRUSTED_PREFIX - 1;
    if (tl > OSP_SIG_TRUSTED_COMMENT_MAX) {
        memset(out, 0, sizeof *out);
        return OSP_E_TOO_BIG;
    }
    if (memchr(tc, '\0', tl)) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    memcpy(out->trusted_comment, tc, tl);
    out->trusted_comment[tl] = '\0';
    if (b64_exact(lines[3], lens[3], out->global_sig, OSP_SIG_BYTES) != 0) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    return 0;
}

int osp_sig_verify(const struct osp_sig *sig, const struct osp_pubkey *key, const void *msg,
                   size_t msg_len)
{
    unsigned char prehash[crypto_generichash_blake2b_BYTES_MAX];
    unsigned char tc_msg[OSP_SIG_BYTES + OSP_SIG_TRUSTED_COMMENT_MAX];
    if (!sig || !key || (!msg && msg_len))
        return OSP_E_INVALID_ARGUMENT;
    /* Key ids are public and compared before the expensive check. */
    if (memcmp(sig->keyid, key->keyid, OSP_SIG_KEYID_BYTES) != 0)
        return OSP_E_UNKNOWN_KEY_ID;
    const unsigned char *m = msg;
    size_t mlen = msg_len;
    if (sig->prehashed) {
        crypto_generichash_blake2b(prehash, sizeof prehash, msg, (unsigned long long)msg_len,
                                   NULL, 0);
        m = prehash;
        mlen = sizeof prehash;
    }
    if (crypto_sign_ed25519_verify_detached(sig->sig, m, (unsigned long long)mlen, key->pk) != 0)
        return OSP_E_SIGNATURE_INVALID;
    size_t tl = strlen(sig->trusted_comment);
    memcpy(tc_msg, sig->sig, OSP_SIG_BYTES);
    memcpy(tc_msg + OSP_SIG_BYTES, sig->trusted_comment, tl);
    if (crypto_sign_ed25519_verify_detached(sig->global_sig, tc_msg,
                                            (unsigned long long)(OSP_SIG_BYTES + tl),
                                            key->pk) != 0)
        return OSP_E_SIGNATURE_INVALID;
    return 0;
}

void osp_sig_keyid_hex(const unsigned char keyid[OSP_SIG_KEYID_BYTES],
                       char out[OSP_SIG_KEYID_HEX_BYTES])
{
    static const char digits[] = "0123456789ABCDEF";
    for (int i = 0; i < OSP_SIG_KEYID_BYTES; i++) {
        unsigned char b = keyid[OSP_SIG_KEYID_BYTES - 1 - i];
        out[2 * i] = digits[b >> 4];
        out[2 * i + 1] = digits[b & 15];
    }
    out[2 * OSP_SIG_KEYID_BYTES] = '\0';
}

int osp_sig_pubkey_base64(const struct osp_pubkey *key, char *out, size_t cap)
{
    unsigned char raw[2 + OSP_SIG_KEYID_BYTES + OSP_SIG_PUBLICKEY_BYTES];
    memcpy(raw, "Ed", 2);
    memcpy(raw + 2, key->keyid, OSP_SIG_KEYID_BYTES);
    memcpy(raw + 2 + OSP_SIG_KEYID_BYTES, key->pk, OSP_SIG_PUBLICKEY_BYTES);
    if (cap < sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_ORIGINAL))
        return OSP_E_TOO_BIG;
    sodium_bin2base64(out, cap, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

int osp_sig_format_pubkey(const struct osp_pubkey *key, char *out, size_t cap)
{
    char b64[64], id[OSP_SIG_KEYID_HEX_BYTES];
    int rc = osp_sig_pubkey_base64(key, b64, sizeof b64);
    if (rc != 0)
        return rc;
    osp_sig_keyid_hex(key->keyid, id);
    int n = snprintf(out, cap, UNTRUSTED_PREFIX "minisign public key %s\n%s\n", id, b64);
    return n < 0 || (size_t)n >= cap ? OSP_E_TOO_BIG : 0;
}
