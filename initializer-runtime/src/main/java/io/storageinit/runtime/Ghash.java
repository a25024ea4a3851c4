package io.storageinit.runtime;

/**
 * GCM's GHASH (NIST SP 800-38D), with 4-bit tables (Shoup's method), for the AES-GCM tags of JWE
 * files the JDK's GCM cannot take: its Cipher refuses more than 2^31 - 1 bytes in one operation.
 * Fed any number of bytes at a time; blocks are padded at the end of the AAD and of the ciphertext.
 */
final class Ghash {
  private static final long[] LAST4 = {
    0x0000, 0x1c20, 0x3840, 0x2460, 0x7080, 0x6ca0, 0x48c0, 0x54e0,
    0xe100, 0xfd20, 0xd940, 0xc560, 0x9180, 0x8da0, 0xa9c0, 0xb5e0
  };

  private final long[] hh = new long[16];
  private final long[] hl = new long[16];
  private long yh;
  private long yl;
  private final byte[] block = new byte[16];
  private int filled;

  /**
   * @param h the hash key, E(K, 0^128)
   */
  Ghash(byte[] h) {
    long vh = bigEndian(h, 0);
    long vl = bigEndian(h, 8);
    hl[8] = vl;
    hh[8] = vh;
    for (int i = 4; i > 0; i >>= 1) {
      long t = (vl & 1) * 0xe1000000L;
      vl = (vh << 63) | (vl >>> 1);
      vh = (vh >>> 1) ^ (t << 32);
      hl[i] = vl;
      hh[i] = vh;
    }
    for (int i = 2; i <= 8; i *= 2) {
      vh = hh[i];
      vl = hl[i];
      for (int j = 1; j < i; j++) {
        hh[i + j] = vh ^ hh[j];
        hl[i + j] = vl ^ hl[j];
      }
    }
  }

  /** Hashes {@code len} bytes; a partial block waits for more. */
  void update(byte[] b, int off, int len) {
    while (len > 0) {
      if (filled == 0 && len >= 16) {
        yh ^= bigEndian(b, off);
        yl ^= bigEndian(b, off + 8);
        multiply();
        off += 16;
        len -= 16;
        continue;
      }
      int n = Math.min(16 - filled, len);
      System.arraycopy(b, off, block, filled, n);
      filled += n;
      off += n;
      len -= n;
      if (filled == 16) {
        flushBlock();
      }
    }
  }

  /** Ends a section (the AAD, the ciphertext): a partial block is padded with zeros. */
  void pad() {
    if (filled > 0) {
      java.util.Arrays.fill(block, filled, 16, (byte) 0);
      flushBlock();
    }
  }

  /** The hash after the lengths block: {@code aadBytes} and {@code ciphertextBytes}, in bits. */
  byte[] finish(long aadBytes, long ciphertextBytes) {
    pad();
    yh ^= aadBytes * 8;
    yl ^= ciphertextBytes * 8;
    multiply();
    byte[] out = new byte[16];
    for (int i = 0; i < 8; i++) {
      out[i] = (byte) (yh >>> (56 - 8 * i));
      out[8 + i] = (byte) (yl >>> (56 - 8 * i));
    }
    return out;
  }

  private void flushBlock() {
    yh ^= bigEndian(block, 0);
    yl ^= bigEndian(block, 8);
    multiply();
    filled = 0;
  }

  /** Y = Y * H in GF(2^128). */
  private void multiply() {
    long zh;
    long zl;
    int lo = (int) (yl & 0xf);
    zh = hh[lo];
    zl = hl[lo];
    for (int i = 15; i >= 0; i--) {
      int x = (int) ((i < 8 ? yh >>> (56 - 8 * i) : yl >>> (56 - 8 * (i - 8))) & 0xff);
      lo = x & 0xf;
      int hi = (x >>> 4) & 0xf;
      if (i != 15) {
        int rem = (int) (zl & 0xf);
        zl = (zh << 60) | (zl >>> 4);
        zh = zh >>> 4;
        zh ^= LAST4[rem] << 48;
        zh ^= hh[lo];
        zl ^= hl[lo];
      }
      int rem = (int) (zl & 0xf);
      zl = (zh << 60) | (zl >>> 4);
      zh = zh >>> 4;
      zh ^= LAST4[rem] << 48;
      zh ^= hh[hi];
      zl ^= hl[hi];
    }
    yh = zh;
    yl = zl;
  }

  private static long bigEndian(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xff);
    }
    return v;
  }
}
