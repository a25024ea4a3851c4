package io.storageinit.hdfs;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;
import org.apache.hadoop.fs.CompositeCrcFileChecksum;
import org.apache.hadoop.fs.FileChecksum;
import org.apache.hadoop.fs.MD5MD5CRC32FileChecksum;
import org.apache.hadoop.util.DataChecksum;

/**
 * Computes HDFS's file checksums over a local file, so a download can be compared with what the
 * DataNodes report: the default MD5-of-MD5-of-CRC (one MD5 per block over the CRCs of its {@code
 * bytesPerCRC}-byte chunks, then an MD5 over the block MD5s) and the block-size independent
 * composite CRC ({@code dfs.checksum.combine.mode=COMPOSITE_CRC}), each with CRC32 or CRC32C.
 */
final class HdfsChecksums {
  private static final int BUFFER = 1 << 20;

  private HdfsChecksums() {}

  /**
   * The digest part of a remote checksum (the CRC, or the MD5 after MD5MD5CRC32's bytesPerCRC and
   * crcPerBlock), or empty when it is of a kind this class does not know.
   */
  static Optional<byte[]> remote(FileChecksum remote) throws IOException {
    if (remote instanceof CompositeCrcFileChecksum) {
      return Optional.of(Arrays.copyOf(remote.getBytes(), 4));
    }
    if (remote instanceof MD5MD5CRC32FileChecksum) {
      return Optional.of(Arrays.copyOfRange(remote.getBytes(), 12, 28));
    }
    return Optional.empty();
  }

  /** The same digest over a local file; call only when {@link #remote} knew the kind. */
  static byte[] local(FileChecksum remote, Path file) throws IOException {
    if (remote instanceof CompositeCrcFileChecksum composite) {
      Checksum crc = crc(composite.getChecksumOpt().getChecksumType()).get();
      try (InputStream in = Files.newInputStream(file)) {
        byte[] buf = new byte[BUFFER];
        for (int n; (n = in.read(buf)) > 0; ) {
          crc.update(buf, 0, n);
        }
      }
      return intBytes((int) crc.getValue());
    }
    MD5MD5CRC32FileChecksum md5crc = (MD5MD5CRC32FileChecksum) remote;
    DataInputStream header = new DataInputStream(new ByteArrayInputStream(md5crc.getBytes()));
    int bytesPerCrc = header.readInt();
    long crcPerBlock = header.readLong();
    return md5md5crc(file, md5crc.getCrcType(), bytesPerCrc, crcPerBlock);
  }

  /** MD5 over the per-block MD5s of the chunk CRCs; a file of one block has crcPerBlock 0. */
  private static byte[] md5md5crc(
      Path file, DataChecksum.Type type, int bytesPerCrc, long crcPerBlock) throws IOException {
    Supplier<Checksum> crcs = crc(type);
    long blockBytes = crcPerBlock > 0 ? crcPerBlock * bytesPerCrc : Long.MAX_VALUE;
    ByteArrayOutputStream blockMd5s = new ByteArrayOutputStream();
    MessageDigest blockMd5 = md5();
    byte[] chunk = new byte[bytesPerCrc];
    long inBlock = 0;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER)) {
      int n;
      while ((n = in.readNBytes(chunk, 0, bytesPerCrc)) > 0) {
        Checksum crc = crcs.get();
        crc.update(chunk, 0, n);
        blockMd5.update(intBytes((int) crc.getValue()));
        inBlock += n;
        if (inBlock >= blockBytes) {
          blockMd5s.writeBytes(blockMd5.digest());
          inBlock = 0;
        }
      }
    }
    if (inBlock > 0) {
      blockMd5s.writeBytes(blockMd5.digest());
    }
    // HDFS digests the whole backing array of the buffer it collected the block MD5s in (a
    // DataOutputBuffer of 32 bytes that doubles when full), zero padding included.
    int capacity = 32;
    while (capacity < blockMd5s.size()) {
      capacity *= 2;
    }
    return md5().digest(Arrays.copyOf(blockMd5s.toByteArray(), capacity));
  }

  private static Supplier<Checksum> crc(DataChecksum.Type type) {
    return switch (type) {
      case CRC32 -> CRC32::new;
      case CRC32C -> CRC32C::new;
      default -> throw new IllegalArgumentException("not a CRC: " + type);
    };
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] intBytes(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }
}
