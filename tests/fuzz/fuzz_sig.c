/* libFuzzer harness: minisign-format signatures, public keys and secret
 * keys (docs/fuzzing.md).  The first byte picks the surface (modulo 3):
 *
 *   0  a .minisig, then a NUL byte, then the signed message:
 *      osp_sig_parse, osp_sig_verify with the fixed key over the message,
 *      osp_verify_parse_binding on the trusted comment
 *   1  a public key file or bare base64 line: osp_sig_parse_pubkey
 *   2  a secret key file: osp_signer_is_encrypted, osp_signer_load
 *
 * The fixed key is the tests' key 1 (tests/unit/fixtures.h), which also
 * signed the shared vectors, so vector signatures reach the Ed25519 check.
 *
 * An scrypt-protected ("Sc") key is never loaded with a password: the
 * KDF parameters come from the input and, even capped, one run can take
 * minutes.  Loading it without a password stops before the KDF.
 *
 * A broken contract (documented results that disagree) calls abort(); bad
 * input alone never does.
 */
#include "osp/error.h"
#include "osp/sig.h"
#include "osp/signer.h"
#include "osp/verify.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct osp_pubkey fixed_key;

static void broken(const char *what)
{
    fprintf(stderr, "fuzz_sig: contract broken: %s\n", what);
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    unsigned char seed[32], keyid[OSP_SIG_KEYID_BYTES];
    struct osp_signer *s = NULL;
    memset(seed, 1, sizeof seed);
    memset(keyid, 0xA1, sizeof keyid);
    if (osp_signer_from_seed(seed, keyid, &s) != 0) {
        fprintf(stderr, "fuzz_sig: cannot derive the fixed key\n");
        exit(1);
    }
    osp_signer_public(s, &fixed_key);
    osp_signer_free(s);
    return 0;
}

static int all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

/* A parsed key must survive formatting and parsing again unchanged. */
static void check_pubkey_roundtrip(const struct osp_pubkey *k)
{
    char text[128], line[64];
    struct osp_pubkey again;
    if (osp_sig_format_pubkey(k, text, sizeof text) != 0 ||
        osp_sig_pubkey_base64(k, line, sizeof line) != 0)
        broken("a public key does not format");
    if (osp_sig_parse_pubkey(text, strlen(text), &again) != 0 ||
        memcmp(&again, k, sizeof again) != 0)
        broken("a formatted public key does not parse back");
    if (osp_sig_parse_pubkey(line, strlen(line), &again) != 0 ||
        memcmp(&again, k, sizeof again) != 0)
        broken("a bare base64 public key does not parse back");
}

static void fuzz_signature(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t sig_len = nul ? (size_t)(nul - data) : size;
    const uint8_t *msg = nul ? nul + 1 : data + size;
    size_t msg_len = size - (size_t)(msg - data);

    /* An exact-size copy, so a read past the signature text is caught. */
    char *text = malloc(sig_len ? sig_len : 1);
    if (!text)
        return;
    memcpy(text, data, sig_len);
    struct osp_sig sig;
    int rc = osp_sig_parse(text, sig_len, &sig);
    free(text);
    if (rc != 0) {
        if (!all_zero(&sig, sizeof sig))
            broken("a failed parse left data in the signature");
        return;
    }
    if (memchr(sig.trusted_comment, '\0', sizeof sig.trusted_comment) == NULL)
        broken("trusted comment not NUL-terminated");
    rc = osp_sig_verify(&sig, &fixed_key, msg, msg_len);
    if (rc != 0 && rc != OSP_E_UNKNOWN_KEY_ID && rc != OSP_E_SIGNATURE_INVALID)
        broken("osp_sig_verify returned an undocumented code");
    struct osp_binding b;
    rc = osp_verify_parse_binding(sig.trusted_comment, &b);
    if (rc != 0 && !all_zero(&b, sizeof b))
        broken("a failed binding parse left data behind");
}

static void fuzz_pubkey(const uint8_t *data, size_t size)
{
    struct osp_pubkey k;
    if (osp_sig_parse_pubkey((const char *)data, size, &k) == 0)
        check_pubkey_roundtrip(&k);
}

static void fuzz_seckey(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct osp_signer *plain = NULL, *with_pw = NULL;
    int enc = osp_signer_is_encrypted(text, size);
    int rc = osp_signer_load(text, size, NULL, &plain);
    if (rc == OSP_E_NO_MEMORY)
        return;
    if ((rc == 0) != (plain != NULL))
        broken("return code and signer disagree");
    if (enc < 0 && rc != enc)
        broken("osp_signer_load and osp_signer_is_encrypted disagree on a bad file");
    if (enc == 1 && rc != OSP_E_WRONG_PASSWORD)
        broken("an encrypted key loaded without a password");
    if (enc == 0 && rc != 0)
        broken("an unencrypted key did not load");
    if (enc == 0) {
        /* No KDF runs for an unencrypted key; the password is ignored. */
        rc = osp_signer_load(text, size, "pw", &with_pw);
        if (rc != 0 && rc != OSP_E_NO_MEMORY)
            broken("an unencrypted key did not load with a password");
    }
    if (plain) {
        struct osp_pubkey pk, pk2;
        osp_signer_public(plain, &pk);
        check_pubkey_roundtrip(&pk);
        if (with_pw) {
            osp_signer_public(with_pw, &pk2);
            if (memcmp(&pk, &pk2, sizeof pk) != 0)
                broken("the password changed an unencrypted key");
        }
    }
    osp_signer_free(plain);
    osp_signer_free(with_pw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    switch (data[0] % 3) {
    case 0:
        fuzz_signature(data + 1, size - 1);
        break;
    case 1:
        fuzz_pubkey(data + 1, size - 1);
        break;
    default:
        fuzz_seckey(data + 1, size - 1);
        break;
    }
    return 0;
}
