package org.apache.hadoop.hdfs.web;

import org.apache.hadoop.security.authentication.client.ConnectionConfigurator;

/**
 * Gives a WebHDFS client a connection configurator of our own. Hadoop builds WebHDFS's connection
 * factory from {@code ssl-client.xml} on the class path only and offers no public way to add
 * request headers, a client certificate from PEM files or a trust-all mode; its factory's
 * constructor and the file system's field are package-private and protected, hence this one class
 * in Hadoop's package (same class loader as the Hadoop client, in the HDFS plugin's jar).
 */
public final class WebHdfsConnections {
  private WebHdfsConnections() {}

  /**
   * Makes every connection {@code fs} opens, SPNEGO ones included, go through {@code configurator}.
   * Call it right after the file system is initialised, before its first request.
   */
  public static void use(WebHdfsFileSystem fs, ConnectionConfigurator configurator) {
    fs.connectionFactory = new URLConnectionFactory(configurator);
  }
}
