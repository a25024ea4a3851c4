package io.storageinit.runtime;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import io.storageinit.api.StorageException;
import io.storageinit.api.StorageException.Kind;
import io.storageinit.kit.Env;
import io.storageinit.kit.Http1;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Confidential models, as KServe decrypts them: with {@code CONFIDENTIAL_ENABLED}, the key named by
 * {@code CONFIDENTIAL_RESOURCE_ID} ({@code kbs:///<repo>/<type>/<tag>}) comes once from the
 * Confidential Data Hub ({@code CDH_ADDR}), and every JWE file in DEST is replaced by its
 * plaintext: {@code x.jwe} becomes {@code x}, any other file that starts with {@code eyJ} keeps its
 * name.
 *
 * <p>Better than KServe: the plaintext streams into a hidden file renamed only after the tag
 * verified (memory stays flat; nothing half-decrypted ever has a final name); a link in DEST is
 * replaced, never written through; an encrypted archive ({@code model.tar.gz.jwe}) is decrypted and
 * then unpacked like any single archive.
 */
final class Confidential {
  private static final Logger LOG = LoggerFactory.getLogger(Confidential.class);
  private static final Pattern RESOURCE =
      Pattern.compile("kbs:///([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)");
  static final String DEFAULT_CDH = "http://127.0.0.1:8006";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final URI resource;
  private final String resourceId;
  private final Retrier retrier;
  private final Secrets secrets;
  private byte[] key;

  private Confidential(URI resource, String resourceId, Retrier retrier, Secrets secrets) {
    this.resource = resource;
    this.resourceId = resourceId;
    this.retrier = retrier;
    this.secrets = secrets;
  }

  /**
   * The step when {@code CONFIDENTIAL_ENABLED} is true, else empty.
   *
   * @throws StorageException {@code INVALID_CONFIG} for a missing or malformed resource id or CDH
   *     address
   */
  static Optional<Confidential> from(Map<String, String> env, Retrier retrier, Secrets secrets) {
    if (!"true".equalsIgnoreCase(env.getOrDefault("CONFIDENTIAL_ENABLED", "").trim())) {
      return Optional.empty();
    }
    String id = env.getOrDefault("CONFIDENTIAL_RESOURCE_ID", "").trim();
    Matcher m = RESOURCE.matcher(id);
    if (!m.matches()) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          id.isEmpty()
              ? "CONFIDENTIAL_ENABLED is true but CONFIDENTIAL_RESOURCE_ID is not set: name the"
                  + " model's key as kbs:///<repo>/<type>/<tag>"
              : "CONFIDENTIAL_RESOURCE_ID="
                  + id
                  + " is not kbs:///<repo>/<type>/<tag> (each part letters, digits, '_', '.', '-')");
    }
    List<String> problems = new ArrayList<>();
    URI cdh =
        Env.httpEndpoint(
            "CDH_ADDR", Optional.ofNullable(env.get("CDH_ADDR")), DEFAULT_CDH, problems);
    if (!problems.isEmpty()) {
      throw new StorageException(Kind.INVALID_CONFIG, String.join("; ", problems));
    }
    URI resource =
        URI.create(cdh + "/cdh/resource/" + m.group(1) + "/" + m.group(2) + "/" + m.group(3));
    return Optional.of(new Confidential(resource, id, retrier, secrets));
  }

  /** Whether {@code name} names an encrypted file by its suffix. */
  static boolean jweName(String name) {
    return name.toLowerCase(Locale.ROOT).endsWith(".jwe");
  }

  /** {@code x.jwe} without its last suffix. */
  static String plainName(String name) {
    return name.substring(0, name.length() - 4);
  }

  /**
   * Decrypts every JWE file under {@code dest} (links to folders not entered, our work folder left
   * alone), each into its plaintext.
   */
  void decryptTree(Path dest) {
    List<Path> found = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dest)) {
      walk.filter(p -> !p.equals(dest))
          .filter(p -> !dest.relativize(p).getName(0).toString().equals(WorkFolder.NAME))
          .filter(Confidential::encrypted)
          .forEach(found::add);
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new StorageException(Kind.INTERNAL, "Cannot walk " + dest + ": " + e.getMessage(), e);
    }
    for (Path p : found) {
      decrypt(p, dest);
    }
    if (!found.isEmpty()) {
      LOG.info("decrypted {} file(s) in {} with the key {}", found.size(), dest, resourceId);
    }
  }

  /**
   * A regular file (or a link to one) named {@code *.jwe}, or whose first bytes are {@code eyJ}.
   */
  private static boolean encrypted(Path p) {
    if (!Files.isRegularFile(p)) {
      return false;
    }
    if (jweName(p.getFileName().toString())) {
      return true;
    }
    try (InputStream in = Files.newInputStream(p)) {
      byte[] head = in.readNBytes(3);
      return head.length == 3 && head[0] == 'e' && head[1] == 'y' && head[2] == 'J';
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Decrypts {@code file} (inside {@code dest}) into its plaintext's final name, and returns that
   * name. The plaintext is written in DEST's work folder and renamed into place after its tag
   * verified; {@code x.jwe} is then removed. A link at either name is replaced, never followed for
   * writing.
   */
  Path decrypt(Path file, Path dest) {
    String name = file.getFileName().toString();
    Path target = jweName(name) ? file.resolveSibling(plainName(name)) : file;
    WorkFolder work = new WorkFolder(dest);
    Path partial = work.partialOf(target);
    try {
      work.prepare();
      Files.deleteIfExists(partial);
      try {
        Jwe.decrypt(file, partial, key());
      } catch (RuntimeException e) {
        Files.deleteIfExists(partial);
        work.removeIfEmpty();
        throw e;
      }
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
      if (!target.equals(file)) {
        Files.deleteIfExists(file);
      }
      work.removeIfEmpty();
      return target;
    } catch (IOException e) {
      throw new StorageException(
          Kind.INTERNAL, "Cannot write the plaintext of " + file + ": " + e.getMessage(), e);
    }
  }

  /** The key, asked of the Confidential Data Hub once per run. */
  private synchronized byte[] key() {
    if (key == null) {
      key = fetchKey();
    }
    return key;
  }

  private byte[] fetchKey() {
    int attempt = 0;
    try (Http1 http = Http1.builder().connectTimeout(TIMEOUT).readTimeout(TIMEOUT).build()) {
      while (true) {
        attempt++;
        try {
          Http1.Response r = http.send("GET", resource, Map.of());
          int status = r.status();
          byte[] body;
          try (InputStream in = r.body()) {
            body = in.readNBytes(1 << 20);
          }
          if (status == 200) {
            return parseKey(body);
          }
          if (status >= 400 && status < 500) {
            throw new StorageException(
                Kind.UNAUTHENTICATED,
                "The Confidential Data Hub at "
                    + resource
                    + " refused the key "
                    + resourceId
                    + " ("
                    + status
                    + "): check the attestation policy and the resource id");
          }
          throw StorageException.transientFailure(
              "the Confidential Data Hub answered " + status + " for " + resourceId, null);
        } catch (IOException | StorageException e) {
          if (e instanceof StorageException se && !se.retryable()) {
            throw se;
          }
          if (attempt >= retrier.maxAttempts()) {
            throw new StorageException(
                Kind.TRANSIENT,
                "Cannot get the key "
                    + resourceId
                    + " from the Confidential Data Hub at "
                    + resource
                    + " after "
                    + attempt
                    + " attempts: "
                    + e.getMessage()
                    + "; check CDH_ADDR and that the hub runs beside the model server",
                e);
          }
          LOG.warn(
              "retrying the key {} (attempt {} failed: {})", resourceId, attempt, e.getMessage());
          try {
            retrier.pause(attempt, null);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new StorageException(Kind.INTERNAL, "interrupted", ie);
          }
        }
      }
    }
  }

  /**
   * The key from the hub's answer: a JSON JWK (a symmetric one), other UTF-8 text as a base64url
   * key, other bytes as the key itself.
   */
  byte[] parseKey(byte[] body) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(body))
              .toString()
              .strip();
    } catch (CharacterCodingException e) {
      return body.clone();
    }
    secrets.add(text);
    if (text.startsWith("{")) {
      try {
        JWK jwk = JWK.parse(text);
        if (jwk instanceof OctetSequenceKey oct) {
          return oct.toByteArray();
        }
        throw new StorageException(
            Kind.INVALID_CONFIG,
            "The key "
                + resourceId
                + " is a "
                + jwk.getKeyType()
                + " JWK: confidential models need a symmetric (oct) key");
      } catch (java.text.ParseException e) {
        // Not a JWK: taken as text below.
      }
    }
    try {
      return Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new StorageException(
          Kind.INVALID_CONFIG,
          "The key "
              + resourceId
              + " from the Confidential Data Hub is neither a JWK nor base64url text");
    }
  }
}
