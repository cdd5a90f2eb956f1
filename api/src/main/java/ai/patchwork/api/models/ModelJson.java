package ai.patchwork.api.models;

import ai.patchwork.registry.Adapter;
import ai.patchwork.registry.BaseModel;
import java.io.IOException;
import java.nio.file.Files;

/**
 * An OpenAI model object, with vLLM's {@code root} and {@code parent} for adapters.
 *
 * @param id what requests put in {@code model}: a base model id or an adapter name
 * @param object always {@code model}
 * @param created unix seconds
 * @param ownedBy always {@code patchwork}
 * @param root a base model's own id; an adapter's id ({@code adp-…}) of the version served under this name
 * @param parent null for a base model; the base model id for an adapter
 */
record ModelJson(String id, String object, long created, String ownedBy, String root, String parent) {

    static ModelJson of(BaseModel m) {
        long created;
        try {
            created = Files.getLastModifiedTime(m.path().resolve("config.json"))
                    .toInstant()
                    .getEpochSecond();
        } catch (IOException e) {
            created = 0;
        }
        return new ModelJson(m.id(), "model", created, "patchwork", m.id(), null);
    }

    static ModelJson of(Adapter a, String id) {
        return new ModelJson(id, "model", a.createdAt().getEpochSecond(), "patchwork", a.id(), a.baseModel());
    }
}
