/*
 * aes.c: AES-128 encryption for tinyDTLS, compact - built instead of its aes/rijndael.c
 * (cmake/tinydtls.cmake, bench/firmware.sh; SS_TINYDTLS_AES=tinydtls keeps tinyDTLS's own).
 *
 * tinyDTLS needs AES only to encrypt (CCM runs the cipher forwards both ways) and only with 128-bit
 * keys (AES_MAXROUNDS 10). Its rijndael.c, from OpenBSD, is the fast table version: five 1 KiB
 * tables and 1.3 KB of code, 6.3 KB of flash on Cortex-M4 - a third of tinyDTLS's PSK image. This
 * is the byte-oriented textbook algorithm (FIPS-197 §5.1, §5.2) with the S-box as its only table:
 * about 0.9 KB. It provides the two functions tinyDTLS's aes/rijndael_wrap.c calls, with the
 * declarations of its aes/rijndael.h; the round keys are kept as bytes in the context's ek[].
 * Checked against FIPS-197 Appendix C.1 and, through CCM, every DTLS handshake and record of the
 * test suite with OpenSSL, GnuTLS and mbedTLS (tests/unit/test_driver_tinydtls_specific.c,
 * tests/interop/tinydtls_*.sh). On RIOT, RIOT's pkg/tinydtls builds tinyDTLS's own.
 *
 * Like any table-driven AES (tinyDTLS's too), the S-box lookups depend on secret data: on a CPU
 * with a data cache they can leak timing; microcontrollers without one are not exposed.
 */
#include <stdint.h>
#include <string.h>

#include "aes/rijndael.h"

#ifdef WITH_AES_DECRYPT
#error "stack/aes.c encrypts only: build tinyDTLS without WITH_AES_DECRYPT (it needs none)"
#endif

static const aes_u8 ss_sbox[256] = {
    0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76,
    0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0, 0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0,
    0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc, 0x34, 0xa5, 0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15,
    0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a, 0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75,
    0x09, 0x83, 0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0, 0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84,
    0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b, 0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf,
    0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85, 0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c, 0x9f, 0xa8,
    0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5, 0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2,
    0xcd, 0x0c, 0x13, 0xec, 0x5f, 0x97, 0x44, 0x17, 0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73,
    0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88, 0x46, 0xee, 0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb,
    0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c, 0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79,
    0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9, 0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08,
    0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6, 0xb4, 0xc6, 0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a,
    0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e, 0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1, 0x1d, 0x9e,
    0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94, 0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf,
    0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68, 0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16,
};

/** Multiplication by x in GF(2^8) (FIPS-197 §4.2.1). */
static aes_u8 ss_xtime(aes_u8 b)
{
    return (aes_u8)((b << 1) ^ ((b >> 7) * 0x1b));
}

/* The key schedule (FIPS-197 §5.2) for a 128-bit key, as 176 bytes in rk[]: 10 rounds. Other key
 * lengths: 0 (tinyDTLS's own returns 0 for an unknown length too; it asks for 128 only). */
int rijndaelKeySetupEnc(aes_u32 rk[], const aes_u8 cipherKey[], int keyBits)
{
    aes_u8 w[16 * 11];
    if (keyBits != 128) {
        return 0;
    }
    memcpy(w, cipherKey, 16);
    aes_u8 rcon = 1;
    for (unsigned i = 16; i < sizeof(w); i += 4) {
        aes_u8 t[4] = { w[i - 4], w[i - 3], w[i - 2], w[i - 1] };
        if (i % 16 == 0) { /* RotWord, SubWord, Rcon */
            aes_u8 t0 = t[0];
            t[0] = (aes_u8)(ss_sbox[t[1]] ^ rcon);
            t[1] = ss_sbox[t[2]];
            t[2] = ss_sbox[t[3]];
            t[3] = ss_sbox[t0];
            rcon = ss_xtime(rcon);
        }
        for (unsigned k = 0; k < 4; k++) {
            w[i + k] = (aes_u8)(w[i - 16 + k] ^ t[k]);
        }
    }
    memcpy(rk, w, sizeof(w));
    volatile aes_u8 *wipe = w; /* the key's copy on the stack: a plain memset could be dropped */
    for (unsigned i = 0; i < sizeof(w); i++) {
        wipe[i] = 0;
    }
    return 10;
}

/* One block (FIPS-197 §5.1): Nr - 1 full rounds and the last one without MixColumns. */
void rijndaelEncrypt(const aes_u32 rk[], int Nr, const aes_u8 pt[16], aes_u8 ct[16])
{
    const aes_u8 *k = (const aes_u8 *)rk;
    aes_u8 s[16];
    for (unsigned i = 0; i < 16; i++) {
        s[i] = (aes_u8)(pt[i] ^ k[i]);
    }
    for (int round = 1; round <= Nr; round++) {
        aes_u8 t[16];
        /* SubBytes and ShiftRows: the state is column-major, row r moves left by r */
        for (unsigned c = 0; c < 4; c++) {
            for (unsigned r = 0; r < 4; r++) {
                t[4 * c + r] = ss_sbox[s[4 * ((c + r) % 4) + r]];
            }
        }
        if (round < Nr) { /* MixColumns */
            for (unsigned c = 0; c < 4; c++) {
                aes_u8 *col = t + 4 * c;
                aes_u8 all = (aes_u8)(col[0] ^ col[1] ^ col[2] ^ col[3]), first = col[0];
                col[0] ^= (aes_u8)(all ^ ss_xtime((aes_u8)(col[0] ^ col[1])));
                col[1] ^= (aes_u8)(all ^ ss_xtime((aes_u8)(col[1] ^ col[2])));
                col[2] ^= (aes_u8)(all ^ ss_xtime((aes_u8)(col[2] ^ col[3])));
                col[3] ^= (aes_u8)(all ^ ss_xtime((aes_u8)(col[3] ^ first)));
            }
        }
        for (unsigned i = 0; i < 16; i++) { /* AddRoundKey */
            s[i] = (aes_u8)(t[i] ^ k[16 * round + i]);
        }
    }
    memcpy(ct, s, 16);
}
