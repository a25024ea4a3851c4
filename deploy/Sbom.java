import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * A CycloneDX 1.5 SBOM (JSON) of exactly the jars a distribution holds: the runtime's lib/ and each
 * plugin's own lib/, one component per jar, named by the Maven coordinates inside it
 * (META-INF/maven/.../pom.properties) or, failing those, by its file name, with its SHA-256 and the
 * folder it lies in. Run with the JDK's single-file launcher:
 *
 * <pre>java deploy/Sbom.java DIST OUT.json</pre>
 */
public final class Sbom {
  public static void main(String[] args) throws Exception {
    Path dist = Path.of(args[0]);
    List<String> components = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dist)) {
      for (Path jar : walk.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
        components.add(component(dist, jar));
      }
    }
    String version = System.getenv().getOrDefault("VERSION", "dev");
    String json =
        "{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"1.5\",\n  \"serialNumber\": \"urn:uuid:"
            + UUID.randomUUID()
            + "\",\n  \"version\": 1,\n  \"metadata\": {\"component\": {\"type\": \"application\","
            + " \"name\": \"storage-initializer\", \"version\": "
            + quote(version)
            + "}},\n  \"components\": [\n"
            + String.join(",\n", components)
            + "\n  ]\n}\n";
    Files.writeString(Path.of(args[1]), json, StandardCharsets.UTF_8);
    System.out.println(components.size() + " components in " + args[1]);
  }

  private static String component(Path dist, Path jar) throws IOException {
    String group = null;
    String name = jar.getFileName().toString().replaceFirst("\\.jar$", "");
    String version = null;
    try (JarFile j = new JarFile(jar.toFile())) {
      var entries = j.stream().filter(e -> e.getName().endsWith("/pom.properties")).toList();
      if (entries.size() == 1) {
        Properties p = new Properties();
        try (InputStream in = j.getInputStream(entries.get(0))) {
          p.load(in);
        }
        group = p.getProperty("groupId");
        name = p.getProperty("artifactId", name);
        version = p.getProperty("version");
      }
    }
    StringBuilder b = new StringBuilder("    {\"type\": \"library\"");
    if (group != null) {
      b.append(", \"group\": ").append(quote(group));
    }
    b.append(", \"name\": ").append(quote(name));
    if (version != null) {
      b.append(", \"version\": ").append(quote(version));
      if (group != null) {
        b.append(", \"purl\": ")
            .append(quote("pkg:maven/" + group + "/" + name + "@" + version + "?type=jar"));
      }
    }
    b.append(", \"hashes\": [{\"alg\": \"SHA-256\", \"content\": ")
        .append(quote(sha256(jar)))
        .append("}]");
    b.append(", \"properties\": [{\"name\": \"storage-initializer:path\", \"value\": ")
        .append(quote(dist.relativize(jar).toString()))
        .append("}]}");
    return b.toString();
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
