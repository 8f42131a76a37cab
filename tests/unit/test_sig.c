#include "check.h"
#include "fixtures.h"
#include "osp/error.h"
#include "osp/sig.h"

/* Made by Debian's minisign 0.11: minisign -G -W; echo hello > m;
 * minisign -S -s k.key -m m -t "id=x version=1". */
static const char minisign_pub[] = "untrusted comment: minisign public key 28FF026BF27F4C01\n"
                                   "RWQBTH/yawL/KOvQgPG8pmTEh7innW/JbXbf6wQ8rirC74xFRLZHWO2t\n";
static const char minisign_sig[] =
    "untrusted comment: signature from minisign secret key\n"
    "RUQBTH/yawL/KKjo+qN8eK1GAoaMUc3EFZ+MaCRnZhTdnc+y9Zjj7zf1h6REGTTo0hHeEMBBmZ3aGG1QVS/GzrXtXFtoh3qpGAY=\n"
    "trusted comment: id=x version=1\n"
    "LRA1t26/hNKcVnUz50/NsWG3dZToxYlF21BWMJmQexzStwsjHduX90JUCyFRyBWmnKX0X/ehMFxQ5nRjUwrHDg==\n";

static void verifies_minisign_output(void)
{
    struct osp_pubkey pk;
    struct osp_sig sig;
    CHECK_ERR(osp_sig_parse_pubkey(minisign_pub, strlen(minisign_pub), &pk), 0);
    char id[OSP_SIG_KEYID_HEX_BYTES];
    osp_sig_keyid_hex(pk.keyid, id);
    CHECK_STR(id, "28FF026BF27F4C01");
    CHECK_ERR(osp_sig_parse(minisign_sig, strlen(minisign_sig), &sig), 0);
    CHECK_INT(sig.prehashed, 1);
    CHECK_STR(sig.trusted_comment, "id=x version=1");
    CHECK_ERR(osp_sig_verify(&sig, &pk, "hello\n", 6), 0);
    CHECK_ERR(osp_sig_verify(&sig, &pk, "hellO\n", 6), OSP_E_SIGNATURE_INVALID);
    /* A changed trusted comment breaks the global signature. */
    strcpy(sig.trusted_comment, "id=y version=1");
    CHECK_ERR(osp_sig_verify(&sig, &pk, "hello\n", 6), OSP_E_SIGNATURE_INVALID);
    /* The bare base64 line is a key too. */
    CHECK_ERR(osp_sig_parse_pubkey(strchr(minisign_pub, '\n') + 1, strlen(strchr(minisign_pub, '\n') + 1), &pk), 0);
}

static void sign_then_verify(void)
{
    struct osp_signer *s = fixture_signer(1), *other = fixture_signer(2);
    struct osp_pubkey pk, pk2;
    osp_signer_public(s, &pk);
    osp_signer_public(other, &pk2);
    char text[1024];
    for (int legacy = 0; legacy <= 1; legacy++) {
        CHECK_ERR(osp_signer_sign(s, "msg", 3, "id=a version=1", legacy, text, sizeof text), 0);
        struct osp_sig sig;
        CHECK_ERR(osp_sig_parse(text, strlen(text), &sig), 0);
        CHECK_INT(sig.prehashed, !legacy);
        CHECK_ERR(osp_sig_verify(&sig, &pk, "msg", 3), 0);
        CHECK_ERR(osp_sig_verify(&sig, &pk, "msh", 3), OSP_E_SIGNATURE_INVALID);
        CHECK_ERR(osp_sig_verify(&sig, &pk2, "msg", 3), OSP_E_UNKNOWN_KEY_ID);
        /* Same key id, different key: the crypto says no. */
        memcpy(pk2.keyid, pk.keyid, sizeof pk.keyid);
        CHECK_ERR(osp_sig_verify(&sig, &pk2, "msg", 3), OSP_E_SIGNATURE_INVALID);
        osp_signer_public(other, &pk2);
    }
    CHECK_ERR(osp_signer_sign(s, "m", 1, "two\nlines", 0, text, sizeof text),
              OSP_E_INVALID_ARGUMENT);
    CHECK_ERR(osp_signer_sign(s, "m", 1, "x", 0, text, 10), OSP_E_TOO_BIG);
    osp_signer_free(s);
    osp_signer_free(other);
}

static void refuses_malformed(void)
{
    struct osp_sig sig;
    struct osp_pubkey pk;
    CHECK_ERR(osp_sig_parse("", 0, &sig), OSP_E_SIGNATURE_MALFORMED);
    CHECK_ERR(osp_sig_parse("untrusted comment: x\n", 21, &sig), OSP_E_SIGNATURE_MALFORMED);
    char bad[600];
    strcpy(bad, minisign_sig);
    bad[60] = '!'; /* not base64 */
    CHECK_ERR(osp_sig_parse(bad, strlen(bad), &sig), OSP_E_SIGNATURE_MALFORMED);
    strcpy(bad, minisign_sig);
    memcpy(strstr(bad, "trusted comment: id"), "trusted_comment: id", 19);
    CHECK_ERR(osp_sig_parse(bad, strlen(bad), &sig), OSP_E_SIGNATURE_MALFORMED);
    strcpy(bad, minisign_sig);
    strcat(bad, "extra line\n");
    CHECK_ERR(osp_sig_parse(bad, strlen(bad), &sig), OSP_E_SIGNATURE_MALFORMED);
    /* "Ex" algorithm: well-formed base64 of an unknown algorithm. */
    strcpy(bad, minisign_sig);
    char *line = strchr(bad, '\n') + 1;
    memcpy(line, "RXg", 3); /* base64 of "Ex…" */
    CHECK_ERR(osp_sig_parse(bad, strlen(bad), &sig), OSP_E_UNSUPPORTED_ALGORITHM);
    static char huge[OSP_SIG_FILE_MAX + 2];
    memset(huge, 'a', sizeof huge - 1);
    CHECK_ERR(osp_sig_parse(huge, sizeof huge - 1, &sig), OSP_E_TOO_BIG);
    CHECK_ERR(osp_sig_parse_pubkey("RWQ", 3, &pk), OSP_E_KEY_MALFORMED);
    CHECK_ERR(osp_sig_parse_pubkey("untrusted comment: only\n", 24, &pk), OSP_E_KEY_MALFORMED);
}

static void secret_key_files(void)
{
    struct osp_signer *s = fixture_signer(3), *back = NULL;
    char file[OSP_SIGNER_FILE_MAX];
    struct osp_pubkey a, b;
    osp_signer_public(s, &a);
    CHECK_ERR(osp_signer_save(s, NULL, file, sizeof file), 0);
    CHECK_INT(osp_signer_is_encrypted(file, strlen(file)), 0);
    CHECK_ERR(osp_signer_load(file, strlen(file), NULL, &back), 0);
    osp_signer_public(back, &b);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    osp_signer_free(back);
    CHECK_ERR(osp_signer_save(s, "correct horse", file, sizeof file), 0);
    CHECK_INT(osp_signer_is_encrypted(file, strlen(file)), 1);
    CHECK_ERR(osp_signer_load(file, strlen(file), "wrong", &back), OSP_E_WRONG_PASSWORD);
    CHECK(back == NULL);
    CHECK_ERR(osp_signer_load(file, strlen(file), NULL, &back), OSP_E_WRONG_PASSWORD);
    CHECK_ERR(osp_signer_load(file, strlen(file), "correct horse", &back), 0);
    osp_signer_public(back, &b);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    osp_signer_free(back);
    CHECK_ERR(osp_signer_load("nonsense", 8, NULL, &back), OSP_E_KEY_MALFORMED);
    osp_signer_free(s);
}

int main(void)
{
    RUN(verifies_minisign_output);
    RUN(sign_then_verify);
    RUN(refuses_malformed);
    RUN(secret_key_files);
    CHECK_EXIT();
}
