/** The HDFS provider: {@code hdfs://} and {@code webhdfs://} with the shaded Hadoop client. */
package io.storageinit.hdfs;
