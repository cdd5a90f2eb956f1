package ai.patchwork.registry;

import java.util.List;

/**
 * One page of a cursor-paged list (adapters, files, fine-tuning jobs and their events and checkpoints, projects): the
 * items and whether more follow (OpenAI's {@code has_more}).
 *
 * @param data the items, in the list's order
 * @param hasMore whether a next page exists ({@code after} = the last item's id)
 */
public record Page<T>(List<T> data, boolean hasMore) {
    public Page {
        data = List.copyOf(data);
    }

    /** A page from up to {@code limit + 1} rows: the extra row only says that more follow. */
    public static <T> Page<T> of(List<T> rows, int limit) {
        return rows.size() > limit ? new Page<>(rows.subList(0, limit), true) : new Page<>(rows, false);
    }
}
