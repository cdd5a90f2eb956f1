package ai.patchwork.registry;

import java.util.List;

/**
 * One page of adapters, newest first.
 *
 * @param data the adapters
 * @param hasMore whether a next page exists (ask with {@code after} = the last id)
 */
public record AdapterPage(List<Adapter> data, boolean hasMore) {
    public AdapterPage {
        data = List.copyOf(data);
    }
}
