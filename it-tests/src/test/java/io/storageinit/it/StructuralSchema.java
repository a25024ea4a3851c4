package io.storageinit.it;

import java.util.List;
import java.util.Map;

/**
 * Checks a document against a Kubernetes structural (OpenAPI v3) schema the way the API server
 * would: types, required fields, and no fields the schema does not know (which it would prune).
 */
final class StructuralSchema {
  private StructuralSchema() {}

  @SuppressWarnings("unchecked")
  static void check(Object value, Map<String, Object> schema, String path, List<String> problems) {
    String where = path.isEmpty() ? "<root>" : path;
    if (Boolean.TRUE.equals(schema.get("x-kubernetes-int-or-string"))) {
      if (!(value instanceof String || value instanceof Integer || value instanceof Long)) {
        problems.add(where + ": expected an integer or a string");
      }
      return;
    }
    String type = (String) schema.get("type");
    if (type == null) {
      return;
    }
    switch (type) {
      case "object" -> {
        if (!(value instanceof Map<?, ?> map)) {
          problems.add(where + ": expected an object");
          return;
        }
        Map<String, Object> props = (Map<String, Object>) schema.get("properties");
        Object additional = schema.get("additionalProperties");
        boolean preserve = Boolean.TRUE.equals(schema.get("x-kubernetes-preserve-unknown-fields"));
        for (Object key : (List<Object>) schema.getOrDefault("required", List.of())) {
          if (!map.containsKey(key)) {
            problems.add(where + ": required field '" + key + "' is missing");
          }
        }
        for (var e : map.entrySet()) {
          String child = path.isEmpty() ? String.valueOf(e.getKey()) : path + "." + e.getKey();
          if (props != null && props.containsKey(e.getKey())) {
            check(e.getValue(), (Map<String, Object>) props.get(e.getKey()), child, problems);
          } else if (additional instanceof Map<?, ?> a) {
            check(e.getValue(), (Map<String, Object>) a, child, problems);
          } else if (!preserve && props != null) {
            problems.add(child + ": unknown field");
          }
        }
      }
      case "array" -> {
        if (!(value instanceof List<?> list)) {
          problems.add(where + ": expected an array");
          return;
        }
        for (int i = 0; i < list.size(); i++) {
          check(
              list.get(i),
              (Map<String, Object>) schema.get("items"),
              where + "[" + i + "]",
              problems);
        }
      }
      case "string" -> {
        if (!(value instanceof String)) {
          problems.add(where + ": expected a string");
        }
      }
      case "boolean" -> {
        if (!(value instanceof Boolean)) {
          problems.add(where + ": expected a boolean");
        }
      }
      case "integer" -> {
        if (!(value instanceof Integer || value instanceof Long)) {
          problems.add(where + ": expected an integer");
        }
      }
      default -> {}
    }
  }
}
