package io.github.reflink4j.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.reflink4j.TreeDedupeSummary;

/** The figures of {@code reflink dedupe --json}: a class of its own, so Gson loads only with --json. */
final class DedupeJson {
    private DedupeJson() {}

    static void print(Output output, DedupeCommand command, double seconds) {
        JsonObject result = new JsonObject();
        result.addProperty("groups", command.groups());
        result.addProperty("files", command.files());
        result.addProperty("deduplicated_bytes", command.deduplicated());
        result.addProperty("differing", command.differing());
        TreeDedupeSummary summary = command.summary();
        if (summary != null) {
            result.addProperty("already_shared_files", summary.filesAlreadyShared());
            result.addProperty("already_shared_bytes", summary.bytesAlreadyShared());
            result.addProperty("requests", summary.requests());
        }
        result.addProperty("failed", output.failures());
        result.addProperty("dry_run", command.dryRun());
        result.addProperty("seconds", seconds);
        JsonArray pairs = new JsonArray();
        for (DedupeCommand.Pair pair : command.pairs()) {
            JsonObject entry = new JsonObject();
            entry.addProperty("source", pair.source().toString());
            entry.addProperty("target", pair.target().toString());
            if (pair.result() != null) {
                entry.addProperty("deduplicated_bytes", pair.result().bytesDeduplicated());
                entry.addProperty("differs", pair.result().differs());
            }
            pairs.add(entry);
        }
        result.add("pairs", pairs);
        output.json(result);
    }
}
