package io.storageinit.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real command against a NameNode that speaks WebHDFS but lists hostile names: a {@code
 * pathSuffix} that is not one name (a {@code /}, {@code .} or {@code ..} in it). Hadoop's client
 * resolves such a suffix against the folder; the listing must be refused, not land under a mangled
 * name.
 */
class HostileNameNodeIT {
  @TempDir Path tmp;

  /** A WebHDFS NameNode serving the folder /models/m with one file of the given suffix. */
  static HttpServer nameNode(String suffix) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/webhdfs/v1/",
        ex -> {
          String op = String.valueOf(ex.getRequestURI().getQuery());
          String path = ex.getRequestURI().getPath().substring("/webhdfs/v1".length());
          if (op.contains("op=GETHOMEDIRECTORY")) {
            answer(ex, 200, "{\"Path\":\"/user/test\"}");
          } else if (op.contains("op=GETFILESTATUS") && path.matches("/models/m/?")) {
            answer(ex, 200, "{\"FileStatus\":" + status("", "DIRECTORY", 0) + "}");
          } else if (op.contains("op=LISTSTATUS") && path.matches("/models/m/?")) {
            answer(
                ex,
                200,
                "{\"FileStatuses\":{\"FileStatus\":["
                    + status("fine.bin", "FILE", 5)
                    + ","
                    + status(suffix, "FILE", 5)
                    + "]}}");
          } else if (op.contains("op=GETFILEBLOCKLOCATIONS")) {
            answer(ex, 200, "{\"BlockLocations\":{\"BlockLocation\":[]}}");
          } else if (op.contains("op=OPEN")) {
            answer(ex, 200, "bytes");
          } else {
            answer(
                ex,
                404,
                "{\"RemoteException\":{\"exception\":\"FileNotFoundException\","
                    + "\"javaClassName\":\"java.io.FileNotFoundException\","
                    + "\"message\":\"File does not exist: "
                    + path
                    + "\"}}");
          }
        });
    server.start();
    return server;
  }

  static String status(String suffix, String type, long length) {
    return "{\"accessTime\":0,\"blockSize\":134217728,\"childrenNum\":0,\"fileId\":16390,"
        + "\"group\":\"supergroup\",\"length\":"
        + length
        + ",\"modificationTime\":1700000000000,\"owner\":\"test\",\"pathSuffix\":\""
        + suffix
        + "\",\"permission\":\"644\",\"replication\":1,\"storagePolicy\":0,\"type\":\""
        + type
        + "\"}";
  }

  static void answer(HttpExchange ex, int code, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  @ParameterizedTest(name = "pathSuffix {0}")
  @ValueSource(strings = {"../escape.bin", "a/b.bin", "..", ".", "sub/../../x.bin", "/abs.bin"})
  void aNameThatIsNotOneNameIsRefusedAndNothingLands(String suffix) throws Exception {
    HttpServer server = nameNode(suffix);
    try {
      Path dest = tmp.resolve("mnt/models");
      String config =
          "{\"type\": \"webhdfs\", \"HDFS_NAMENODE\": \"http://127.0.0.1:"
              + server.getAddress().getPort()
              + "\"}";
      Cli.Result r =
          Cli.run(Map.of("STORAGE_CONFIG", config), "webhdfs://models/m", dest.toString());
      assertThat(r.exitCode()).as(r.output()).isEqualTo(6);
      assertThat(r.output()).contains("which is not a name inside that folder");
      assertThat(Cli.tree(tmp.resolve("mnt")))
          .as("nothing in DEST or beside it")
          .doesNotContainKeys("mnt/escape.bin", "escape.bin", "x.bin", "abs.bin")
          .allSatisfy((name, kind) -> assertThat(kind).isEqualTo("dir"));
    } finally {
      server.stop(0);
    }
  }
}
