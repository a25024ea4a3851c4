package io.storageinit.validators;

import io.storageinit.api.Finding;
import io.storageinit.api.ModelFiles;
import io.storageinit.api.ModelValidator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When the model carries a checksum manifest (by default {@code SHA256SUMS}, in the format {@code
 * sha256sum} writes; {@code STORAGE_CHECKSUMS_MANIFEST} names another), every listed file must
 * exist and match, and no unlisted file may appear unless {@code
 * STORAGE_CHECKSUMS_ALLOW_UNLISTED=true}.
 */
public final class ChecksumsValidator implements ModelValidator {
  /** {@code <64 hex> <space><space or *><path>}, as sha256sum writes in text or binary mode. */
  private static final Pattern LINE = Pattern.compile("([0-9a-fA-F]{64}) [ *](.+)");

  @Override
  public String name() {
    return "checksums";
  }

  @Override
  public List<Finding> validate(Path modelDir, Map<String, String> config) {
    return validate(modelDir, ModelFiles.list(modelDir), config);
  }

  @Override
  public List<Finding> validate(Path modelDir, List<String> files, Map<String, String> config) {
    String manifestName = config.getOrDefault("STORAGE_CHECKSUMS_MANIFEST", "SHA256SUMS");
    Path manifest = modelDir.resolve(manifestName);
    if (!Files.isRegularFile(manifest)) {
      return List.of();
    }
    List<Finding> findings = new ArrayList<>();
    Map<String, String> expected = new LinkedHashMap<>();
    try {
      int n = 0;
      for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
          findings.add(Finding.error(manifestName, "line " + n + " is not '<sha256>  <file>'"));
          continue;
        }
        String path = m.group(2).startsWith("./") ? m.group(2).substring(2) : m.group(2);
        expected.put(path, m.group(1).toLowerCase());
      }
    } catch (IOException e) {
      return List.of(Finding.error(manifestName, "cannot be read: " + e));
    }
    for (Map.Entry<String, String> e : expected.entrySet()) {
      Path file = modelDir.resolve(e.getKey()).normalize();
      if (!file.startsWith(modelDir.normalize())) {
        findings.add(
            Finding.error(manifestName, "lists '" + e.getKey() + "', which is outside the model"));
      } else if (!Files.isRegularFile(file)) {
        findings.add(Finding.error(e.getKey(), "is listed in " + manifestName + " but missing"));
      } else {
        String actual = sha256(file);
        if (!actual.equals(e.getValue())) {
          findings.add(
              Finding.error(
                  e.getKey(),
                  "SHA-256 mismatch: "
                      + manifestName
                      + " says "
                      + e.getValue()
                      + ", the file is "
                      + actual));
        }
      }
    }
    if (!"true"
        .equalsIgnoreCase(config.getOrDefault("STORAGE_CHECKSUMS_ALLOW_UNLISTED", "false"))) {
      for (String f : files) {
        if (!f.equals(manifestName) && !expected.containsKey(f)) {
          findings.add(
              Finding.error(
                  f,
                  "is not listed in "
                      + manifestName
                      + " (set STORAGE_CHECKSUMS_ALLOW_UNLISTED=true to allow extra files)"));
        }
      }
    }
    if (findings.isEmpty()) {
      findings.add(
          Finding.of(Finding.Severity.INFO, manifestName, expected.size() + " files match"));
    }
    return findings;
  }

  static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[256 * 1024];
      int n;
      while ((n = in.read(buf)) >= 0) {
        digest.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot hash " + file, e);
    }
  }
}
