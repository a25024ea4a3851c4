package io.storageinit.hdfs;

import io.storageinit.api.ProviderContext;
import io.storageinit.api.StorageClient;
import io.storageinit.api.StorageProvider;
import io.storageinit.kit.TlsContexts;
import java.util.Set;

/**
 * Serves {@code hdfs://} and {@code webhdfs://} as KServe does: with {@code HDFS_NAMENODE} (the
 * NameNode's WebHDFS address, e.g. {@code http://nn:9870}) everything after {@code ://} is a path,
 * absolute or below {@code HDFS_ROOTPATH}; a file lands under its base name, a directory as its
 * contents. Without {@code HDFS_NAMENODE}, {@code HADOOP_CONF_DIR} configures the Hadoop client
 * natively and the URI is a Hadoop URI ({@code hdfs://nameservice/path}, RPC, HA NameNodes).
 * Kerberos: {@code KERBEROS_PRINCIPAL} + {@code KERBEROS_KEYTAB}, acting as {@code USER_PROXY} when
 * set. Over WebHDFS: {@code HEADERS} (JSON) on every request, {@code TLS_CA}, the {@code
 * TLS_CERT}/{@code TLS_KEY} client certificate and {@code TLS_SKIP_VERIFY}.
 */
@StorageProvider.Descriptor(
    name = "hdfs",
    schemes = {"hdfs", "webhdfs"})
public final class HdfsStorageProvider implements StorageProvider {

  @Override
  public Set<String> secretKeys() {
    return Set.of("KERBEROS_KEYTAB", "TLS_KEY", "HEADERS");
  }

  @Override
  public StorageClient open(ProviderContext context) {
    HdfsSettings settings = HdfsSettings.from(context);
    return new HdfsStorageClient(
        settings,
        () ->
            TlsContexts.create(
                settings.tlsCa(),
                !settings.tlsSkipVerify(),
                settings.tlsCert(),
                settings.tlsKey()));
  }
}
