package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two plugins that carry different versions of the same library (same class names) both work in one
 * run: each plugin folder has a class loader of its own.
 */
class PluginIsolationIT {
  @TempDir Path tmp;

  static final String LIBRARY =
      """
      package com.example.shared;
      public final class Library {
        public static String version() { return "%s"; }
      }
      """;

  static final String PROVIDER =
      """
      package com.example.%1$s;
      import io.storageinit.api.*;
      import java.io.*;
      import java.nio.charset.StandardCharsets;
      import java.util.*;
      @StorageProvider.Descriptor(name = "%1$s", schemes = "%1$s")
      public final class Provider implements StorageProvider {
        public StorageClient open(ProviderContext context) {
          return new StorageClient() {
            public Listing list(String uri) {
              return Listing.ofObject(RemoteObject.builder("v", "version.txt").build());
            }
            public InputStream read(RemoteObject o, long offset, long length) {
              return new ByteArrayInputStream(
                  com.example.shared.Library.version().getBytes(StandardCharsets.UTF_8));
            }
            public Set<Capability> capabilities() { return EnumSet.noneOf(Capability.class); }
            public void close() {}
          };
        }
      }
      """;

  @Test
  void conflictingLibraryVersionsLiveSideBySide() throws Exception {
    Distribution dist = Distribution.copy(tmp.resolve("dist"));
    Path api;
    try (Stream<Path> libs = Files.list(dist.home.resolve("lib"))) {
      api =
          libs.filter(p -> p.getFileName().toString().startsWith("storage-api-"))
              .findFirst()
              .orElseThrow();
    }
    for (String[] plugin : new String[][] {{"alpha", "1.0"}, {"beta", "2.0"}}) {
      Path dir = dist.plugin(plugin[0]);
      Path lib =
          compile(
              tmp.resolve(plugin[0] + "-lib"),
              api,
              Map.of("com/example/shared/Library.java", LIBRARY.formatted(plugin[1])));
      jar(lib, dir.resolve("shared-library-" + plugin[1] + ".jar"), null);
      Path provider =
          compile(
              tmp.resolve(plugin[0] + "-provider"),
              api.toString() + java.io.File.pathSeparator + lib,
              Map.of("com/example/" + plugin[0] + "/Provider.java", PROVIDER.formatted(plugin[0])));
      jar(
          provider,
          dir.resolve(plugin[0] + "-plugin.jar"),
          "com.example." + plugin[0] + ".Provider");
    }
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    Cli.Result r = dist.run(Map.of(), "alpha://x", a.toString(), "beta://x", b.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(a.resolve("version.txt")).hasContent("1.0");
    assertThat(b.resolve("version.txt")).hasContent("2.0");
  }

  static Path compile(Path out, Object classpath, Map<String, String> sources) throws Exception {
    Path src = Files.createDirectories(out.resolveSibling(out.getFileName() + "-src"));
    List<String> args =
        new ArrayList<>(
            List.of("-d", out.toString(), "-cp", classpath.toString(), "--release", "17"));
    for (var e : sources.entrySet()) {
      Path f = src.resolve(e.getKey());
      Files.createDirectories(f.getParent());
      Files.writeString(f, e.getValue());
      args.add(f.toString());
    }
    Files.createDirectories(out);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac.run(null, null, null, args.toArray(String[]::new))).isZero();
    return out;
  }

  static void jar(Path classes, Path jar, String service) throws Exception {
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> walk = Files.walk(classes)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
        Files.copy(p, out);
        out.closeEntry();
      }
      if (service != null) {
        out.putNextEntry(new JarEntry("META-INF/services/io.storageinit.api.StorageProvider"));
        OutputStream o = out;
        o.write((service + "\n").getBytes());
        out.closeEntry();
      }
    }
  }
}
