package io.storageinit.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A check of a downloaded model, run after every file is in place and before the initializer exits
 * 0. Discovered with {@link java.util.ServiceLoader} from {@code
 * META-INF/services/io.storageinit.api.ModelValidator}.
 *
 * <p>Implementations are stateless and thread-safe, with a cheap public no-argument constructor.
 * They read files but never change the model: the runtime decides what to do about an {@link
 * Finding.Severity#ERROR} (fail the run and move the offending file out of its final name).
 *
 * @since 0.1
 */
public interface ModelValidator {

  /** Returns a short, unique, lower-case name used to enable or disable the validator. */
  String name();

  /**
   * Returns whether the validator runs when the user did not choose validators explicitly. Cheap,
   * always-sound checks return true; expensive or opinionated ones false.
   */
  default boolean enabledByDefault() {
    return true;
  }

  /**
   * Checks the model in {@code modelDir}.
   *
   * @param modelDir the destination directory, complete; not null
   * @param config the environment of the run, for validator options; not null
   * @return what was found, in any order; empty when all is well; never null
   * @throws StorageException only for failures of the validator itself ({@code INTERNAL}); problems
   *     with the model are findings
   */
  List<Finding> validate(Path modelDir, Map<String, String> config);

  /**
   * Checks the model in {@code modelDir}, given its files as {@link ModelFiles#list} returns them:
   * the runtime lists a model once for all validators. The default ignores the list and calls
   * {@link #validate(Path, Map)}; a validator that picks files by name overrides this to save a
   * walk of the tree.
   *
   * @param files the model's files, relative and sorted; not null
   * @since 0.3
   */
  default List<Finding> validate(Path modelDir, List<String> files, Map<String, String> config) {
    return validate(modelDir, config);
  }

  /**
   * Gets ready for {@link #validate}: the runtime calls this once per run, on a thread of its own,
   * while the download is still running. A validator whose first check is slow to start (a parser
   * to load, tables to build) does that work here, so that the time between the last byte and the
   * model server's start holds only the check itself. The model is not complete yet and must not be
   * read. The default does nothing. A failure here is logged and the check runs as usual, as it
   * does when getting ready takes more than a minute.
   *
   * @param config the environment of the run; not null
   * @since 0.3
   */
  default void prepare(Map<String, String> config) {}
}
