package io.storageinit.it;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/** Builds archives, well-formed and hostile, for the tests. */
final class TestArchives {
  private TestArchives() {}

  /** A tar (gzip-compressed when the name ends in gz) of plain files. */
  static Path tar(Path file, Map<String, String> files) throws IOException {
    return tar(
        file,
        tar -> {
          for (var e : files.entrySet()) {
            addFile(tar, e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8));
          }
        });
  }

  interface TarBody {
    void write(TarArchiveOutputStream tar) throws IOException;
  }

  static Path tar(Path file, TarBody body) throws IOException {
    try (OutputStream raw = Files.newOutputStream(file);
        OutputStream out = compressed(file.getFileName().toString(), raw);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      body.write(tar);
    }
    return file;
  }

  /** The compression a tar's name announces: gzip, bzip2, xz or none. */
  private static OutputStream compressed(String name, OutputStream raw) throws IOException {
    if (name.endsWith("gz") || name.endsWith(".taz") || name.endsWith(".tz")) {
      return new GZIPOutputStream(raw);
    }
    if (name.endsWith("bz2")) {
      return new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(raw);
    }
    if (name.endsWith("xz")) {
      return new org.apache.commons.compress.compressors.xz.XZCompressorOutputStream(raw);
    }
    return raw;
  }

  static void addFile(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(data.length);
    tar.putArchiveEntry(e);
    tar.write(data);
    tar.closeArchiveEntry();
  }

  static void addLink(TarArchiveOutputStream tar, String name, String target, byte type)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setLinkName(target);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  static void addSpecial(TarArchiveOutputStream tar, String name, byte type) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  /** A zip of plain files; entry names are written exactly as given (even "../x"). */
  static Path zip(Path file, Map<String, byte[]> files) throws IOException {
    try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(file)) {
      for (var e : files.entrySet()) {
        ZipArchiveEntry entry = new ZipArchiveEntry(e.getKey());
        zip.putArchiveEntry(entry);
        zip.write(e.getValue());
        zip.closeArchiveEntry();
      }
    }
    return file;
  }

  /** A zip holding a symbolic link entry. */
  static Path zipWithSymlink(Path file, String name, String target) throws IOException {
    try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(file)) {
      ZipArchiveEntry link = new ZipArchiveEntry(name);
      link.setUnixMode(0120777);
      zip.putArchiveEntry(link);
      zip.write(target.getBytes(StandardCharsets.UTF_8));
      zip.closeArchiveEntry();
      ZipArchiveEntry through = new ZipArchiveEntry(name + "/owned.txt");
      zip.putArchiveEntry(through);
      zip.write("owned".getBytes(StandardCharsets.UTF_8));
      zip.closeArchiveEntry();
    }
    return file;
  }
}
